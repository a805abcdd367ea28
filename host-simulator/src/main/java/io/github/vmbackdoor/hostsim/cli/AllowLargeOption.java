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

  /** {@link ScenarioLimits#NONE} with the option, else {@code usual}. */
  ScenarioLimits limits(ScenarioLimits usual) {
    return allowLarge ? ScenarioLimits.NONE : usual;
  }

  /** A limit's message, with how to lift it. */
  static String message(ScenarioLimitException e) {
    return e.getMessage() + " (--allow-large raises it)";
  }
}
