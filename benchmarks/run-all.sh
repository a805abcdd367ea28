#!/usr/bin/env bash
# Builds the benchmarks jar and runs the figures of docs/benchmarks.md, writing each tool's output
# to benchmarks/target/results/. Run it on a quiet machine: the figures are only as good as the
# machine is idle (machine.txt records the load before and after).
#
#   benchmarks/run-all.sh            every figure (about an hour on 2 cores)
#   benchmarks/run-all.sh fleet      figure 8 only: heap per idle VM, the scale curve, the largest
#                                    fleet tried in 8 GiB, and the C client beside its raw baseline
#                                    (about 20 minutes on 2 cores)
#   benchmarks/run-all.sh inprocess  figures 1 to 7 only (JMH, the Java wire ratio, replay)
#   benchmarks/run-all.sh trap       figure 9 only: a trapped backdoor call beside an untrapped
#                                    wire call (about a minute; skipped where it cannot trap)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
case "$what" in
  all | fleet | inprocess | trap) ;;
  *)
    echo "run-all.sh: unknown section '$what' (all, fleet, inprocess or trap)" >&2
    exit 2
    ;;
esac
./mvnw -q -B -ntp -Pbenchmarks -DskipTests package
# serve (for the C wire benchmark) is host-simulator/target/vmbackdoor.jar, built by the same command.
jar=benchmarks/target/benchmarks.jar
out=benchmarks/target/results
mkdir -p "$out"
{
  echo "section $what"
  echo "nproc $(nproc)"
  java -version 2>&1
  uptime
  ulimit -n
} > "$out/machine.txt"

if [ "$what" = all ] || [ "$what" = inprocess ]; then
  java -jar "$jar" -rf json -rff "$out/inprocess.json" 'CommandPort|Rpci|Tick' | tee "$out/inprocess.txt"
  java -jar "$jar" wire-ratio | tee "$out/wire-ratio.txt"
  java -jar "$jar" -rf json -rff "$out/replay.json" 'Replay' | tee "$out/replay.txt"
  java -jar "$jar" -rf json -rff "$out/legacy-loop.json" 'LegacyLoop' | tee "$out/legacy-loop.txt"
  java -cp "$jar" io.github.vmbackdoor.bench.LegacyLoopBenchmark | tee "$out/legacy-loop-main.txt"
  java -jar "$jar" wire-scale 1000 30 10 | tee "$out/wire-scale-1000.txt"
  java -jar "$jar" wire-scale 10000 30 10 | tee "$out/wire-scale-10000.txt"
fi

if [ "$what" = all ] || [ "$what" = fleet ]; then
  # The scale curve (figure 8c): one virtual hour at each size, each in a fresh JVM with an 8 GiB
  # heap, a lane per VM; 10,000 VMs also on one shared timeline (window 0) for comparison. The
  # heap per idle VM (figure 8a) is printed by every run.
  for vms in 1000 10000 20000 100000; do
    java -Xmx8g -jar "$jar" simulation-scale "$vms" 2 3600 | tee "$out/simulation-scale-$vms.txt"
  done
  java -Xmx8g -jar "$jar" simulation-scale 10000 2 3600 1200 0 | tee "$out/simulation-scale-10000-shared.txt"
  # Past the curve, in 8 GiB: a million VMs for ten virtual minutes, and the largest fleet tried
  # (four million) for one virtual minute, to keep the run short.
  for run in "1000000 600" "4000000 60"; do
    set -- $run
    java -Xmx8g -jar "$jar" simulation-scale "$1" 2 "$2" | tee "$out/simulation-scale-$1.txt" \
      || echo "simulation-scale $1 did not complete" | tee -a "$out/simulation-scale-$1.txt"
  done
  # The C client against serve beside a raw C ping-pong, in one run (figure 8d); then again with
  # all three processes on one CPU, so that the scheduler's placement does not decide it.
  benchmarks/wire-c.sh 10 20000 | tee "$out/wire-c.txt"
  WIRE_CPUS=0 benchmarks/wire-c.sh 10 20000 | tee "$out/wire-c-one-cpu.txt"
fi

if [ "$what" = all ] || [ "$what" = trap ]; then
  # A trapped GETVERSION (the real `in`, answered by serve through the trap) beside the same call
  # as a wire frame of the program's own, call by call in one run (figure 9).
  benchmarks/trap-c.sh 10 20000 | tee "$out/trap-c.txt"
  TRAP_CPUS=0 benchmarks/trap-c.sh 10 20000 | tee "$out/trap-c-one-cpu.txt"
fi
uptime >> "$out/machine.txt"
