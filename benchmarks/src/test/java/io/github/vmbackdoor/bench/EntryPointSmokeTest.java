package io.github.vmbackdoor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import org.junit.jupiter.api.Test;
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
    String out = captured(() -> SimulationScale.main(new String[] {"40", "2", "10", "3"}));
    assertThat(out).contains("40 VMs, 2 threads").contains("heap per idle VM: ");
    assertThat(out).containsPattern("backdoor calls: [1-9][0-9]* ");
  }

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
