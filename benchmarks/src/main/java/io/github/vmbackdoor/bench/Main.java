package io.github.vmbackdoor.bench;

import java.util.Arrays;
import java.util.Collection;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The benchmarks jar's entry point. {@code java -jar benchmarks.jar [JMH options] [filter]} runs
 * the JMH benchmarks as JMH's own main does; four words run the other tools instead:
 *
 * <ul>
 *   <li>{@code simulation-scale [args]}: {@link SimulationScale};
 *   <li>{@code host-event-cost [args]}: {@link HostEventCost};
 *   <li>{@code wire-scale [args]}: {@link WireScale};
 *   <li>{@code wire-ratio [JMH options]}: {@link WireBenchmark}'s two benchmarks in one run, then
 *       their ratio with its error.
 * </ul>
 */
public final class Main {

  private Main() {}

  /** Runs JMH or the tool its first argument names. */
  public static void main(String[] args) throws Exception {
    String tool = args.length > 0 ? args[0] : "";
    String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
    switch (tool) {
      case "simulation-scale":
        SimulationScale.main(rest);
        break;
      case "host-event-cost":
        HostEventCost.main(rest);
        break;
      case "wire-scale":
        WireScale.main(rest);
        break;
      case "wire-ratio":
        wireRatio(rest);
        break;
      default:
        org.openjdk.jmh.Main.main(args);
    }
  }

  private static void wireRatio(String[] jmhArgs) throws Exception {
    Options options =
        new OptionsBuilder()
            .parent(new CommandLineOptions(jmhArgs))
            .include(WireBenchmark.class.getName() + ".")
            .build();
    Collection<RunResult> results = new Runner(options).run();
    Result<?> remote = null;
    Result<?> raw = null;
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      if (name.endsWith(".remoteBackdoor")) {
        remote = r.getPrimaryResult();
      } else if (name.endsWith(".rawPingPong")) {
        raw = r.getPrimaryResult();
      }
    }
    if (remote == null || raw == null) {
      throw new IllegalStateException("both wire benchmarks must run");
    }
    double ratio = remote.getScore() / raw.getScore();
    // Relative errors add in quadrature for a quotient.
    double relative =
        Math.hypot(
            remote.getScoreError() / remote.getScore(), raw.getScoreError() / raw.getScore());
    System.out.printf(
        "%nremoteBackdoor %.0f ± %.0f %s, rawPingPong %.0f ± %.0f %s," + " ratio %.2f ± %.2f%n",
        remote.getScore(),
        remote.getScoreError(),
        remote.getScoreUnit(),
        raw.getScore(),
        raw.getScoreError(),
        raw.getScoreUnit(),
        ratio,
        ratio * relative);
  }
}
