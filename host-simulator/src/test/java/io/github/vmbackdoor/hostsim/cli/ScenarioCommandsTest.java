package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.HostReplay;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.TimedLine;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.TcloMachines;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** demo, replay and import-log, run through Main with captured output. */
class ScenarioCommandsTest {

  @TempDir Path dir;

  private final Cli cli = new Cli();

  private Path sample(String name) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = getClass().getResourceAsStream("/logs/" + name)) {
      Files.write(file, in.readAllBytes());
    }
    return file;
  }

  @Test
  void helpOnEachCommand() {
    assertThat(cli.run("--help")).isZero();
    assertThat(cli.out()).contains("demo").contains("replay").contains("import-log");
    for (String command : List.of("demo", "replay", "import-log")) {
      assertThat(cli.run(command, "--help")).isZero();
      assertThat(cli.out())
          .contains("Usage: java -jar vmbackdoor.jar " + command)
          .contains("Exit codes");
    }
  }

  @Test
  void demoShowsTheThreeMachinesOutcomes() {
    assertThat(cli.run("demo")).isZero();
    String text = cli.out();
    assertThat(text)
        .contains("== 1. host closes the TCLO channel after 10 min (host-closes-tclo)")
        .contains("legacy          stuck (no successful poll after the failures); 6002 log lines")
        .contains("10:00.000  vmt0: failed to send TCLO outgoing ping")
        .contains("... these 2 lines repeat 3000 more times, every 1s")
        .contains("fixed           recovered after 1s")
        .contains("vmware: get data failed, ebx=0x100000")
        .contains("vmt0: failed to send reset reply")
        .containsPattern("host-closes-tclo +recovered, 1s +stuck +recovered, 1s")
        .containsPattern("rejects-unsolicited-replies +unaffected +flapping +recovered");
    assertThat(cli.err()).isEmpty();
    assertThat(text.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(120));
  }

  @Test
  void demoRefusesBadOptions() {
    assertThat(cli.run("demo", "--lines", "0")).isEqualTo(2);
    assertThat(cli.err()).contains("--lines must be at least 1");
    assertThat(cli.run("demo", "--bogus")).isEqualTo(2);
  }

  @Test
  void replayAScenarioAgainstOneMachineOrAll() throws IOException {
    Path file = dir.resolve("closes.scenario");
    Files.writeString(file, BuiltInScenarios.hostClosesTclo().toText());
    assertThat(
            cli.run(
                "replay", "--scenario", file.toString(), "--machine", "legacy", "--hours", "0.25"))
        .isZero();
    assertThat(cli.out())
        .contains("run length 15:00.000")
        .contains("legacy          stuck")
        .doesNotContain("proposed-patch");
    assertThat(
            cli.run(
                "replay", "--scenario", file.toString(), "--machine", "legacy", "--run", "PT15M"))
        .isZero();
    assertThat(cli.out()).contains("run length 15:00.000");
    assertThat(cli.run("replay", "--scenario", file.toString())).isZero();
    assertThat(cli.out())
        .containsPattern("machine +outcome +time to recover")
        .containsPattern("legacy +stuck +never +6002")
        .containsPattern("fixed +recovered +1s");
  }

  @Test
  void replayReportsBadScenariosAndBadUsage() throws IOException {
    Path bad = dir.resolve("bad.scenario");
    Files.writeString(bad, "scenario x\nat 1m explode\n");
    assertThat(cli.run("replay", "--scenario", bad.toString())).isEqualTo(2);
    assertThat(cli.err()).contains("line 2: unknown action 'explode'");
    assertThat(cli.run("replay", "--scenario", dir.resolve("none").toString())).isEqualTo(1);
    assertThat(cli.err()).contains("no such file");
    assertThat(cli.run("replay")).isEqualTo(2);
    assertThat(cli.run("replay", "--scenario", bad.toString(), "--trace", bad.toString()))
        .isEqualTo(2);
    assertThat(cli.run("replay", "--scenario", bad.toString(), "--machine", "newest")).isEqualTo(2);
    assertThat(cli.run("replay", "--trace", bad.toString(), "--machine", "legacy")).isEqualTo(2);
    assertThat(cli.run("replay", "--scenario", bad.toString(), "--hours", "-1")).isEqualTo(2);
    assertThat(cli.run("replay", "--scenario", bad.toString(), "--run", "10q")).isEqualTo(2);
    assertThat(cli.err()).contains("bad duration '10q'");
    assertThat(cli.run("replay", "--scenario", bad.toString(), "--run", "200h")).isEqualTo(2);
    assertThat(cli.err()).contains("--run must be more than 0 and at most 168h");
  }

  @Test
  void replayATraceHostFacing() throws IOException {
    Scenario scenario =
        BuiltInScenarios.checkpointInStateChange().withLength(Duration.ofMinutes(11));
    Path trace = dir.resolve("run.trace");
    try (TraceWriter writer = TraceWriter.create(trace, HostReplay.header(scenario, "legacy"))) {
      ScenarioRunner.prepare(scenario, TcloMachines.LEGACY, writer).run();
    }
    assertThat(cli.run("replay", "--trace", trace.toString())).isZero();
    assertThat(cli.out()).contains("every answer is as recorded");

    List<String> lines = new ArrayList<>(Files.readAllLines(trace));
    lines.set(99, lines.get(99).replaceFirst("\"out\":\"[0-9a-f]", "\"out\":\"f"));
    Files.write(trace, lines);
    assertThat(cli.run("replay", "--trace", trace.toString())).isEqualTo(1);
    assertThat(cli.out()).contains("line 100 (call #99) differs").contains("<-- differs");

    Files.writeString(trace, "{\"not\":\"a trace\"}\n");
    assertThat(cli.run("replay", "--trace", trace.toString())).isEqualTo(2);
    assertThat(cli.err()).contains("vmbackdoor replay: " + trace);
  }

  @Test
  void importLogWritesAScenarioThatReplays() throws IOException {
    Path log = sample("netbsd10-ping-loop.log");
    assertThat(cli.run("import-log", log.toString())).isZero();
    assertThat(cli.out())
        .contains("scenario netbsd10-ping-loop")
        .contains("# line 3: vmware: sending length failed, eax=0x564d5868, ecx=0")
        .contains("invalidate-tclo cookies-invalid");
    Path scenario = dir.resolve("ping.scenario");
    assertThat(cli.run("import-log", log.toString(), "-o", scenario.toString())).isZero();
    assertThat(cli.err()).contains("wrote " + scenario);
    assertThat(cli.run("replay", "--scenario", scenario.toString(), "--machine", "legacy"))
        .isZero();
    assertThat(cli.out())
        .contains("vmt0: failed to send TCLO outgoing ping")
        .containsPattern("these 2 lines repeat 3\\d{3} more times, every 1s");
  }

  @Test
  void importLogVerifiesItsReconstruction() throws IOException {
    Path log = sample("netbsd10-ping-loop.log");
    assertThat(cli.run("import-log", "--verify", log.toString(), "-o", dir.resolve("s").toString()))
        .isZero();
    assertThat(cli.err())
        .contains("flavor NetBSD 10+")
        .contains("reproduced 24 of 24 lines against the legacy machine")
        .contains("the loop the log ends in is still going at the end of the run")
        .doesNotContain("first difference");
  }

  @Test
  void importLogVerifyFailsOnALineTheReplayCannotProduce() throws IOException {
    Path log = dir.resolve("refused.log");
    Files.writeString(
        log,
        "[ 600.250000] vmware: sending length failed, eax=12345678, ecx=00000000\n"
            + "[ 600.250040] vmt0: failed to send TCLO outgoing ping\n");
    assertThat(cli.run("import-log", log.toString())).isZero();
    assertThat(cli.err()).contains("reproduced 0 of 2 lines");
    assertThat(cli.run("import-log", "--verify", log.toString())).isEqualTo(1);
    assertThat(cli.err())
        .contains("first difference at log line 1:")
        .contains("  log:    vmware: sending length failed, eax=12345678, ecx=00000000")
        .contains("  replay: vmware: sending length failed, eax=00000000, ecx=00000000")
        .contains(
            "cannot produce log line 1: vmware: sending length failed, eax=12345678,"
                + " ecx=00000000");
  }

  @Test
  void importLogReportsUnknownLinesAndFailsWithoutVmtLines() throws IOException {
    Path log = dir.resolve("odd.log");
    Files.writeString(
        log,
        "[ 10.0] vmt0: something new\n"
            + "[ 11.0] vmware: sending length failed, eax=0x564d5868, ecx=0x40000\n"
            + "[ 11.0] vmt0: failed to send TCLO outgoing ping\n");
    assertThat(cli.run("import-log", log.toString())).isZero();
    assertThat(cli.err()).contains("skipped 1: vmt0: something new");
    assertThat(cli.out())
        .contains("close-tclo")
        .contains("# Skipped (not in the catalogue): line 1: vmt0: something new");
    Files.writeString(log, "nothing here\n");
    assertThat(cli.run("import-log", log.toString())).isEqualTo(1);
    assertThat(cli.err()).contains("has no vmt(4) lines");
    assertThat(cli.run("import-log", dir.resolve("none.log").toString())).isEqualTo(1);
    assertThat(cli.run("import-log")).isEqualTo(2);
  }

  @Test
  void abbreviationCountsRepeatedGroups() {
    List<TimedLine> lines = new ArrayList<>();
    lines.add(new TimedLine(Duration.ofSeconds(1), "start"));
    for (int i = 0; i < 5; i++) {
      lines.add(new TimedLine(Duration.ofSeconds(10 + i), "a"));
      lines.add(new TimedLine(Duration.ofSeconds(10 + i), "b"));
    }
    lines.add(new TimedLine(Duration.ofSeconds(20), "end"));
    StringWriter s = new StringWriter();
    Report.abbreviatedLines(new PrintWriter(s, true), lines, "", 10);
    assertThat(s.toString().lines())
        .containsExactly(
            "00:01.000  start",
            "00:10.000  a",
            "00:10.000  b",
            "    ... these 2 lines repeat 4 more times, every 1s, the last at 00:14.000",
            "00:20.000  end");
    StringWriter cut = new StringWriter();
    Report.abbreviatedLines(new PrintWriter(cut, true), lines, "", 2);
    assertThat(cut.toString()).isEqualTo("00:01.000  start\n... and 11 more lines\n");
  }

  @Test
  void progressIsQuietForTwoSecondsThenOncePerSecond() {
    AtomicLong now = new AtomicLong();
    StringWriter s = new StringWriter();
    Progress p = new Progress(new PrintWriter(s, true), now::get);
    Duration end = Duration.ofHours(10);
    p.update("legacy", Duration.ofHours(1), end);
    now.set(1_900_000_000L);
    p.update("legacy", Duration.ofHours(2), end);
    assertThat(s.toString()).isEmpty();
    now.set(2_100_000_000L);
    p.update("legacy", Duration.ofHours(3), end);
    now.set(2_600_000_000L);
    p.update("legacy", Duration.ofHours(4), end);
    now.set(3_200_000_000L);
    p.update("legacy", Duration.ofHours(5), end);
    assertThat(s.toString().lines())
        .containsExactly(
            "legacy: 3:00:00.000 of 10:00:00.000 virtual time (30%)",
            "legacy: 5:00:00.000 of 10:00:00.000 virtual time (50%)");
  }
}
