package io.github.vmbackdoor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.base.Ticker;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.guest.GuestRun;
import io.github.vmbackdoor.hostsim.guest.RealGuest;
import io.github.vmbackdoor.hostsim.guest.Trap;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs each benchmark entry point at a tiny size, so none of them rots between benchmark runs. Part
 * of the benchmarks module, built only with {@code -Pbenchmarks}: never in the plain test command.
 * The replay benchmark is left out (its fixture is a trace of a million calls).
 */
class EntryPointSmokeTest {

  @Test
  void simulationScaleRunsAndReportsHeapPerVm() throws Exception {
    // 50 virtual seconds: the two steady-state runs (10 and 30 s after the first 2) fit.
    String out = captured(() -> SimulationScale.main(new String[] {"40", "2", "50", "3"}));
    assertThat(out).contains("40 VMs, 2 threads").contains("heap per idle VM: ");
    assertThat(out).containsPattern("backdoor calls: [1-9][0-9]* ");
    assertThat(out).containsPattern("CPU: [0-9]+ ns per backdoor call");
    assertThat(out)
        .containsPattern(
            "steady state \\(.*\\): [1-9][0-9]* calls, allocated -?[0-9.]+ bytes per call");
  }

  @Test
  void hostEventCostRunsEachKindAndReportsBytesAndCpuPerVm() throws Exception {
    String out = captured(() -> Main.main(new String[] {"host-event-cost", "20", "2"}));
    assertThat(out).contains("20 VMs, each kind of host event");
    assertThat(out)
        .containsPattern(
            "round 2: none -?[0-9]+ B [0-9.]+ us; host reset [0-9]+ B [0-9.]+ us; checkpoint"
                + " [0-9]+ B [0-9.]+ us; HOST_CLOSED [0-9]+ B [0-9.]+ us; COOKIES_INVALID [0-9]+ B"
                + " [0-9.]+ us;");
  }

  /**
   * The wire benchmark's C client (benchmarks/wire-c.sh runs it against serve): built with cc and
   * run for one short trial against an in-process simulator, parking at once and spinning before it
   * parks, with this process as the server whose CPU time per frame it reports. Skipped where there
   * is no cc.
   */
  @Test
  void wireBenchmarkRunsOneShortTrialAndReportsCpuPerFrame(@TempDir Path dir) throws Exception {
    Path program = compiled(dir, "wirebench");
    for (Duration spin : new Duration[] {Duration.ZERO, Duration.ofNanos(50_000)}) {
      try (SimulatorServer server =
          SimulatorServer.builder(oneVm()::get).spinBeforePark(spin).start()) {
        ProcessBuilder run =
            new ProcessBuilder(
                    program.toString(),
                    server.address().getAddress().getHostAddress(),
                    Integer.toString(server.port()),
                    "vm1",
                    "1",
                    "70")
                .redirectErrorStream(true);
        run.environment().put("WIREBENCH_SERVE_PID", Long.toString(ProcessHandle.current().pid()));
        Process p = run.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out)
            .as("spin %s", spin)
            .containsPattern("GETVERSION: serve [0-9.]+ \\+- [0-9.]+ us, raw")
            .containsPattern(
                "CPU per frame \\(utime\\+stime / 140 frames, clock tick [0-9]+ Hz\\): serve"
                    + " [0-9.]+ us \\([0-9.]+ s\\), raw echo [0-9.]+ us");
      }
    }
  }

  /**
   * The JMH benchmarks, one short iteration each, with the GC profiler as {@code run-all.sh
   * inprocess} runs them ({@code -prof gc}): each reports its bytes per operation.
   */
  @Test
  void jmhBenchmarksRunOneShortIteration() throws Exception {
    Options options =
        new OptionsBuilder()
            .include("CommandPort|Tick|LegacyLoop|Wire|Rpci")
            .exclude("Replay")
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(20))
            .param("valueBytes", "64")
            .addProfiler(GCProfiler.class)
            .build();
    Collection<RunResult> results = new Runner(options).run();
    assertThat(results)
        .extracting(r -> r.getParams().getBenchmark().replaceAll(".*\\.(\\w+)\\.\\w+$", "$1"))
        .contains(
            "CommandPortBenchmark",
            "TickBenchmark",
            "LegacyLoopBenchmark",
            "WireBenchmark",
            "RpciBenchmark");
    assertThat(results).allSatisfy(r -> assertThat(r.getPrimaryResult().getScore()).isPositive());
    // run-all.sh runs them with -prof gc: each reports its bytes per operation
    assertThat(results)
        .allSatisfy(
            r -> assertThat(r.getSecondaryResults().keySet()).contains("gc.alloc.rate.norm"));
  }

  /**
   * The trap benchmark's program (benchmarks/trap-c.sh runs it under {@code vmbackdoor guest}):
   * built with cc and run under the trap against a simulator for a few calls. Skipped where there
   * is no cc or the machine cannot trap.
   */
  @Test
  void trapBenchmarkRunsOneShortTrial(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        Trap.unavailableReason().isEmpty(), () -> "cannot trap: " + Trap.unavailableReason());
    Path program = compiled(dir, "trapbench");
    try (SimulatorServer server = SimulatorServer.builder(oneVm()::get).start();
        RealGuest guest = RealGuest.builder(server.address(), "vm1").build()) {
      GuestRun run =
          guest.run(
              program.toString(),
              server.address().getAddress().getHostAddress(),
              Integer.toString(server.port()),
              "vm1",
              "1",
              "50");

      assertThat(run.exitCode()).as(run.stderr()).isZero();
      assertThat(run.stdout())
          .containsPattern("trapped call \\(in through the trap\\): +median [0-9.]+ us")
          .containsPattern("untrapped wire call \\(same frames\\): +median [0-9.]+ us");
    }
  }

  /**
   * The benchmark program {@code src/main/c/NAME.c}, built with cc into {@code dir}; the test is
   * skipped where there is no cc.
   */
  private static Path compiled(Path dir, String name) throws Exception {
    Path program = dir.resolve(name);
    Process cc;
    try {
      cc =
          new ProcessBuilder(
                  "cc", "-O2", "-o", program.toString(), "src/main/c/" + name + ".c", "-lm")
              .inheritIO()
              .start();
    } catch (java.io.IOException e) {
      return Assumptions.abort("no C compiler");
    }
    assertThat(cc.waitFor()).isZero();
    return program;
  }

  /** One VM, {@code vm1}, on a host in real time. */
  private static Map<String, Backdoor> oneVm() {
    Map<String, Backdoor> vms = new ConcurrentHashMap<>();
    vms.put(
        "vm1",
        VirtualHost.builder()
            .hostClock(Clock.systemUTC())
            .ticker(Ticker.systemTicker())
            .build()
            .backdoor());
    return vms;
  }

  private interface Body {
    void run() throws Exception;
  }

  private static String captured(Body body) throws Exception {
    PrintStream saved = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setOut(saved);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
