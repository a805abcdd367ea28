package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.core.TraceFormatException;
import io.github.vmbackdoor.hostsim.report.TimelinePicture;
import io.github.vmbackdoor.hostsim.scenario.HostReplay;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioLimitException;
import io.github.vmbackdoor.hostsim.scenario.ScenarioLimits;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioParseException;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.TcloMachines;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replay}: a trace host-facing (its recorded guest calls against a fresh host), or a
 * scenario file against one machine or all three.
 */
@Command(
    name = "replay",
    description = {
      "Replays a trace or runs a scenario, in virtual time.",
      "--trace FILE drives the trace's recorded guest calls into a fresh emulated host (seed,"
          + " policies and timeline from the trace header) and reports the first answer that"
          + " differs from the recording (exit 1), or that all matched.",
      "--scenario FILE runs the scenario (docs/scenario-format.md) against a TCLO machine and"
          + " prints the outcome and the machine's log lines in vmt(4)'s words; with"
          + " --machine all (the default) a comparison table of the three machines first."
    },
    sortOptions = false,
    footer = {
      "",
      "Exit codes: 0 success, 1 the job failed (a divergence, an unreadable file),"
          + " 2 bad usage."
    })
final class ReplayCommand implements Callable<Integer> {

  /** The longest run: a week of virtual time keeps every log line of every machine in memory. */
  static final int MAX_HOURS = 168;

  @Spec private CommandSpec spec;

  @Mixin private HelpOption help;

  static final class Source {
    @Option(
        names = "--trace",
        paramLabel = "FILE",
        required = true,
        description = "A trace (docs/trace-format.md) to replay host-facing.")
    Path trace;

    @Option(
        names = "--scenario",
        paramLabel = "FILE",
        required = true,
        description = "A scenario file to run.")
    Path scenario;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  private Source source;

  @Option(
      names = "--machine",
      paramLabel = "M",
      defaultValue = "all",
      description = "fixed, legacy, proposed-patch or all (default: ${DEFAULT-VALUE}).")
  private String machine;

  @Option(
      names = "--hours",
      paramLabel = "N",
      description =
          "Run for N virtual hours (at most 168) instead of the scenario's own run" + " length.")
  private Double hours;

  @Option(
      names = "--run",
      paramLabel = "DURATION",
      description =
          "Run this long in virtual time (30m, 1h30m, PT2H; at most 168h) instead of the"
              + " scenario's own run length; --hours N is --run Nh.")
  private Duration run;

  @Option(
      names = "--allow-large",
      description =
          "Lift the limits on what a scenario (or a trace's scenario) may ask for: run length,"
              + " events per virtual second and in all, a fault's delay (docs/scenario-format.md).")
  private boolean allowLarge;

  @Option(
      names = "--lines",
      paramLabel = "N",
      defaultValue = "20",
      description =
          "Log lines shown per machine, repeats counted once (default: ${DEFAULT-VALUE}).")
  private int maxLines;

  @Option(
      names = "--html",
      paramLabel = "FILE",
      description = "With --scenario: also write the runs' timeline picture as an HTML page.")
  private Path html;

