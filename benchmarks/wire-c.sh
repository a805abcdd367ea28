#!/usr/bin/env bash
# The C wire benchmark (figure 8 of docs/benchmarks.md): builds benchmarks/src/main/c/wirebench.c
# with the system's cc, starts `vmbackdoor serve` and runs the C client against it and against
# its own C echo server in the same run. Skipped, with a message, where there is no C compiler.
# SERVE_JAVA_OPTS=-Dvmbackdoor.transport=nio runs serve on NIO instead of epoll.
# WIRE_CPUS=0 pins serve, the client and its echo server to the CPUs given (taskset -c), so that
# where the scheduler places three processes does not decide the round trip.
# Needs host-simulator/target/vmbackdoor.jar (run-all.sh builds it). Arguments: [trials] [calls].
set -euo pipefail
cd "$(dirname "$0")/.."
cc_cmd=${CC:-cc}
if ! command -v "$cc_cmd" > /dev/null; then
  echo "wire-c: no C compiler ($cc_cmd) found, skipped"
  exit 0
fi
pin=()
if [ -n "${WIRE_CPUS:-}" ]; then
  if ! command -v taskset > /dev/null; then
    echo "wire-c: WIRE_CPUS needs taskset, not found" >&2
    exit 2
  fi
  pin=(taskset -c "$WIRE_CPUS")
fi
mkdir -p benchmarks/target
"$cc_cmd" -O2 -o benchmarks/target/wirebench benchmarks/src/main/c/wirebench.c -lm
log=$(mktemp)
# shellcheck disable=SC2086
"${pin[@]}" java ${SERVE_JAVA_OPTS:-} -jar host-simulator/target/vmbackdoor.jar serve --port 0 > "$log" 2>&1 &
serve=$!
trap 'kill "$serve" 2> /dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 300); do
  grep -q '^listening on' "$log" && break
  sleep 0.1
done
address=$(sed -n 's/^listening on \(.*\)$/\1/p' "$log" | head -n 1)
if [ -z "$address" ]; then
  echo "wire-c: serve did not start:" >&2
  cat "$log" >&2
  exit 1
fi
echo "serve at $address, java options: ${SERVE_JAVA_OPTS:-none}, CPUs: ${WIRE_CPUS:-any}"
"${pin[@]}" benchmarks/target/wirebench "${address%:*}" "${address##*:}" vm1 "${1:-10}" "${2:-20000}"
