#!/usr/bin/env bash
# Extracts Debian's open-vm-tools, and those of its libraries this machine does not have, into
# DIR: a private prefix (DIR/usr/bin/vmware-rpctool, DIR/usr/lib/x86_64-linux-gnu/...). Nothing
# system-wide changes: no package is installed, no service enabled, no maintainer script run, no
# file under /etc written (docs/real-guests.md says why). The real-guest tests find the tools
# through VMBACKDOOR_OPEN_VM_TOOLS=DIR.
#
#   host-simulator/src/it/open-vm-tools.sh DIR
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
mkdir -p "$1"
dest=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# apt-get download needs the package lists; read them once if it cannot find the package.
download() {
  apt-get download "$@" > /dev/null 2>&1 || {
    apt-get update -qq > /dev/null
    apt-get download "$@" > /dev/null
  }
}

installed() {
  dpkg-query -W -f='${Status}' "$1" 2> /dev/null | grep -q 'install ok installed'
}

# The library packages a .deb depends on (the first of each alternative).
library_depends() {
  dpkg-deb -f "$1" Depends Pre-Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' \
    | grep '^lib' || true
}

download open-vm-tools
todo=$(library_depends open-vm-tools_*.deb)
seen=" "
while [ -n "$todo" ]; do
  next=""
  for package in $todo; do
    case "$seen" in *" $package "*) continue ;; esac
    seen="$seen$package "
    installed "$package" && continue
    download "$package"
    next="$next $(library_depends "$package"_*.deb)"
  done
  todo=$next
done
for deb in *.deb; do
  dpkg-deb -x "$deb" "$dest"
done

libs="$dest/usr/lib/x86_64-linux-gnu:$dest/lib/x86_64-linux-gnu"
for program in vmware-rpctool vmware-checkvm vmware-toolbox-cmd vmtoolsd; do
  if LD_LIBRARY_PATH=$libs ldd "$dest/usr/bin/$program" | grep 'not found'; then
    echo "open-vm-tools.sh: $program misses the libraries above" >&2
    exit 1
  fi
done
echo "open-vm-tools $(dpkg-deb -f open-vm-tools_*.deb Version) in $dest ($(ls ./*.deb | wc -l) packages)"
