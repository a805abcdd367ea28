package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scenarios}: the built-in scenarios, a line each, or one of them in the scenario file's
 * words; any command that takes a scenario file takes {@code builtin:NAME}.
 */
@Command(
    name = "scenarios",
    description = {
      "Lists the built-in scenarios, or prints one as a scenario file (docs/scenario-format.md)"
          + " to start one's own from.",
      "Wherever a scenario file is taken (replay --scenario, serve --scenario, ctl scenario),"
          + " builtin:NAME is the built-in scenario NAME."
    },
    footer = {"", "Exit codes: 0 success, 1 the job failed, 2 bad usage."})
final class ScenariosCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Mixin private HelpOption help;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "NAME",
      description = "Print this built-in scenario as a scenario file.")
  private String name;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (name == null) {
      int width = BuiltInScenarios.all().stream().mapToInt(s -> s.name().length()).max().orElse(0);
      for (Scenario s : BuiltInScenarios.all()) {
        out.println(
            TextInput.BUILTIN
                + s.name()
                + " ".repeat(width - s.name().length() + 2)
                + s.description());
      }
      return 0;
    }
    String bare =
        name.startsWith(TextInput.BUILTIN) ? name.substring(TextInput.BUILTIN.length()) : name;
    Optional<Scenario> scenario = BuiltInScenarios.named(bare);
    if (scenario.isEmpty()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "no built-in scenario '" + bare + "'; the scenarios command lists them");
    }
    out.print(scenario.get().toText());
    out.flush();
    return 0;
  }
}
