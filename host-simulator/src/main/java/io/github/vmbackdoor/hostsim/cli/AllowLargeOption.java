package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.scenario.ScenarioLimitException;
import io.github.vmbackdoor.hostsim.scenario.ScenarioLimits;
import picocli.CommandLine.Option;

/**
 * The {@code --allow-large} option of the commands that read scenarios ({@code replay}, {@code
 * serve}), mixed in with {@code @Mixin}, and the hint a limit's message gets on their command line.
 */
final class AllowLargeOption {

  @Option(
      names = "--allow-large",
      description =
          "Lift the limits on what a scenario (or a trace's scenario) may ask for: run length,"
              + " events per virtual second and in all, a fault's delay (docs/scenario-format.md).")
  private boolean allowLarge;

  /**
   * With the option, {@link ScenarioLimits#large} for this JVM's heap (only the events a run fires
   * stay bounded, by what the heap holds); else {@code usual}.
   */
  ScenarioLimits limits(ScenarioLimits usual) {
    return allowLarge ? ScenarioLimits.large(usual, Runtime.getRuntime().maxMemory()) : usual;
  }

  /** A limit's message, with how to lift it. */
  String message(ScenarioLimitException e) {
    return e.getMessage()
        + (allowLarge
            ? " (what this JVM's heap of "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024)
                + " MiB holds; a larger -Xmx raises it)"
            : " (--allow-large raises it)");
  }
}
