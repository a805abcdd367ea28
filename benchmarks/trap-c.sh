#!/usr/bin/env bash
# The trap benchmark (figure 9 of docs/benchmarks.md): builds benchmarks/src/main/c/trapbench.c
# with the system's cc, starts two `vmbackdoor serve`s, and runs trapbench under the trap against
# them with `vmbackdoor guest --connect`: a trapped GETVERSION beside an untrapped wire GETVERSION
# to the same serve, in blocks of TRAP_BLOCK calls of each kind (default 100; 1 is call by call),
# in the same run. Three configurations, one trial of each in turn so that all see the same load:
#   tcp      guest --no-shared-memory: the calls go over the helper's TCP connection to serve, and
#            serve and the trap sleep as soon as they wait (the default before the shared region);
#   spin     the same over TCP with serve --spin-before-park 50us and guest --spin-before-park
#            50us: serve's I/O thread and the trap poll for 50 us before they sleep;
#   shm      the default: the helper offers serve a shared-memory region and the calls go through
#            it, each side polling for 50 us (their default for the region) before it sleeps.
# The untrapped wire call of every configuration is the program's own TCP connection to serve.
# Skipped, with a message, where there is no C compiler or the machine cannot trap. Runs serve and
# guest with bin/vmbackdoor (host-simulator/target/vmbackdoor.jar, built first if it is missing).
# TRAP_CPUS=0 pins serve, the trap helper and the program to the CPUs given (taskset -c), so that
# where the scheduler places three processes does not decide the round trip. TRAP_SPIN sets the
# spin of the second configuration (default 50us).
# Arguments: [trials] [calls].
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/c-bench.sh
c_bench_compiler trap-c
c_bench_pin trap-c "${TRAP_CPUS:-}"
mkdir -p benchmarks/target
"$cc_cmd" -O2 -o benchmarks/target/trapbench benchmarks/src/main/c/trapbench.c -lm
trials=${1:-10}
calls=${2:-20000}
spin=${TRAP_SPIN:-50us}
block=${TRAP_BLOCK:-100}
c_bench_serve trap-c
default_address=$address
SERVE_OPTS="--spin-before-park $spin" c_bench_serve trap-c
spin_address=$address
echo "serves at $default_address (plain) and $spin_address (--spin-before-park $spin), CPUs: ${TRAP_CPUS:-any}"
echo "load average before: $(cat /proc/loadavg)"
results=$(mktemp)
trap 'kill "${serve_pids[@]}" 2> /dev/null || true; rm -f "${serve_logs[@]}" "$results"' EXIT

# one trial of configuration $1 against the serve at $2, with guest options $3...
trial() {
  local name=$1 address=$2
  shift 2
  local out status=0
  out=$("${pin[@]}" bin/vmbackdoor guest --connect "$address" "$@" -- \
    benchmarks/target/trapbench "${address%:*}" "${address##*:}" vm1 1 "$calls" "$block" 2>&1) || status=$?
  if [ "$status" -eq 125 ]; then
    echo "$out"
    echo "trap-c: this machine cannot trap (the line above says why), skipped"
    exit 0
  fi
  if [ "$status" -ne 0 ]; then
    echo "$out" >&2
    exit "$status"
  fi
  # the one line of a helper that could not use the shared region (then shm is TCP after all)
  echo "$out" | grep '^vmbackdoor-trap: no shared memory' || true
  local line
  line=$(echo "$out" | grep '^trial 1:')
  echo "$name ${line#trial 1: }"
  echo "$name $line" | sed -n 's/^\([a-z]*\) trial 1: trapped median \([0-9.]*\) us.*untrapped wire median \([0-9.]*\) us.*/\1 \2 \3/p' >> "$results"
}

for t in $(seq 1 "$trials"); do
  echo "trial $t of $trials ($calls calls of each kind, alternating every $block)"
  trial tcp "$default_address" --no-shared-memory
  trial spin "$spin_address" --no-shared-memory --spin-before-park "$spin"
  trial shm "$default_address"
done
echo "load average after: $(cat /proc/loadavg)"
echo "median per call, mean over trials (sd):"
awk '
  { n[$1]++; t[$1] += $2; tt[$1] += $2 * $2; w[$1] += $3; ww[$1] += $3 * $3; a = $2 - $3; d[$1] += a; dd[$1] += a * a }
  function sd(s, ss, k,  v) { v = k > 1 ? (ss - s * s / k) / (k - 1) : 0; return v > 0 ? sqrt(v) : 0 }
  END {
    split("tcp spin shm", order, " ")
    for (i = 1; i <= 3; i++) {
      c = order[i]; k = n[c]
      if (k == 0) continue
      printf "%-8s trapped %.1f us (%.1f)   untrapped wire %.1f us (%.1f)   added by the trap %.1f us (%.1f)\n",
        c, t[c] / k, sd(t[c], tt[c], k), w[c] / k, sd(w[c], ww[c], k), d[c] / k, sd(d[c], dd[c], k)
    }
  }' "$results"
