#!/usr/bin/env bash
# Builds the benchmarks jar and runs every figure of docs/benchmarks.md, writing each tool's
# output to benchmarks/target/results/. Takes about 10 minutes on 2 cores. Run it on a quiet
# machine: the figures are only as good as the machine is idle.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -Pbenchmarks -DskipTests package
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
java -jar "$jar" wire-scale 1000 30 10 | tee "$out/wire-scale-1000.txt"
java -jar "$jar" wire-scale 10000 30 10 | tee "$out/wire-scale-10000.txt"
uptime >> "$out/machine.txt"