  @Option(
      names = "--svg",
      paramLabel = "FILE",
      description = "With --scenario: also write the runs' timeline picture as an SVG file.")
  private Path svg;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (source.trace != null) {
      if (hours != null || run != null || !machine.equals("all") || html != null || svg != null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--machine, --hours, --run, --html and --svg go with --scenario, not --trace");
      }
      return replayTrace(out, err);
    }
    List<TcloMachines> machines;
    if (machine.equals("all")) {
      machines = List.of(TcloMachines.values());
    } else {
      machines =
          List.of(
              TcloMachines.named(machine)
                  .orElseThrow(
                      () ->
                          new CommandLine.ParameterException(
                              spec.commandLine(),
                              "--machine is fixed, legacy,"
                                  + " proposed-patch or all, not '"
                                  + machine
                                  + "'")));
    }
    if (hours != null && !(hours > 0 && hours <= MAX_HOURS)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--hours must be more than 0 and at most " + MAX_HOURS + " (a week)");
    }
    if (hours != null && run != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "give --hours or --run, not both");
    }
    if (hours != null) {
      run = Duration.ofMillis(Math.round(hours * 3_600_000));
    }
    if (run != null && (run.isZero() || run.compareTo(Duration.ofHours(MAX_HOURS)) > 0)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--run must be more than 0 and at most " + MAX_HOURS + "h (a week)");
    }
    if (maxLines < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--lines must be at least 1");
    }
    Scenario scenario;
    try {
      scenario = Scenario.read(source.scenario, limits());
      if (run != null) {
        scenario = scenario.withLength(run);
        limits().check(scenario);
      }
    } catch (IOException e) {
      err.println(
          "vmbackdoor replay: cannot read "
              + source.scenario
              + ": "
              + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
      return Main.EXIT_FAILURE;
    } catch (ScenarioLimitException e) {
      err.println("vmbackdoor replay: " + source.scenario + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    } catch (ScenarioParseException e) {
      err.println("vmbackdoor replay: " + source.scenario + ": " + e.getMessage());
      return Main.EXIT_FAILURE;
    }
    out.println(
        "scenario "
            + scenario.name()
            + (scenario.description().isEmpty() ? "" : ": " + scenario.description()));
    out.println(
        "run length "
            + Report.time(scenario.length())
            + ", trouble starts at "
            + Report.time(scenario.troubleStart())
            + ", seed "
            + scenario.seed()
            + ", flavor "
            + scenario.flavor().name().toLowerCase(java.util.Locale.ROOT));
    Progress progress = new Progress(err, System::nanoTime);
    Map<TcloMachines, ScenarioOutcome> outcomes = new LinkedHashMap<>();
    for (TcloMachines m : machines) {
      String name = m.machineName();
      Duration end = scenario.length();
      outcomes.put(
          m,
          ScenarioRunner.prepare(scenario, m)
              .run(Duration.ofMinutes(10), t -> progress.update(name, t, end)));
    }
    if (outcomes.size() > 1) {
      out.println();
      Report.comparison(out, outcomes);
    }
    for (Map.Entry<TcloMachines, ScenarioOutcome> e : outcomes.entrySet()) {
      out.println();
      Report.outcome(out, e.getKey().machineName(), e.getValue(), maxLines);
    }
    out.flush();
    TimelinePicture picture = TimelinePicture.of(scenario, List.copyOf(outcomes.values()));
    return PictureFiles.write(out, err, "replay", picture, html, svg);
  }

  private ScenarioLimits limits() {
    return allowLarge ? ScenarioLimits.NONE : ScenarioLimits.DEFAULTS;
  }

  private int replayTrace(PrintWriter out, PrintWriter err) {
    HostReplay.Result result;
    try {
      result = HostReplay.replay(source.trace, limits());
    } catch (ScenarioLimitException e) {
      err.println(
          "vmbackdoor replay: " + source.trace + ": the header's scenario, " + e.getMessage());
      return Main.EXIT_USAGE;
    } catch (UncheckedIOException
        | TraceFormatException
        | BackdoorException
        | IllegalArgumentException e) {
      err.println("vmbackdoor replay: " + source.trace + ": " + e.getMessage());
      return Main.EXIT_FAILURE;
    }
    if (result.matches()) {
      out.println(
          source.trace
              + ": "
              + result.calls()
              + " calls replayed against a fresh host;"
              + " every answer is as recorded");
      return 0;
    }
    out.println(
        source.trace
            + ": line "
            + result.divergentLine().orElseThrow()
            + " (call #"
            + result.divergentCall().orElseThrow()
            + ") differs");
    out.println(result.difference().orElseThrow());
    out.flush();
    return Main.EXIT_FAILURE;
  }
}
