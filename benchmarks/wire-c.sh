#!/usr/bin/env bash
# The C wire benchmark (figure 8 of docs/benchmarks.md): builds benchmarks/src/main/c/wirebench.c
# with the system's cc, starts `vmbackdoor serve` and runs the C client against it and against
# its own C echo server in the same run. Skipped, with a message, where there is no C compiler.
# SERVE_JAVA_OPTS=-Dvmbackdoor.transport=nio runs serve on NIO instead of epoll.
# WIRE_CPUS=0 pins serve, the client and its echo server to the CPUs given (taskset -c), so that
# where the scheduler places three processes does not decide the round trip.
# SERVE_OPTS adds serve options (--spin-before-park 50us). It prints, besides the latencies, the CPU
# time per frame of serve and of the echo server over the same trials (from /proc/PID/stat), and
# serve's again without its JIT compiler threads (compiling is paid once per run, not per frame).
# Runs serve with bin/vmbackdoor (the jar, built if missing). Arguments: [trials] [calls].
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/c-bench.sh
c_bench_compiler wire-c
c_bench_pin wire-c "${WIRE_CPUS:-}"
mkdir -p benchmarks/target
"$cc_cmd" -O2 -o benchmarks/target/wirebench benchmarks/src/main/c/wirebench.c -lm
# shellcheck disable=SC2086
c_bench_serve wire-c ${SERVE_JAVA_OPTS:-}
echo "serve at $address, java options: ${SERVE_JAVA_OPTS:-none}, CPUs: ${WIRE_CPUS:-any}"
echo "serve options: ${SERVE_OPTS:-none}"
# serve's process id: the client reads its CPU time (and its echo server's) around the trials.
WIREBENCH_SERVE_PID=$serve_pid "${pin[@]}" benchmarks/target/wirebench "${address%:*}" "${address##*:}" vm1 "${1:-10}" "${2:-20000}"
