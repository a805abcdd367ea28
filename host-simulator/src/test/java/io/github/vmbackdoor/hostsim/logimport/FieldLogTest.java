package io.github.vmbackdoor.hostsim.logimport;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.record.PowerOperationReport;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.Classification;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.hostsim.settings.RefusalRegisters;
import io.github.vmbackdoor.rpc.GuestOsState;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.VmtFlavor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The two field logs of the corpus (printed by real NetBSD systems under VMware, from the 2024
 * vmt(4) write-up): each imports into a scenario that the legacy machine of its family replays line
 * for line, and the fixed machine survives.
 */
class FieldLogTest {

  private static final String PING_LOOP = "netbsd6-amdv-ping-loop.log";
  private static final String SUSPEND_RESUME = "netbsd-head-suspend-resume.log";

  /** The log below its header, as the corpus keeps it. */
  static List<String> body(String name) throws IOException, URISyntaxException {
    Path path =
        Path.of(
            Objects.requireNonNull(FieldLogTest.class.getResource("/logcorpus/" + name)).toURI());
    List<String> raw = Files.readAllLines(path);
    return raw.stream().dropWhile(l -> l.startsWith("#")).toList();
  }

  @Test
  void theNetBsd6PingLoopReproducesLineForLineAndNeverEnds() throws Exception {
    LogImport.Result imported = LogImport.importLog(PING_LOOP, body(PING_LOOP));
    Scenario s = imported.scenario();
    assertThat(imported.flavor().label()).isEqualTo("NetBSD 6-9");
    assertThat(s.hostSettings().policy().refusalRegisters()).isEqualTo(RefusalRegisters.ZERO);
    assertThat(s.hostSettings().policy().resetAfterUnsolicitedReply()).isTrue();
    assertThat(imported.elisions()).containsExactly(6);

    Verification v = Verification.of(imported);
    assertThat(v.report())
        .startsWith("reproduced 6 of 6 lines against the legacy machine")
        .anyMatch(l -> l.startsWith("the loop the log ends in is still going"));
    assertThat(v.matches()).isTrue();

    ScenarioOutcome legacy = ScenarioRunner.run(s, TcloMachines.LEGACY);
    assertThat(legacy.classification()).isIn(Classification.STUCK, Classification.FLAPPING);
    // The triple, every 2.02 s, to the end of the hour the scenario keeps it going.
    List<String> lastMinute = legacy.linesFrom(legacy.end().minus(Duration.ofMinutes(1)));
    assertThat(lastMinute)
        .contains(
            "vmware: sending length failed, eax=00000000, ecx=00000000",
            "vmt0: failed to send TCLO outgoing ping",
            "vmt0: resetting rpc")
        .hasSizeBetween(3 * 29, 3 * 30);
    assertThat(legacy.lines()).hasSizeGreaterThan(3 * 1700);

    assertThat(ScenarioRunner.run(s, TcloMachines.FIXED).classification())
        .isEqualTo(Classification.RECOVERED);
  }

  @Test
  void theCycleAlsoLoopsOnTheNetBsd10MachineWithItsOwnWords() throws Exception {
    Scenario s = LogImport.importLog(PING_LOOP, body(PING_LOOP)).scenario();
    Scenario netbsd10 =
        s.toBuilder().flavor(VmtFlavor.NETBSD).runFor(Duration.ofMinutes(20)).build();
    ScenarioOutcome legacy = ScenarioRunner.run(netbsd10, TcloMachines.LEGACY);
    assertThat(legacy.linesFrom(Duration.ofMinutes(19)))
        .containsSubsequence(
            "vmware: sending length failed, eax=0, ecx=0",
            "vmt0: failed to send TCLO outgoing ping",
            "vmt0: resetting rpc");
    assertThat(ScenarioRunner.run(netbsd10, TcloMachines.FIXED).classification())
        .isEqualTo(Classification.RECOVERED);
  }

  @Test
  void theNetBsdHeadSuspendResumeReproducesWithTheElisionAccountedFor() throws Exception {
    LogImport.Result imported = LogImport.importLog(SUSPEND_RESUME, body(SUSPEND_RESUME));
    assertThat(imported.flavor().label()).isEqualTo("NetBSD 10+");
    assertThat(imported.elisions()).containsExactly(4);
    Verification v = Verification.of(imported);
    assertThat(v.matches()).as(String.join("\n", v.report())).isTrue();
    assertThat(v.reproduced()).isEqualTo(8);
    assertThat(v.total()).isEqualTo(8);
    // What the elision hides: the suspend's log() line and the checkpoint-cut read.
    assertThat(v.leftOut()).isEqualTo(2);
    ScenarioOutcome legacy = ScenarioRunner.run(imported.scenario(), TcloMachines.LEGACY);
    assertThat(legacy.lines().stream().map(ScenarioOutcome.TimedLine::text))
        .containsSubsequence(
            "vmt0: resetting rpc",
            "VMware guest entering suspended state",
            "vmware: get data failed, ebx=0x100000",
            "vmt0: failed to get rpci response data");
    assertThat(imported.scenario().toText()).contains("power suspend").contains("checkpoint");
  }

  @Test
  void theFixedMachineKeepsTheStateChangesOfTheSuspendResumeLog() throws Exception {
    Scenario s = LogImport.importLog(SUSPEND_RESUME, body(SUSPEND_RESUME)).scenario();
    ScenarioRunner fixed = ScenarioRunner.prepare(s, TcloMachines.FIXED);
    ScenarioOutcome outcome = fixed.run();
    assertThat(outcome.lines()).isEmpty();
    List<PowerOperationReport> ops = fixed.host().records().powerOperations();
    assertThat(ops)
        .extracting(PowerOperationReport::operation)
        .containsExactly(GuestOsState.POWER_ON, GuestOsState.SUSPEND, GuestOsState.RESUME);
    assertThat(ops).allMatch(r -> r.reportedSuccess().orElse(false));
    // The legacy machine gave up on the two replies the checkpoints cut (the host had the
    // reports; vmt never read its answer), set its error flag and reset its channel twice.
    ScenarioOutcome legacy = ScenarioRunner.run(s, TcloMachines.LEGACY);
    assertThat(legacy.lines().stream().map(ScenarioOutcome.TimedLine::text))
        .filteredOn(t -> t.equals("vmt0: unable to send state change result"))
        .hasSize(2);
  }
}
