package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.logimport.LogImport;
import io.github.vmbackdoor.hostsim.logimport.Verification;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code import-log}: a kernel log with vmt(4) lines to a scenario file. */
@Command(
    name = "import-log",
    description = {
      "Reads vmt(4) lines from a NetBSD or OpenBSD kernel log (dmesg, syslog or bare lines;"
          + " both register formats) and writes a scenario that reproduces the host behaviour"
          + " the log implies, with comments tying each event to the log lines it came from"
          + " (rules: docs/kernel-log-import.md).",
      "Lines the importer does not understand are reported on stderr and skipped. The"
          + " importer then runs the scenario against the legacy machine of the log's flavor and"
          + " reports on stderr how many of the log's vmt lines it reproduced, in order and word"
          + " for word, and the first line it did not. A loop the log ends in is kept going for"
          + " one virtual hour. Try the result with: java -jar vmbackdoor.jar replay --scenario SCENARIO"
    },
    sortOptions = false,
    footer = {
      "",
      "Exit codes: 0 success, 1 the job failed (unreadable log, no vmt lines, or under --verify"
          + " a line the replay did not produce), 2 bad usage."
    })
final class ImportLogCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Mixin private HelpOption help;

  @Parameters(
      index = "0",
      paramLabel = "FILE",
      description =
          "The kernel log (- for standard input); UTF-8, a line that is not UTF-8 is read as"
              + " Latin-1.")
  private Path log;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "SCENARIO",
      description = "Write the scenario to this file instead of stdout.")
  private Path output;

  @Option(
      names = "--verify",
      description = "Exit 1 when the replay does not reproduce every vmt line of the log.")
  private boolean verify;

  @Option(
      names = "--json",
      description =
          "Print the result as one JSON object on stdout, the scenario text in it unless -o is"
              + " given (fields: docs/cli-json.md).")
  private boolean json;

  private final TextInput input;

  ImportLogCommand(TextInput input) {
    this.input = input;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    TextInput.Text text;
    try {
      text = input.read(log);
    } catch (IOException e) {
      err.println("vmbackdoor import-log: cannot read " + log + ": " + TextInput.reason(e));
      return Main.EXIT_FAILURE;
    } catch (IllegalArgumentException e) {
      err.println("vmbackdoor import-log: " + log + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    String name = TextInput.isStdin(log) ? "stdin" : log.getFileName().toString();
    LogImport.Result result;
    try {
      result = LogImport.importLog(name, text.lines());
    } catch (IllegalArgumentException e) {
      err.println("vmbackdoor import-log: " + log + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    if (!text.latin1Lines().isEmpty()) {
      err.println("vmbackdoor import-log: " + log + ": " + text.latin1Note());
    }
    for (String skipped : result.skipped()) {
      err.println("vmbackdoor import-log: skipped " + skipped);
    }
    if (result.vmtLines() == 0) {
      err.println("vmbackdoor import-log: " + log + " has no vmt(4) lines");
      return Main.EXIT_FAILURE;
    }
    err.println(
        "vmbackdoor import-log: flavor " + result.flavor().label() + ": " + result.flavorReason());
    Verification check = Verification.of(result);
    for (String line : check.report()) {
      err.println("vmbackdoor import-log: " + line);
    }
    String scenarioText = result.scenario().toText();
    if (output == null) {
      if (json) {
        JsonReport.importLog(
            out, name, result, text.latin1Lines(), check, Optional.of(scenarioText));
      } else {
        out.print(scenarioText);
      }
    } else {
      try {
        Files.writeString(output, scenarioText, StandardCharsets.UTF_8);
      } catch (IOException e) {
        err.println("vmbackdoor import-log: cannot write " + output + ": " + TextInput.reason(e));
        return Main.EXIT_FAILURE;
      }
      err.println(
          "vmbackdoor import-log: "
              + result.vmtLines()
              + " vmt lines, "
              + result.scenario().events().size()
              + " host events; wrote "
              + output);
      if (json) {
        JsonReport.importLog(out, name, result, text.latin1Lines(), check, Optional.empty());
      }
    }
    out.flush();
    if (verify && !check.matches()) {
      Verification.Difference d = check.firstDifference().orElseThrow();
      err.println(
          "vmbackdoor import-log: cannot produce log line " + d.logLine() + ": " + d.expected());
      return Main.EXIT_FAILURE;
    }
    return 0;
  }
}
