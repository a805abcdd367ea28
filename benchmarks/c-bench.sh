# Sourced by wire-c.sh and trap-c.sh (not run on its own): what the C benchmarks share. Each
# function takes the benchmark's name for its messages.
#
#   c_bench_compiler NAME             sets cc_cmd (CC or cc); exits 0 with a message without one
#   c_bench_pin NAME CPUS             sets pin to (taskset -c CPUS), or to () when CPUS is empty
#   c_bench_serve NAME [JAVA-OPTS]    starts serve --port 0 (under pin, with bin/vmbackdoor, which
#                                     runs host-simulator/target/vmbackdoor.jar and builds it
#                                     first if it is missing) in the background, sets address to
#                                     its HOST:PORT and serve_pid, and stops it when the script
#                                     exits (each serve started, when called again);
#                                     SERVE_OPTS adds serve options (e.g. --spin-before-park 50us)

c_bench_compiler() {
  cc_cmd=${CC:-cc}
  if ! command -v "$cc_cmd" > /dev/null; then
    echo "$1: no C compiler ($cc_cmd) found, skipped"
    exit 0
  fi
}

c_bench_pin() {
  pin=()
  if [ -n "$2" ]; then
    if ! command -v taskset > /dev/null; then
      echo "$1: pinning to CPUs needs taskset, not found" >&2
      exit 2
    fi
    pin=(taskset -c "$2")
  fi
}

c_bench_serve() {
  local name=$1
  shift
  serve_log=$(mktemp)
  # bin/vmbackdoor execs java: serve's process id is the one started here.
  "${pin[@]}" env JAVA_OPTS="$* ${JAVA_OPTS:-}" bin/vmbackdoor serve --port 0 ${SERVE_OPTS:-} > "$serve_log" 2>&1 &
  serve_pid=$!
  serve_pids+=("$serve_pid")
  serve_logs+=("$serve_log")
  trap 'kill "${serve_pids[@]}" 2> /dev/null || true; rm -f "${serve_logs[@]}"' EXIT
  for _ in $(seq 1 300); do
    grep -q '^listening on' "$serve_log" && break
    sleep 0.1
  done
  address=$(sed -n 's/^listening on \(.*\)$/\1/p' "$serve_log" | head -n 1)
  if [ -z "$address" ]; then
    echo "$name: serve did not start:" >&2
    cat "$serve_log" >&2
    exit 1
  fi
}
