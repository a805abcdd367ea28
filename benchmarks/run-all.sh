#!/usr/bin/env bash
# Builds the benchmarks jar and runs the figures of docs/benchmarks.md, writing each tool's output
# to benchmarks/target/results/. Run it on a quiet machine: the figures are only as good as the
# machine is idle (machine.txt records the load before and after).
#
#   benchmarks/run-all.sh            every figure (about an hour on 2 cores)
#   benchmarks/run-all.sh fleet      figures 8 and 10: heap per idle VM (with a class histogram at
#                                    a million VMs), the scale curve up to a million VMs for an hour
#                                    (bytes and CPU time per call, steady state and overall), the
#                                    largest fleet tried in 8 GiB, and the C client beside its raw
#                                    baseline (latency and CPU time per frame), also with serve
#                                    spinning before it parks, then these figures side by side
#                                    (summary-fleet.txt; about 25 minutes on 2 cores)
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
  # -prof gc: the bytes allocated per call (gc.alloc.rate.norm) beside the time.
  java -jar "$jar" -prof gc -rf json -rff "$out/inprocess.json" 'CommandPort|Rpci|Tick' | tee "$out/inprocess.txt"
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
  # The heap is backed by transparent huge pages where the kernel has them (madvise or always),
  # and the two sizes the goal compares run once more with the JVM's default 4 KiB pages: whether
  # the page size is what makes a call dearer at a million VMs (figure 10q: it was not; a million
  # VMs cost the same per call with either).
  huge=-XX:+UseTransparentHugePages
  for vms in 1000 10000 20000 100000; do
    java -Xmx8g $huge -jar "$jar" simulation-scale "$vms" 2 3600 | tee "$out/simulation-scale-$vms.txt"
  done
  java -Xmx8g $huge -jar "$jar" simulation-scale 10000 2 3600 1200 0 | tee "$out/simulation-scale-10000-shared.txt"
  # A million VMs for one virtual hour (figure 10), with a class histogram of the live heap taken
  # once every VM polls (the itemised heap per idle VM).
  java -Xmx8g $huge -jar "$jar" simulation-scale 1000000 2 3600 > "$out/simulation-scale-1000000.txt" &
  fleet=$!
  until grep -q 'heap per idle VM' "$out/simulation-scale-1000000.txt" || ! kill -0 "$fleet" 2> /dev/null; do
    sleep 1
  done
  sleep 5
  jmap -histo:live "$fleet" > "$out/histogram-1000000.txt" 2>&1 || true
  wait "$fleet" || echo "simulation-scale 1000000 did not complete" >> "$out/simulation-scale-1000000.txt"
  cat "$out/simulation-scale-1000000.txt"
  # The two sizes of the goal again with the JVM's default 4 KiB pages.
  for vms in 100000 1000000; do
    java -Xmx8g -jar "$jar" simulation-scale "$vms" 2 3600 | tee "$out/simulation-scale-$vms-4k.txt"
  done
  # The largest fleet tried (four million) for one virtual minute, to keep the run short.
  java -Xmx8g $huge -jar "$jar" simulation-scale 4000000 2 60 | tee "$out/simulation-scale-4000000.txt" \
    || echo "simulation-scale 4000000 did not complete" | tee -a "$out/simulation-scale-4000000.txt"
  # The C client against serve beside a raw C ping-pong, in one run (figure 8d), with the CPU time
  # per frame of each (figure 10); again with all three processes on one CPU, so that the
  # scheduler's placement does not decide it; and unpinned with serve spinning 50 us before it
  # parks (the opt-in for latency-bound users).
  benchmarks/wire-c.sh 10 20000 | tee "$out/wire-c.txt"
  WIRE_CPUS=0 benchmarks/wire-c.sh 10 20000 | tee "$out/wire-c-one-cpu.txt"
  SERVE_OPTS="--spin-before-park 50us" benchmarks/wire-c.sh 10 20000 | tee "$out/wire-c-spin.txt"
  # Figure 10's figures in one place (summary-fleet.txt): at 100,000 and a million VMs the heap per
  # idle VM, the run, the CPU and bytes per call overall and in the steady state; for each wire run
  # (unpinned by default, unpinned with the spin opt-in, all on one CPU) the latency ratios and the
  # CPU time per frame of serve beside the raw echo's.
  {
    echo "== summary of figure 10; $(uptime)"
    for vms in 100000 1000000 100000-4k 1000000-4k; do
      echo "-- simulation-scale $vms"
      grep -E '^(JVM options|heap per idle VM|run:|simulation events|allocated:|CPU:|steady state)|did not complete' \
        "$out/simulation-scale-$vms.txt" || true
    done
    for run in wire-c wire-c-spin wire-c-one-cpu; do
      echo "-- $run"
      grep -E '^(serve options|load average|GETVERSION:|RPCI \(7 frames\):|ratio of medians|CPU per frame)' \
        "$out/$run.txt" || true
    done
  } | tee "$out/summary-fleet.txt"
fi

if [ "$what" = all ] || [ "$what" = trap ]; then
  # A trapped GETVERSION (the real `in`, answered by serve through the trap) beside the same call
  # as a wire frame of the program's own, call by call in one run (figure 9).
  benchmarks/trap-c.sh 10 20000 | tee "$out/trap-c.txt"
  TRAP_CPUS=0 benchmarks/trap-c.sh 10 20000 | tee "$out/trap-c-one-cpu.txt"
fi
uptime >> "$out/machine.txt"
