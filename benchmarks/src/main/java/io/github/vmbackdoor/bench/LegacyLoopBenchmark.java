package io.github.vmbackdoor.bench;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TickScheduler;
import io.github.vmbackdoor.rpc.ToolsService;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 4, second part: the time to reproduce the legacy machine's ping loop. A VM boots with the
 * legacy (vmt as shipped) machine polling every second; after 10 virtual minutes the host closes
 * the TCLO channel; from then on vmt logs {@code vmt0: failed to send TCLO outgoing ping} every
 * second and never polls again. One operation builds the simulation, the host and the guest and
 * runs it until {@code span} says:
 *
 * <ul>
 *   <li>{@code loop}: until the tenth failed ping (virtual 10 min 10 s);
 *   <li>{@code hour}: one virtual hour, as the scenario test runs it (3,000 failed pings).
 * </ul>
 *
 * <p>{@link #cold} measures the first run in a fresh JVM (class loading and interpretation
 * included, JVM start excluded); {@link #warm} the runs after 30 warm-up runs. {@link #main} prints
 * the time from JVM start to the loop reproduced.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LegacyLoopBenchmark {

  static final String FAILED_PING = "vmt0: failed to send TCLO outgoing ping";
  static final Duration TROUBLE = Duration.ofMinutes(10);

  /** How long one operation runs: {@code loop} or {@code hour}, as the class describes. */
  @Param({"loop", "hour"})
  public String span;

  /** The first run in a fresh JVM. */
  @Benchmark
  @Warmup(iterations = 0)
  @Measurement(iterations = 1)
  @Fork(10)
  public long cold() {
    return reproduce(span.equals("hour"));
  }

  /** A run after the JIT has seen 30 of them. */
  @Benchmark
  @Warmup(iterations = 30)
  @Measurement(iterations = 30)
  @Fork(2)
  public long warm() {
    return reproduce(span.equals("hour"));
  }

  /**
   * Runs the scenario; returns the failed pings logged.
   *
   * @throws IllegalStateException when the loop did not show
   */
  static long reproduce(boolean wholeHour) {
    Simulation sim = Simulation.create(42);
    VirtualHost host = VirtualHost.builder().simulation(sim).callLogLimit(0).build();
    long[] failedPings = new long[1];
    Duration[] firstFailure = new Duration[1];
    TickScheduler scheduler = (delay, task) -> sim.schedule(delay, task)::cancel;
    ToolsService service =
        ToolsService.builder(host.backdoor())
            .scheduler(scheduler)
            .machine(TcloMachines.LEGACY)
            .options(TcloOptions.defaults().withUptime(sim::elapsed))
            .listener(
                new TcloListener() {
                  @Override
                  public void onLogLine(String line) {
                    if (line.equals(FAILED_PING)) {
                      if (failedPings[0]++ == 0) {
                        firstFailure[0] = sim.elapsed();
                      }
                    }
                  }
                })
            .build();
    sim.schedule(
        TROUBLE,
        () ->
            host.records()
                .activeTcloChannel()
                .ifPresent(id -> host.invalidateChannel(id, Invalidation.HOST_CLOSED)));
    service.start();
    Duration hour = Duration.ofHours(1);
    if (wholeHour) {
      sim.runFor(hour);
    } else {
      sim.runUntil(() -> failedPings[0] >= 10, hour);
    }
    long expected = wholeHour ? 2999 : 10;
    if (failedPings[0] < expected || firstFailure[0].compareTo(TROUBLE.plusSeconds(2)) > 0) {
      throw new IllegalStateException(
          "no ping loop: " + failedPings[0] + " failed pings, first at " + firstFailure[0]);
    }
    return failedPings[0];
  }

  /** Reproduces the loop once and prints the time since the JVM started and of the run itself. */
  public static void main(String[] args) {
    long start = System.nanoTime();
    long pings = reproduce(args.length > 0 && args[0].equals("hour"));
    long runNanos = System.nanoTime() - start;
    long sinceJvmStart = ManagementFactory.getRuntimeMXBean().getUptime();
    System.out.printf(
        "%d failed pings; run %.1f ms, %d ms since JVM start%n",
        pings, runNanos / 1e6, sinceJvmStart);
  }
}
