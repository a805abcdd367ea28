package io.github.vmbackdoor.hostsim.logimport;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.VmtFlavor;
import io.github.vmbackdoor.rpc.VmtMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The importer on logs that real vmt code prints and the first rules could not explain: a
 * guest-info failure off the guest-info grid, a register change inside the final loop, OpenBSD
 * lines run together, lines left out, stamps around a suspend.
 */
class ImporterGapsTest {

  private static List<String> dmesg(Scenario scenario) {
    return ScenarioRunner.run(scenario, TcloMachines.LEGACY).lines().stream()
        .map(l -> String.format(Locale.ROOT, "[%12.6f] %s", l.at().toNanos() / 1e9, l.text()))
        .toList();
  }

  private static Verification verify(String name, List<String> log) {
    LogImport.Result imported = LogImport.importLog(name, log);
    Verification v = Verification.of(imported);
    assertThat(v.matches())
        .as("%s%n%s%n%s", String.join("\n", log), imported.scenario().toText(), v.report())
        .isTrue();
    return v;
  }

  @Test
  void aRegisterChangeInsideTheFinalLoopIsASecondHostEvent() {
    // The ping refused with CLOSED five times, then with 0 until the log is cut: the host closed
    // the channel, then forgot it.
    List<String> log = new ArrayList<>();
    for (int s = 601; s < 606; s++) {
      log.add("[ " + s + ".000000] vmware: sending length failed, eax=0, ecx=0x40000");
      log.add("[ " + s + ".000000] vmt0: failed to send TCLO outgoing ping");
    }
    for (int s = 606; s < 626; s++) {
      log.add("[ " + s + ".000000] vmware: sending length failed, eax=0, ecx=0");
      log.add("[ " + s + ".000000] vmt0: failed to send TCLO outgoing ping");
    }
    LogImport.Result imported = LogImport.importLog("closed-then-forgotten.log", log);
    assertThat(imported.scenario().toText())
        .contains("at 10m5.5s close-tclo")
        .contains("at 10m10.5s invalidate-all cookies-invalid");
    Verification v = verify("closed-then-forgotten.log", log);
    assertThat(v.reproduced()).isEqualTo(50);
    assertThat(v.loopStillGoing()).isTrue();
  }

  @Test
  void theMachinesOwnRegisterChangeRoundTrips() {
    Scenario original =
        Scenario.named("change")
            .flavor(VmtFlavor.NETBSD)
            .at(Duration.ofSeconds(600))
            .closeTclo()
            .at(Duration.ofSeconds(617))
            .invalidateAllChannels(Invalidation.COOKIES_INVALID)
            .runFor(Duration.ofSeconds(660))
            .build();
    List<String> log = dmesg(original);
    assertThat(log).anyMatch(l -> l.endsWith("ecx=0x40000")).anyMatch(l -> l.endsWith("ecx=0"));
    verify("change.log", log);
  }

  @Test
  void anOpenBsdGuestInfoFailureFarFromTheGridIsMovedOntoIt() {
    // The length request fails every second after a handled command; the uptime report fails 4 s
    // in, its line running into the next. vmt_tick runs every 15 s from attach: the log is moved
    // 5 s so that the failure comes in the second before one of its runs.
    List<String> log = new ArrayList<>();
    String length = "vmware: get length failed, eax=00000000, ecx=00000000";
    for (int s = 0; s < 20; s++) {
      String stamp = String.format(Locale.ROOT, "Nov 24 10:00:%02d obsd /bsd: ", s);
      if (s == 4) {
        log.add(stamp + "vmware: open failed, eax=00000000, ecx=00000000, edx=00005658");
        log.add(stamp + "vmt0: rpci channel open failed");
        log.add(stamp + "vmt0: unable to set guest uptime" + length);
      } else {
        log.add(stamp + length);
      }
      log.add(stamp + "vmt0: failed to get length of incoming TCLO data");
    }
    LogImport.Result imported = LogImport.importLog("openbsd-uptime.log", log);
    assertThat(imported.flavor().machine()).isEqualTo(VmtFlavor.OPENBSD);
    assertThat(imported.scenario().toText())
        .contains("# Moved 5 s so that the first guest-info failure comes just before");
    assertThat(verify("openbsd-uptime.log", log).reproduced()).isEqualTo(43);
  }

  @Test
  void netBsdLogsStayWhereTheyAre() {
    List<String> log =
        List.of(
            "[ 600.000000] vmware: open failed, eax=0, ecx=0, edx=0x5658",
            "[ 600.000000] vmt0: rpci channel open failed",
            "[ 600.000000] vmt0: unable to set guest uptime");
    assertThat(LogImport.importLog("netbsd.log", log).scenario().toText()).doesNotContain("Moved");
  }

