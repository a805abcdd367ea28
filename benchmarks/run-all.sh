#!/usr/bin/env bash
# Builds the benchmarks jar and runs every figure of docs/benchmarks.md, writing each tool's
# output to benchmarks/target/results/. Takes about an hour on 2 cores (the scale curve up to
# 1,000,000 VMs is most of it). Run it on a quiet machine: the figures are only as good as the
# machine is idle.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -Pbenchmarks -DskipTests package
# serve (for the C wire benchmark) is host-simulator/target/vmbackdoor.jar, built by the same command.
jar=benchmarks/target/benchmarks.jar
out=benchmarks/target/results
mkdir -p "$out"
{ echo "nproc $(nproc)"; java -version 2>&1; uptime; ulimit -n; } > "$out/machine.txt"
java -jar "$jar" -rf json -rff "$out/inprocess.json" 'CommandPort|Rpci|Tick' | tee "$out/inprocess.txt"
java -jar "$jar" wire-ratio | tee "$out/wire-ratio.txt"
java -jar "$jar" -rf json -rff "$out/replay.json" 'Replay' | tee "$out/replay.txt"
java -jar "$jar" -rf json -rff "$out/legacy-loop.json" 'LegacyLoop' | tee "$out/legacy-loop.txt"
java -cp "$jar" io.github.vmbackdoor.bench.LegacyLoopBenchmark | tee "$out/legacy-loop-main.txt"
java -jar "$jar" simulation-scale 10000 2 3600 | tee "$out/simulation-scale.txt"
# The scale curve (figure 4): 1 virtual hour at each size, each in a fresh JVM with an 8 GiB heap;
# the last size is the largest tried that fits in 8 GiB.
for vms in 1000 10000 20000 100000 1000000; do
  java -Xmx8g -jar "$jar" simulation-scale "$vms" 2 3600 | tee "$out/simulation-scale-$vms.txt" \
    || echo "simulation-scale $vms did not complete" | tee -a "$out/simulation-scale-$vms.txt"
done
# The C client against serve beside a raw C ping-pong, in one run (figure 8).
benchmarks/wire-c.sh 10 20000 | tee "$out/wire-c.txt"
java -jar "$jar" wire-scale 1000 30 10 | tee "$out/wire-scale-1000.txt"
java -jar "$jar" wire-scale 10000 30 10 | tee "$out/wire-scale-10000.txt"
uptime >> "$out/machine.txt"
