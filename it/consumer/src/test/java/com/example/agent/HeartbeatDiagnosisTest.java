package com.example.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.github.vmbackdoor.hostsim.time.SimulationTickScheduler;
import io.github.vmbackdoor.hostsim.junit.SimulatedVm;
import io.github.vmbackdoor.hostsim.junit.VmDiagnosis;
import io.github.vmbackdoor.hostsim.junit.VmExtension;
import io.github.vmbackdoor.hostsim.junit.VmSimulator;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * When a {@code @SimulatedVm} test fails, its report says what the simulated VM knew. This runs a
 * test that fails on purpose through JUnit's EngineTestKit and reads its failure and report.
 */
class HeartbeatDiagnosisTest {

  /** The tag of tests that fail on purpose; the build's Surefire configuration leaves them out. */
  static final String DELIBERATELY_FAILING = "deliberately-failing";

  /**
   * Fails on purpose: the scenario refuses RPCI opens from 24m15s on, so the heartbeat written at
   * 24m is still there at 27m. Run only by {@link HeartbeatDiagnosisTest}.
   */
  @Tag(DELIBERATELY_FAILING)
  @SimulatedVm(scenario = HeartbeatScenarioTest.SCENARIO)
  static class ExpectsAFreshHeartbeat {

    /** The ToolsService is asked for so that its TCLO loop runs beside the agent. */
    @Test
    void theHeartbeatIsNeverOlderThanTwoMinutes(
        RpciClient rpci, ToolsService tools, VmSimulator vm) {
      HeartbeatAgent agent =
          new HeartbeatAgent(
              rpci, SimulationTickScheduler.of(vm.simulation()), Duration.ofMinutes(1));
      agent.start();
      Optional<String> last = Optional.empty();
      Duration changedAt = Duration.ZERO;
      for (int minute = 1; minute <= 60; minute++) {
        vm.simulation().runFor(Duration.ofMinutes(1));
        Duration now = vm.simulation().elapsed();
        Optional<String> beat = vm.guestInfo(HeartbeatAgent.GUEST_INFO_NAME);
        if (!beat.equals(last)) {
          last = beat;
          changedAt = now;
        }
        Duration age = now.minus(changedAt);
        String stuck = "heartbeat " + beat.orElse("(none)") + " is " + age.toMinutes() + " min old";
        assertTrue(age.compareTo(Duration.ofMinutes(2)) <= 0, stuck);
      }
      agent.stop();
    }
  }

  @Test
  void theFailureAndTheReportCarryTheDiagnosis() {
    EngineExecutionResults results =
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(ExpectsAFreshHeartbeat.class))
            .execute();
    results.testEvents().assertStatistics(stats -> stats.started(1).failed(1).succeeded(0));

    Throwable failure =
        results.testEvents().failed().stream()
            .findFirst()
            .flatMap(e -> e.getPayload(TestExecutionResult.class))
            .flatMap(TestExecutionResult::getThrowable)
            .orElseThrow();
    // the test's own failure is kept; the diagnosis comes with it
    assertTrue(failure.getMessage().startsWith("heartbeat 24 is 3 min old"), failure::getMessage);
    assertEquals(1, failure.getSuppressed().length);
    String diagnosis = assertInstanceOf(VmDiagnosis.class, failure.getSuppressed()[0]).getMessage();

    // the scenario's seed, and the virtual time of the failure
    assertStartsWith("simulated VM vm1 (IN_PROCESS, seed 11) at virtual time 27m\n", diagnosis);
    // the fault the scenario installed at 24m15s, by its name and in its words, and the beats it
    // refused since (each beat's open is tried with the cookie flag, then without), folded
    assertContains(
        "\nfaults installed: 1\n  refuse-opens: protocol=rpci step=open clear-success\n"
            + "faults that fired: 6 (repeats folded)\n"
            + "  at 25m to 27m OPEN: refuse-opens ×6\n",
        diagnosis);
    // the newest backdoor calls in the protocol's words, among them the refused open
    assertMatches(
        "\nbackdoor calls: \\d+ \\(idle TCLO polls and repeats folded\\), the newest 10 lines\n", diagnosis);
    assertContains("  at 27m OPEN RPCI → refused [CLEAR_SUCCESS]\n", diagnosis);
    // the RPCI requests, the newest last: the last beat that got through
    String someLines = "(  at .*\n)*";
    assertMatches(
        "\nRPCI requests: 25, the newest 5\n"
            + someLines
            + "  at 24m ch \\d+: info-set guestinfo.heartbeat 24\n",
        diagnosis);
    // the TCLO exchanges of the injected ToolsService
    assertMatches("\nTCLO exchanges: \\d+", diagnosis);
    // the scenario events that ran, with their times: the removal at 29m15s has not run yet
    assertContains(
        "\nscenario events that ran: 1\n"
            + "  at 24m15s fault refuse-opens protocol=rpci step=open clear-success",
        diagnosis);
    // one screen; the full detail, every call with its registers, in the report entry
    assertTrue(diagnosis.lines().count() <= 40, diagnosis);

    List<String> entries =
        results.allEvents().reportingEntryPublished().stream()
            .map(e -> e.getPayload(ReportEntry.class).orElseThrow().getKeyValuePairs())
            .map(pairs -> pairs.get(VmExtension.DIAGNOSIS_ENTRY))
            .toList();
    assertEquals(1, entries.size(), "the report entry " + VmExtension.DIAGNOSIS_ENTRY);
    assertContains(
        "  at 27m OPEN RPCI → refused [CLEAR_SUCCESS]\n"
            + "      in eax=564d5868, ebx=49435052, ecx=0000001e, edx=00005658, esi=00000000,"
            + " edi=00000000, ebp=00000000 -> eax=00000000, ebx=49435052, ecx=00000000,"
            + " edx=00005658, esi=00000000, edi=00000000, ebp=00000000\n",
        entries.get(0));
    assertMatches(
        "\nTCLO exchanges: \\d+\n" + someLines + "  at 0 ch \\d+: 'reset' -> 'OK ATR toolbox' answered\n",
        entries.get(0));
  }

  private static void assertStartsWith(String prefix, String text) {
    assertTrue(
        text.startsWith(prefix), () -> "expected to start with\n" + prefix + "\nbut was\n" + text);
  }

  private static void assertContains(String part, String text) {
    assertTrue(text.contains(part), () -> "expected to contain\n" + part + "\nbut was\n" + text);
  }

  private static void assertMatches(String regex, String text) {
    assertTrue(
        Pattern.compile(regex).matcher(text).find(),
        () -> "expected to match\n" + regex + "\nbut was\n" + text);
  }
}
