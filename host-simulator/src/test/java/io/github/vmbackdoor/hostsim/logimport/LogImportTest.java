package io.github.vmbackdoor.hostsim.logimport;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.Classification;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.VmtFlavor;
import io.github.vmbackdoor.rpc.VmtMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The kernel-log importer against the sample logs.
 *
 * <p>What "the same vmt lines in the same order" means here: both the log and the legacy machine's
 * output are read with {@link VmtLogParser}, and the two sequences of (catalogue message, register
 * values by name, trailing detail) must be equal. Time stamps are not compared, and neither is the
 * register format ({@code 00100000} and {@code 0x100000} are the same value), since NetBSD 9 prints
 * {@code %08x} while the NETBSD flavor prints NetBSD 10's {@code %#lx}. The boot-time {@code vmt0:
 * UUID: ...} line is left out: it is identification, not backdoor traffic, and no machine prints
 * it.
 */
class LogImportTest {

  static List<String> sample(String name) throws IOException {
    try (InputStream in = LogImportTest.class.getResourceAsStream("/logs/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  static List<String> keys(List<VmtLogLine> lines) {
    return lines.stream()
        .filter(l -> l.message() != VmtMessage.UUID)
        .map(l -> l.message() + " " + l.registers() + " " + l.detail())
        .collect(Collectors.toList());
  }

  /**
   * The replay's first lines, as many as the log has: a log that ends in a loop is imported as a
   * loop that keeps going after the log's last line.
   */
  static List<String> startOf(List<String> printed, LogImport.Result imported) {
    List<String> all = keys(VmtLogParser.parse(printed).lines());
    return all.subList(0, Math.min(all.size(), keys(imported.lines()).size()));
  }

  @ParameterizedTest
  @CsvSource({
    "netbsd10-ping-loop.log, NETBSD",
    "openbsd-debug-loop.log, OPENBSD",
    "netbsd-suspend-resume.log, NETBSD",
    "netbsd9-tick-loop.log, NETBSD_6_9"
  })
  void replayAgainstLegacyPrintsTheLogsLinesAndFixedRecovers(String log, VmtFlavor flavor)
      throws IOException {
    LogImport.Result imported = LogImport.importLog(log, sample(log));
    Scenario scenario = imported.scenario();
    assertThat(imported.skipped()).isEmpty();
    assertThat(scenario.flavor()).isEqualTo(flavor);
    assertThat(Scenario.parse(scenario.toText())).isEqualTo(scenario);

    ScenarioOutcome legacy = ScenarioRunner.run(scenario, TcloMachines.LEGACY);
    List<String> printed =
        legacy.lines().stream().map(ScenarioOutcome.TimedLine::text).collect(Collectors.toList());
    assertThat(startOf(printed, imported))
        .as("legacy's lines for the scenario\n%s\n", scenario.toText())
        .isEqualTo(keys(imported.lines()));

    ScenarioOutcome fixed =
        ScenarioRunner.run(
            scenario.withLength(scenario.length().plusMinutes(15)), TcloMachines.FIXED);
    assertThat(fixed.classification())
        .as(scenario.toText())
        .isIn(Classification.RECOVERED, Classification.UNAFFECTED);
    assertThat(fixed.pollingAtEnd()).isTrue();
  }

  /**
   * The legacy machine's own output for a built-in scenario, written as a dmesg log, imports to a
   * scenario whose replay prints it again.
   */
  @ParameterizedTest
  @CsvSource({
    "host-closes-tclo",
    "checkpoint-in-state-change",
    "rejects-unsolicited-replies",
    "cookies-invalidated",
    "second-tclo-user"
  })
  void legacyOutputOfABuiltInScenarioRoundTrips(String name) {
    roundTrip(name, VmtFlavor.NETBSD);
  }

  /** The same with the NetBSD 6-9 flavor: its {@code %08x} output imports as NetBSD 6-9. */
  @ParameterizedTest
  @CsvSource({
    "host-closes-tclo",
    "checkpoint-in-state-change",
    "rejects-unsolicited-replies",
    "cookies-invalidated",
    "second-tclo-user"
  })
  void netBsd69LegacyOutputOfABuiltInScenarioRoundTrips(String name) {
    LogImport.Result imported = roundTrip(name, VmtFlavor.NETBSD_6_9);
    assertThat(imported.flavor()).isEqualTo(new LogFlavor.NetBsd6To9());
  }

  private static LogImport.Result roundTrip(String name, VmtFlavor flavor) {
    Scenario original =
        BuiltInScenarios.named(name).orElseThrow().toBuilder()
            .flavor(flavor)
            .build()
            .withLength(Duration.ofMinutes(11));
    List<String> log =
        ScenarioRunner.run(original, TcloMachines.LEGACY).lines().stream()
            .map(l -> String.format(Locale.ROOT, "[%12.6f] %s", l.at().toNanos() / 1e9, l.text()))
            .collect(Collectors.toList());
    assertThat(log).isNotEmpty();
    LogImport.Result imported = LogImport.importLog(name + ".log", log);
    List<String> printed =
        ScenarioRunner.run(imported.scenario(), TcloMachines.LEGACY).lines().stream()
            .map(ScenarioOutcome.TimedLine::text)
            .collect(Collectors.toList());
    assertThat(startOf(printed, imported))
        .as("%s%n%s", String.join("\n", log), imported.scenario().toText())
        .isEqualTo(keys(imported.lines()));
    return imported;
  }

  private static List<String> dmesg(Scenario scenario) {
    return ScenarioRunner.run(scenario, TcloMachines.LEGACY).lines().stream()
        .map(l -> String.format(Locale.ROOT, "[%12.6f] %s", l.at().toNanos() / 1e9, l.text()))
        .collect(Collectors.toList());
  }

  @Test
  void reopenFailuresAreChannelExhaustion() {
    Scenario exhaustion =
        Scenario.parse(
            """
        scenario exhaustion
        run 12m
        at 10m5.5s fault rpci-open protocol=rpci step=open nth=1 clear-success
        at 10m5.5s power power-on
        at 10m10.5s host-reset
        at 10m11.5s fill-channel-table
        """);
    List<String> log = dmesg(exhaustion);
    assertThat(log).anyMatch(l -> l.endsWith("vmt0: unable to reopen TCLO channel"));
    LogImport.Result imported = LogImport.importLog("exhaustion.log", log);
    assertThat(imported.scenario().events())
        .extracting(e -> e.event().keyword())
        .containsExactly("fault", "power", "host-reset", "fill-channel-table");
    assertThat(imported.scenario().toText())
        .contains("-> vmt closed TCLO and cannot open it again: the channel table is full");
    List<String> printed =
        ScenarioRunner.run(imported.scenario(), TcloMachines.LEGACY).lines().stream()
            .map(ScenarioOutcome.TimedLine::text)
            .collect(Collectors.toList());
    assertThat(startOf(printed, imported))
        .as("%s%n%s", String.join("\n", log), imported.scenario().toText())
        .isEqualTo(keys(imported.lines()));
  }

  @Test
  void unknownCommandsAndPowerLinesBecomeHostCommands() {
    List<String> log =
        List.of(
            "vmt0: unknown command: \"Time_Synchronize 0\"",
            "VMware guest entering suspended state",
            "vmt0: guest resuming from suspended state",
            "vmt0: host requested reboot");
    LogImport.Result imported = LogImport.importLog("plain.log", log);
    assertThat(imported.scenario().events())
        .extracting(e -> e.action())
        .containsExactly(
            "tclo Time_Synchronize 0", "power suspend", "power resume", "power reboot");
    // No stamps: one second per line (but vmware: lines) from the first event on.
    assertThat(imported.scenario().events())
        .extracting(e -> e.at().toMillis())
        .containsExactly(605_500L, 606_500L, 607_500L, 608_500L);
    assertThat(imported.scenario().toText()).contains("the log has no time stamps");
  }

  @Test
  void aRefusedUnsolicitedReplyMeansTheHostRejectsThem() {
    LogImport.Result imported =
        LogImport.importLog(
            "r.log",
            dmesg(BuiltInScenarios.rejectsUnsolicitedReplies().withLength(Duration.ofMinutes(11))));
    assertThat(imported.scenario().hostSettings().policy().rejectUnsolicitedTcloReplies()).isTrue();
    assertThat(imported.scenario().toText())
        .contains("host rejectUnsolicitedTcloReplies true")
        .contains("-> the unsolicited reset reply after the reopen was refused");
  }

  private static LogFlavor flavorOf(List<String> raw) {
    return LogFlavor.detect(raw, VmtLogParser.parse(raw).lines()).flavor();
  }

  @Test
  void flavorIsAVersionFamilyTheLogShows() {
    assertThat(
            flavorOf(
                List.of(
                    "[ 1.0] vmware: get length failed, eax=564d5868," + " ecx=00000000",
                    "[ 1.0] vmt0: failed to get length of incoming TCLO data")))
        .isEqualTo(new LogFlavor.NetBsd6To9());
    assertThat(
            flavorOf(
                List.of(
                    "[ 1.0] vmware: sending length failed, eax=0x564d5868, ecx=0",
                    "[ 1.0] vmt0: failed to send TCLO outgoing ping")))
        .isEqualTo(new LogFlavor.NetBsd10());
    assertThat(flavorOf(List.of("Nov 24 10:00:00 obsd /bsd: vmt0: resetting rpc")))
        .isEqualTo(new LogFlavor.OpenBsdDebug());
    assertThat(flavorOf(List.of("VMware guest resuming from suspended state")).machine())
        .isEqualTo(VmtFlavor.OPENBSD);
    assertThat(
            flavorOf(
                List.of(
                    "OpenBSD 5.8 (GENERIC) #1236: Sun Aug 16 02:31:04 MDT 2015",
                    "vmt0 at mainbus0",
                    "Nov 24 10:00:00 obsd /bsd: vmt0: failed to send TCLO outgoing ping")))
        .isEqualTo(new LogFlavor.OpenBsdPrintf());
  }

  @Test
  void equalSyslogSecondsAreNotZeroDistance() {
    List<VmtLogLine> lines =
        VmtLogParser.parse(
                List.of(
                    "Nov 24 10:00:00 obsd /bsd: vmt0: failed to send TCLO outgoing ping",
                    "Nov 24 10:00:00 obsd /bsd: vmt0: resetting rpc",
                    "Nov 24 10:00:01 obsd /bsd: vmt0: failed to send TCLO outgoing ping"))
            .lines();
    LogClock clock = new LogClock(lines);
    assertThat(clock.resolution()).isEqualTo(LogClock.Resolution.WHOLE_SECONDS);
    Duration first = clock.time(0);
    assertThat(clock.time(1)).isGreaterThan(first);
    assertThat(clock.time(2)).isEqualTo(clock.time(0).plusSeconds(1));
    LogClock exact =
        new LogClock(
            VmtLogParser.parse(
                    List.of("[ 5.000000] vmt0: resetting rpc", "[ 5.000000] vmt0: resetting rpc"))
                .lines());
    assertThat(exact.resolution()).isEqualTo(LogClock.Resolution.EXACT);
    assertThat(exact.time(1)).isEqualTo(exact.time(0));
  }
}
