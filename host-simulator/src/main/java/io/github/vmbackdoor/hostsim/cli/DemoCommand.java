package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.report.TimelinePicture;
import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.TcloMachines;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo}: the fixed, legacy and proposed-patch TCLO machines through the same failure
 * scenarios, in virtual time, in process; prints what each did.
 */
@Command(
    name = "demo",
    description = {
      "Runs the fixed, legacy and proposed-patch TCLO machines through the same failures, in"
          + " virtual time and in process, and prints what each did: its log lines in vmt(4)'s"
          + " words (repeats counted), whether it recovered, and how fast.",
      "The failures: the host closes the TCLO channel after 10 virtual minutes (the reported"
          + " case); a suspend whose checkpoint cuts the reply to the state-change status; and a"
          + " host that rejects unsolicited TCLO replies. Each run is one virtual hour."
    },
    sortOptions = false,
    footer = {"", "Exit codes: 0 success, 1 the job failed, 2 bad usage."})
final class DemoCommand implements Callable<Integer> {

  /** The demo's scenarios: the headline case first. */
  static final List<Scenario> SCENARIOS =
      List.of(
          BuiltInScenarios.hostClosesTclo(),
          BuiltInScenarios.checkpointInStateChange(),
          BuiltInScenarios.rejectsUnsolicitedReplies());

  /** What to look for in each of them. */
  private static final List<String> NOTES =
      List.of(
          "Look for: legacy pings the closed channel once a second for the rest of the hour, because"
              + " it closes only on a 'reset' that can no longer arrive; the others close, forget the"
              + " channel and reopen.",
          "Look for: vmt's RPCI does not retry after a checkpoint, so the state-change status is lost"
              + " and the sticky error flag set; legacy waits for the host's 'reset' to recover. The"
              + " fixed machine retries in the message layer and prints nothing.",
          "Look for: after 'resetting rpc' legacy reopens and sends the reset reply unasked; this host"
              + " refuses it, the error flag is set again, and legacy loops every three seconds.");

  @Spec private CommandSpec spec;

  @Mixin private HelpOption help;

  @Option(
      names = "--lines",
      paramLabel = "N",
      defaultValue = "8",
      description =
          "Log lines shown per machine, repeats counted once (default: ${DEFAULT-VALUE}).")
  private int maxLines;

  @Option(
      names = "--html",
      paramLabel = "FILE",
      description = "Also write the timeline pictures of the three scenarios as one HTML page.")
  private Path html;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (maxLines < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--lines must be at least 1");
    }
    long start = System.nanoTime();
    out.println("Three TCLO state machines against one emulated VMware host, in virtual time:");
    out.println(
        "  fixed           this project's machine (ping first, close and forget on"
            + " failure, reopen after 1 s)");
    out.println("  legacy          vmt(4) as shipped in NetBSD and OpenBSD");
    out.println("  proposed-patch  the 2024 vmt(4) patch as published");
    Map<String, Map<TcloMachines, ScenarioOutcome>> all = new LinkedHashMap<>();
    List<TimelinePicture> pictures = new ArrayList<>();
    int n = 0;
    for (Scenario scenario : SCENARIOS) {
      n++;
      out.println();
      out.println("== " + n + ". " + scenario.description() + " (" + scenario.name() + ")");
      out.println(
          "   one virtual hour; the trouble starts at " + Report.time(scenario.troubleStart()));
      Report.wrapped(out, NOTES.get(n - 1), "   ", 96);
      Map<TcloMachines, ScenarioOutcome> outcomes = ScenarioRunner.compare(scenario);
      all.put(scenario.name(), outcomes);
      pictures.add(TimelinePicture.of(scenario, List.copyOf(outcomes.values())));
      for (Map.Entry<TcloMachines, ScenarioOutcome> e : outcomes.entrySet()) {
        out.println();
        Report.outcome(out, e.getKey().machineName(), e.getValue(), maxLines);
      }
    }
    out.println();
    out.println("== Summary");
    List<String[]> rows = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("scenario"));
    for (TcloMachines m : TcloMachines.values()) {
      header.add(m.machineName());
    }
    rows.add(header.toArray(new String[0]));
    for (Map.Entry<String, Map<TcloMachines, ScenarioOutcome>> e : all.entrySet()) {
      List<String> row = new ArrayList<>(List.of(e.getKey()));
      for (ScenarioOutcome o : e.getValue().values()) {
        row.add(Report.shortVerdict(o));
      }
      rows.add(row.toArray(new String[0]));
    }
    Report.table(out, rows);
    out.println();
    out.println(
        String.format(
            Locale.ROOT,
            "%d virtual hours simulated in %.1f s. More: java -jar vmbackdoor.jar replay --help,"
                + " docs/state-machines.md.",
            all.size() * TcloMachines.values().length,
            (System.nanoTime() - start) / 1e9));
    if (html == null) {
      out.println("See it as a picture: java -jar vmbackdoor.jar demo --html demo.html");
    }
    out.flush();
    return PictureFiles.write(out, spec.commandLine().getErr(), "demo", pictures, html);
  }
}
