package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.core.TraceFormatException;
import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.internal.KebabCase;
import io.github.vmbackdoor.hostsim.internal.Printable;
import io.github.vmbackdoor.hostsim.report.TimelinePicture;
import io.github.vmbackdoor.hostsim.scenario.Extensions;
import io.github.vmbackdoor.hostsim.scenario.HostReplay;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioLimitException;
import io.github.vmbackdoor.hostsim.scenario.ScenarioLimits;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.Classification;
import io.github.vmbackdoor.hostsim.scenario.ScenarioParseException;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.TcloMachineFactory;
import io.github.vmbackdoor.rpc.TcloMachines;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
          + " policies and timeline from the trace header, host events from its lines) and"
          + " reports the first answer that differs from the recording (exit 1), or that all"
          + " matched. A trace of serve --record is replayed with the traces of its VM's other"
          + " connections beside it, in the order the host saw them.",
      "--scenario FILE runs the scenario (docs/scenario-format.md) against a TCLO machine and"
          + " prints the outcome and the machine's log lines in vmt(4)'s words; with"
          + " --machine all (the default) a comparison table of the three machines first."
    },
    sortOptions = false,
    footer = {
      "",
      "Exit codes: 0 success, 1 the job failed (a divergence, an unreadable file, a machine"
          + " that did not end as --expect says), 2 bad usage (a trace or scenario that breaks"
          + " its format or a limit included)."
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
        description = "A trace (docs/trace-format.md; - for standard input) to replay host-facing.")
    Path trace;

    @Option(
        names = "--scenario",
        paramLabel = "FILE",
        required = true,
        description = "A scenario file (- for standard input) to run.")
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

  @Mixin private AllowLargeOption large;

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
      description =
          "Also write the timeline picture as an HTML page: of the runs with --scenario, of the"
              + " recorded session with --trace.")
  private Path html;

  @Option(
      names = "--svg",
      paramLabel = "FILE",
      description =
          "Also write the timeline picture as an SVG file: of the runs with --scenario, of the"
              + " recorded session with --trace.")
  private Path svg;

  @Option(
      names = "--record",
      paramLabel = "FILE",
      description =
          "With --scenario and one --machine: also record the guest's backdoor calls as a trace"
              + " (docs/trace-format.md) that replay --trace replays as it is.")
  private Path record;

  @Option(
      names = "--expect",
      paramLabel = "OUTCOME",
      description =
          "With --scenario: exit 1 unless every machine run ends so: recovered, unaffected,"
              + " stuck or flapping.")
  private String expect;

  @Option(
      names = "--json",
      description =
          "Print the result as one JSON object instead of text (fields: docs/cli-json.md).")
  private boolean json;

  private final TextInput input;

  ReplayCommand(TextInput input) {
    this.input = input;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (source.trace != null) {
      if (hours != null
          || run != null
          || !machine.equals("all")
          || expect != null
          || record != null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--machine, --hours, --run, --expect and --record go with --scenario, not --trace");
      }
      if (html != null || svg != null) {
        if (TextInput.isStdin(source.trace)) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--html and --svg draw a trace file, not standard input");
        }
        Optional<TimelinePicture> picture = TracePicture.of(input, source.trace, limits());
        int drawn =
            picture.isEmpty()
                ? 0
                : PictureFiles.write(json ? err : out, err, "replay", picture.get(), html, svg);
        if (drawn != 0) {
          return drawn;
        }
      }
      return replayTrace(out, err);
    }
    List<TcloMachineFactory> machines;
    Extensions extensions = Extensions.installed();
    if (machine.equals("all")) {
      machines = List.of(TcloMachines.values());
    } else {
      machines =
          List.of(
              extensions
                  .machine(machine)
                  .orElseThrow(
                      () ->
                          new CommandLine.ParameterException(
                              spec.commandLine(),
                              "--machine is "
                                  + String.join(", ", extensions.machineNames())
                                  + " or all, not '"
                                  + machine
                                  + "'")));
    }
    if (hours != null && !(hours > 0 && hours <= MAX_HOURS && Math.round(hours * 3_600_000) > 0)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--hours must be at least a millisecond's worth and at most " + MAX_HOURS + " (a week)");
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
    if (record != null && machines.size() != 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--record records one machine's run: give --machine too");
    }
    if (maxLines < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--lines must be at least 1");
    }
    Optional<Classification> expected = expected();
    Scenario scenario;
    try {
      scenario = Scenario.parse(input.read(source.scenario).joined(), limits());
      if (run != null) {
        scenario = scenario.withLength(run);
        limits().check(scenario);
      }
    } catch (IOException e) {
      err.println("vmbackdoor replay: cannot read " + source.scenario + ": " + TextInput.reason(e));
      return Main.EXIT_FAILURE;
    } catch (ScenarioLimitException e) {
      err.println("vmbackdoor replay: " + source.scenario + ": " + large.message(e));
      return Main.EXIT_USAGE;
    } catch (ScenarioParseException e) {
      err.println("vmbackdoor replay: " + source.scenario + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    if (!json) {
      header(out, scenario);
    }
    Progress progress = new Progress(err, System::nanoTime);
    Map<TcloMachineFactory, ScenarioOutcome> outcomes = new LinkedHashMap<>();
    for (TcloMachineFactory m : machines) {
      String name = m.machineName();
      Duration end = scenario.length();
      if (record == null) {
        outcomes.put(
            m,
            ScenarioRunner.prepare(scenario, m)
                .run(Duration.ofMinutes(10), t -> progress.update(name, t, end)));
        continue;
      }
      try (TraceWriter trace = TraceWriter.create(record, HostReplay.header(scenario, name))) {
        outcomes.put(
            m,
            ScenarioRunner.prepare(scenario, m, trace)
                .run(Duration.ofMinutes(10), t -> progress.update(name, t, end)));
      } catch (UncheckedIOException e) {
        err.println("vmbackdoor replay: cannot record to " + record + ": " + e.getMessage());
        return Main.EXIT_FAILURE;
      }
    }
    if (record != null && !json) {
      out.println("recorded " + machines.get(0).machineName() + "'s calls to " + record);
    }
    if (json) {
      JsonReport.replay(out, scenario, outcomes, expected);
    } else {
      if (outcomes.size() > 1) {
        out.println();
        Report.comparison(out, outcomes);
      }
      for (Map.Entry<TcloMachineFactory, ScenarioOutcome> e : outcomes.entrySet()) {
        out.println();
        Report.outcome(out, e.getKey().machineName(), e.getValue(), maxLines);
      }
    }
    out.flush();
    TimelinePicture picture = TimelinePicture.of(scenario, List.copyOf(outcomes.values()));
    int code = PictureFiles.write(json ? err : out, err, "replay", picture, html, svg);
    if (code != 0 || expected.isEmpty()) {
      return code;
    }
    for (Map.Entry<TcloMachineFactory, ScenarioOutcome> e : outcomes.entrySet()) {
      Classification ended = e.getValue().classification();
      if (ended != expected.get()) {
        err.println(
            "vmbackdoor replay: "
                + e.getKey().machineName()
                + " ended "
                + KebabCase.of(ended)
                + ", expected "
                + KebabCase.of(expected.get()));
        code = Main.EXIT_FAILURE;
      }
    }
    return code;
  }

  /** The outcome {@code --expect} names, if given; a usage error when it names none. */
  private Optional<Classification> expected() {
    if (expect == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(KebabCase.parse(Classification.class, expect));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--expect is recovered, unaffected, stuck or flapping, not '" + expect + "'");
    }
  }

  private static void header(PrintWriter out, Scenario scenario) {
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
            + KebabCase.of(scenario.flavor()));
    if (scenario.length().compareTo(scenario.settlesAt()) < 0) {
      out.println(
          "the story settles at "
              + Report.time(scenario.settlesAt())
              + ", after this run ends: a longer run may end otherwise");
    }
  }

  private ScenarioLimits limits() {
    return large.limits(ScenarioLimits.DEFAULTS);
  }

  private int replayTrace(PrintWriter out, PrintWriter err) {
    HostReplay.Result result;
    try (InputStream in = input.open(source.trace);
        TraceReader reader = TraceReader.open(in)) {
      result =
          HostReplay.replay(
              reader, TextInput.isStdin(source.trace) ? null : source.trace, limits());
    } catch (ScenarioLimitException e) {
      err.println(
          "vmbackdoor replay: " + source.trace + ": the header's scenario, " + large.message(e));
      return Main.EXIT_USAGE;
    } catch (IOException | UncheckedIOException e) {
      err.println("vmbackdoor replay: cannot read " + source.trace + ": " + TextInput.reason(e));
      return Main.EXIT_FAILURE;
    } catch (TraceFormatException e) {
      // The reader's message starts "trace line N: "; the file and line are said here instead.
      String reason = e.getMessage().substring(e.getMessage().indexOf(": ") + 2);
      err.println(
          "vmbackdoor replay: "
              + source.trace
              + ": line "
              + e.lineNumber()
              + ": "
              + Printable.of(reason));
      return Main.EXIT_USAGE;
    } catch (BackdoorException | IllegalArgumentException e) {
      err.println("vmbackdoor replay: " + source.trace + ": " + e.getMessage());
      return Main.EXIT_FAILURE;
    }
    if (json) {
      JsonReport.trace(out, source.trace.toString(), result);
      out.flush();
      return result.matches() ? 0 : Main.EXIT_FAILURE;
    }
    List<String> traces = result.traces();
    String together =
        traces.size() > 1
            ? " (the VM's connections replayed together on one host: "
                + String.join(", ", traces)
                + ")"
            : "";
    if (result.matches()) {
      out.println(
          source.trace
              + ": "
              + result.calls()
              + " calls"
              + (result.hostEvents() > 0 ? " and " + result.hostEvents() + " host events" : "")
              + " replayed against a fresh host"
              + together
              + "; every answer is as recorded");
      return 0;
    }
    out.println(source.trace + ": " + result.where().orElseThrow() + " differs" + together);
    result.hint().ifPresent(h -> out.println(source.trace + ": " + h));
    out.println(result.difference().orElseThrow());
    out.flush();
    return Main.EXIT_FAILURE;
  }
}
