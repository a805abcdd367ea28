#!/usr/bin/env bash
# Drives a running 'serve --admin-port' with ctl the way a CI job would: installs a one-shot
# checkpoint at the guest's next RPCI RECVSIZE, lets a guest make an RPCI, and checks through the
# admin API that the guest's receive answered CPT and was made again.
#
# Environment: VMBACKDOOR  how to run the CLI (e.g. "java -jar vmbackdoor.jar")
#              ADMIN       the admin API's HOST:PORT
#              GUEST       a command that connects a guest and makes one RPCI
set -euo pipefail

ctl() { $VMBACKDOOR ctl --admin "$ADMIN" "$@"; }

ctl vms | grep -q '"name":"vm1"'
ctl guestinfo vm1 color blue | grep -q '"value":"blue"'
ctl fault vm1 cpt protocol=rpci step=recvsize nth=1 checkpoint | grep -q '"applied":\["fault cpt'

reply=$($GUEST)
[ "$reply" = "1 blue" ] || { echo "guest got '$reply'"; exit 1; }

recvsizes=$(ctl calls vm1 | grep -o '"note":"RECVSIZE' | wc -l)
[ "$recvsizes" -eq 2 ] || { echo "expected the RECVSIZE twice, saw $recvsizes"; exit 1; }
ctl take vm1 --timeout 1s | grep -q '"text":"info-get guestinfo.color"'

# a refusal is one line on stderr and exit code 1
if ctl checkpoint vm9 2>err.txt; then echo "vm9 accepted"; exit 1; else code=$?; fi
[ "$code" -eq 1 ] || { echo "exit code $code"; exit 1; }
grep -q '^vmbackdoor ctl: no VM named "vm9"' err.txt
echo "ctl-checkpoint: ok"