  @Test
  void openBsdLinesRunTogetherAreSplitAndTheMachinesOwnRunInsRoundTrip() {
    // What the OpenBSD 1.32 machine prints when vmt_tick's uptime RPCI is refused at its open
    // while the TCLO length request fails every second: the uptime line has no newline.
    Scenario original =
        Scenario.named("run-in")
            .flavor(VmtFlavor.OPENBSD)
            .at(Duration.ofMillis(600_500))
            .fault(
                "tclo",
                Fault.builder()
                    .protocol(BackdoorProtocol.PROTOCOL_TCLO)
                    .step(Step.RECVSIZE)
                    .nth(2)
                    .dropChannel()
                    .build())
            .at(Duration.ofMillis(600_500))
            .sendTclo("ping")
            .at(Duration.ofMillis(614_500))
            .fault(
                "rpci",
                Fault.builder()
                    .protocol(BackdoorProtocol.PROTOCOL_RPCI)
                    .step(Step.OPEN)
                    .nth(1)
                    .dropChannel()
                    .build())
            .runFor(Duration.ofSeconds(630))
            .build();
    List<String> log = dmesg(original);
    assertThat(log)
        .anyMatch(
            l ->
                l.endsWith(
                    "vmt0: unable to set guest uptimevmware: get length failed, eax=00000000,"
                        + " ecx=00000000"));
    VmtLogParser.Result parsed = VmtLogParser.parse(log);
    assertThat(parsed.lines()).extracting(VmtLogLine::message).contains(VmtMessage.UPTIME_FAILED);
    assertThat(parsed.unknown()).isEmpty();
    verify("openbsd-run-in.log", log);
  }

  @Test
  void theIssuesRunInExampleIsSplit() {
    VmtLogParser.Result parsed =
        VmtLogParser.parse(
            List.of(
                "Nov 24 10:00:10 obsd /bsd: vmt0: unable to set guest uptimevmware: open failed,"
                    + " eax=00000000, ecx=00000000, edx=00005658"));
    assertThat(parsed.lines())
        .extracting(VmtLogLine::text)
        .containsExactly(
            "vmt0: unable to set guest uptime",
            "vmware: open failed, eax=00000000, ecx=00000000, edx=00005658");
    assertThat(parsed.lines().get(1).registers()).containsEntry("edx", 0x5658L);
  }

  @Test
  void bothElisionSpellingsAreLinesLeftOutWhereLinesMayStand() throws Exception {
    // The NetBSD HEAD field log's "..." hides the suspend's log() line and the checkpoint-cut
    // read; written "…" it must read the same.
    List<String> field;
    try (var in =
        ImporterGapsTest.class.getResourceAsStream("/logcorpus/netbsd-head-suspend-resume.log")) {
      field =
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
              .lines()
              .filter(l -> !l.startsWith("#"))
              .toList();
    }
    assertThat(field).contains("...");
    for (String elision : List.of("...", "\u2026")) {
      List<String> log = field.stream().map(l -> l.equals("...") ? elision : l).toList();
      VmtLogParser.Result parsed = VmtLogParser.parse(log);
      assertThat(parsed.elisions()).containsExactly(4);
      Verification v = verify("elided.log", log);
      assertThat(v.reproduced()).isEqualTo(8);
      assertThat(v.leftOut()).isEqualTo(2);
    }
  }

  @Test
  void stampsAroundASuspendAreNotDistances() {
    // The NetBSD HEAD field log's first group: 'resetting rpc' 11 ms after the failed read, which
    // vmt cannot do in less than a second; inside the suspend the events are a second apart.
    List<String> log =
        List.of(
            "Jan 31 02:17:41 hellbent /netbsd: [ 116066.6810491] vmware: get data failed,"
                + " ebx=0x100000",
            "Jan 31 02:17:41 hellbent /netbsd: [ 116066.6810491] vmt0: failed to get rpci response"
                + " data",
            "Jan 31 02:17:41 hellbent /netbsd: [ 116066.6810491] vmt0: unable to send state change"
                + " result",
            "Jan 31 02:17:41 hellbent /netbsd: [ 116066.6923936] vmt0: resetting rpc");
    LogImport.Result imported = LogImport.importLog("suspend.log", log);
    List<Duration> times =
        imported.scenario().events().stream().map(e -> e.at()).distinct().sorted().toList();
    for (int i = 1; i < times.size(); i++) {
      assertThat(times.get(i).minus(times.get(i - 1)))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }
    verify("suspend.log", log);
    ScenarioOutcome fixed = ScenarioRunner.run(imported.scenario(), TcloMachines.FIXED);
    assertThat(fixed.classification()).isNotEqualTo(ScenarioOutcome.Classification.STUCK);
  }
}
