package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.logimport.LogImport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
      "Lines the importer does not understand are reported on stderr and skipped. Try the"
          + " result with: vmbackdoor replay --scenario SCENARIO"
    },
    sortOptions = false,
    footer = {
      "",
      "Exit codes: 0 success, 1 the job failed (unreadable log, no vmt lines)," + " 2 bad usage."
    })
final class ImportLogCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Mixin private HelpOption help;

  @Parameters(index = "0", paramLabel = "FILE", description = "The kernel log.")
  private Path log;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "SCENARIO",
      description = "Write the scenario to this file instead of stdout.")
  private Path output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LogImport.Result result;
    try {
      result =
          LogImport.importLog(
              log.getFileName().toString(), Files.readAllLines(log, StandardCharsets.UTF_8));
    } catch (IOException e) {
      err.println(
          "vmbackdoor import-log: cannot read "
              + log
              + ": "
              + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
      return Main.EXIT_FAILURE;
    }
    for (String skipped : result.skipped()) {
      err.println("vmbackdoor import-log: skipped " + skipped);
    }
    if (result.vmtLines() == 0) {
      err.println("vmbackdoor import-log: " + log + " has no vmt(4) lines");
      return Main.EXIT_FAILURE;
    }
    String text = result.scenario().toText();
    if (output == null) {
      out.print(text);
    } else {
      try {
        Files.writeString(output, text, StandardCharsets.UTF_8);
      } catch (IOException e) {
        err.println("vmbackdoor import-log: cannot write " + output + ": " + e.getMessage());
        return Main.EXIT_FAILURE;
      }
      err.println(
          "vmbackdoor import-log: "
              + result.vmtLines()
              + " vmt lines, "
              + result.scenario().events().size()
              + " host events; wrote "
              + output);
    }
    out.flush();
    return 0;
  }
}
