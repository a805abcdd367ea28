#!/usr/bin/env bash
# The trap benchmark (figure 9 of docs/benchmarks.md): builds benchmarks/src/main/c/trapbench.c
# with the system's cc, starts `vmbackdoor serve`, and runs trapbench under the trap against it
# with `vmbackdoor guest --connect`: a trapped GETVERSION beside an untrapped wire GETVERSION to the
# same serve, call by call, in the same run. Skipped, with a message, where there is no C compiler
# or the machine cannot trap. Runs serve and guest with bin/vmbackdoor (the jar, built if missing).
# TRAP_CPUS=0 pins serve, the trap helper and the program to the CPUs given (taskset -c), so that
# where the scheduler places three processes does not decide the round trip.
# Arguments: [trials] [calls].
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/c-bench.sh
c_bench_compiler trap-c
c_bench_pin trap-c "${TRAP_CPUS:-}"
mkdir -p benchmarks/target
"$cc_cmd" -O2 -o benchmarks/target/trapbench benchmarks/src/main/c/trapbench.c -lm
c_bench_serve trap-c
echo "serve at $address, CPUs: ${TRAP_CPUS:-any}"
status=0
"${pin[@]}" bin/vmbackdoor guest --connect "$address" -- \
  benchmarks/target/trapbench "${address%:*}" "${address##*:}" vm1 "${1:-10}" "${2:-20000}" || status=$?
if [ "$status" -eq 125 ]; then
  echo "trap-c: this machine cannot trap (the line above says why), skipped"
  exit 0
fi
exit "$status"
