package io.github.vmbackdoor.hostsim.logimport;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.Classification;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.ToolsService.Machine;
import io.github.vmbackdoor.rpc.VmtFlavor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The kernel-log importer against the sample logs.
 *
 * <p>What "the same vmt lines in the same order" means here: both the log and the legacy
 * machine's output are read with {@link VmtLogParser}, and the two sequences of (catalogue
 * message, register values by name, trailing detail) must be equal. Time stamps are not
 * compared, and neither is the register format ({@code 00100000} and {@code 0x100000} are the
 * same value), since NetBSD 9 prints {@code %08x} while the NETBSD flavor prints NetBSD 10's
 * {@code %#lx}. The boot-time {@code vmt0: UUID: ...} line is left out: it is identification,
 * not backdoor traffic, and no machine prints it.
 */
class LogImportTest {

  static List<String> sample(String name) throws IOException {
    try (InputStream in = LogImportTest.class.getResourceAsStream("/logs/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  static List<String> keys(List<VmtLogLine> lines) {
    return lines.stream().filter(l -> l.message() != VmtMessage.UUID)
        .map(l -> l.message() + " " + l.registers() + " " + l.detail())
        .collect(Collectors.toList());
  }

  @ParameterizedTest
  @CsvSource({
      "netbsd10-ping-loop.log, NETBSD",
      "openbsd-debug-loop.log, OPENBSD",
      "netbsd-suspend-resume.log, NETBSD",
      "netbsd9-tick-loop.log, NETBSD"})
  void replayAgainstLegacyPrintsTheLogsLinesAndFixedRecovers(String log, VmtFlavor flavor)
      throws IOException {
    LogImport.Result imported = LogImport.importLog(log, sample(log));
    Scenario scenario = imported.scenario();
    assertThat(imported.skipped()).isEmpty();
    assertThat(scenario.flavor()).isEqualTo(flavor);
    assertThat(Scenario.parse(scenario.toText())).isEqualTo(scenario);

    ScenarioOutcome legacy = ScenarioRunner.run(scenario, Machine.LEGACY);
    List<String> printed = legacy.lines().stream().map(ScenarioOutcome.TimedLine::text)
        .collect(Collectors.toList());
    assertThat(keys(VmtLogParser.parse(printed).lines()))
        .as("legacy's lines for the scenario\n%s\n", scenario.toText())
        .isEqualTo(keys(imported.lines()));

    ScenarioOutcome fixed = ScenarioRunner.run(
        scenario.withLength(scenario.length().plusMinutes(15)), Machine.FIXED);
    assertThat(fixed.classification()).as(scenario.toText())
        .isIn(Classification.RECOVERED, Classification.UNAFFECTED);
    assertThat(fixed.pollingAtEnd()).isTrue();
  }
}
