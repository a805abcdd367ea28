package io.github.vmbackdoor.hostsim.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/** A failing test's failure carries what its simulated VM knew, and the report has it too. */
class FailureDiagnosisTest {

  @ExtendWith(ExtensionLifecycleTest.OnlyInTestKit.class)
  @SimulatedVm(scenario = "scenarios/old-host.scenario")
  static class LosesItsGuestInfo {
    @Test
    void expectsTheValueGone(VmSimulator vm, RpciClient rpci, ToolsService tools) {
      assertThat(
              vm.await(
                  () -> vm.host().records().activeTcloChannel().isPresent(), Duration.ofSeconds(5)))
          .isTrue();
      rpci.guestInfoSet("ip", "10.0.0.7");
      vm.simulation().runFor(Duration.ofMinutes(2));
      try {
        rpci.guestInfoGet("ip");
      } catch (RuntimeException refused) {
        // the scenario's fault refuses RPCI opens from the first minute on
      }
      assertThat(vm.guestInfo("ip")).as("guestinfo.ip after the fault").isEmpty();
    }
  }

  @ExtendWith(ExtensionLifecycleTest.OnlyInTestKit.class)
  @SimulatedVm(transport = Transport.TCP, scenario = "scenarios/old-host.scenario")
  static class OverTcp {
    @Test
    void failsAfterTheToolsPolledAWhile(VmSimulator vm, RpciClient rpci, ToolsService tools) {
      assertThat(
              vm.await(
                  () -> vm.host().records().activeTcloChannel().isPresent(),
                  Duration.ofSeconds(60)))
          .isTrue();
      rpci.guestInfoSet("ip", "10.0.0.7");
      long calls = vm.host().records().callCount();
      // the tools poll their idle TCLO channel in real time meanwhile
      assertThat(
              vm.await(() -> vm.host().records().callCount() > calls + 60, Duration.ofSeconds(60)))
          .isTrue();
      throw new AssertionError("over TCP");
    }
  }

  @ExtendWith(ExtensionLifecycleTest.OnlyInTestKit.class)
  @SimulatedVm
  static class RefusedSeventeenTimes {
    @Test
    void opensSeventeenTimes(VmSimulator vm, Backdoor backdoor) {
      vm.host()
          .installFault(
              Fault.builder()
                  .protocol(BackdoorProtocol.PROTOCOL_RPCI)
                  .step(MessageException.Step.OPEN)
                  .clearSuccess()
                  .build());
      Registers open =
          BackdoorCommand.MESSAGE.registers(
              BackdoorProtocol.MESSAGE_OPEN, BackdoorProtocol.PROTOCOL_RPCI);
      for (int i = 0; i < 17; i++) {
        backdoor.in(open);
      }
      throw new AssertionError("refused");
    }
  }

  @ExtendWith(ExtensionLifecycleTest.OnlyInTestKit.class)
  @SimulatedVm
  static class FailsWithoutUsingItsVm {
    @Test
    void fails() {
      throw new AssertionError("nothing to do with a VM");
    }
  }

  private static EngineExecutionResults run(Class<?> testClass) {
    return EngineTestKit.engine("junit-jupiter")
        .configurationParameter(ExtensionLifecycleTest.TESTKIT, "true")
        .selectors(selectClass(testClass))
        .execute();
  }

  private static Throwable failure(EngineExecutionResults results) {
    return results.testEvents().failed().stream()
        .findFirst()
        .orElseThrow()
        .getPayload(TestExecutionResult.class)
        .orElseThrow()
        .getThrowable()
        .orElseThrow();
  }

  @Test
  void theFailureCarriesTheDiagnosis() {
    EngineExecutionResults results = run(LosesItsGuestInfo.class);
    results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
    Throwable failure = failure(results);
    assertThat(failure).hasMessageContaining("guestinfo.ip after the fault");
    assertThat(failure.getSuppressed()).hasSize(1);
    assertThat(failure.getSuppressed()[0]).isInstanceOf(VmDiagnosis.class);
    String diagnosis = failure.getSuppressed()[0].getMessage();
    assertThat(diagnosis)
        .startsWith("simulated VM vm1 (IN_PROCESS, seed 7) at virtual time 2m\n")
        // the fault by the name the scenario gave it, in the scenario's words
        .contains("\nfaults installed: 1\n  refuse-opens: protocol=rpci step=open clear-success\n")
        // its hits at one step folded into one line
        .containsPattern(
            "\nfaults that fired: (\\d+) \\(repeats folded\\)\n  at 2m OPEN: refuse-opens ×\\1\n")
        // calls in the protocol's words, not registers
        .contains("OPEN RPCI cookie → refused [CLEAR_SUCCESS]")
        .doesNotContain("eax=")
        .containsPattern(
            "\nRPCI requests: \\d+(, the newest 5)?\n(  at [^\n]*\n)*  at 0 ch \\d+: info-set guestinfo.ip 10.0.0.7")
        .containsPattern("\nTCLO exchanges: \\d+")
        .contains("\nscenario events that ran: 1\n  at 1m fault refuse-opens")
        .endsWith(
            "\nevery call with its registers: the report entry " + VmExtension.DIAGNOSIS_ENTRY);
    assertThat(diagnosis.lines()).as(diagnosis).hasSizeLessThanOrEqualTo(40);
    assertThat(diagnosis.lines()).as(diagnosis).allMatch(l -> l.length() <= 120);

    List<String> entries =
        results.allEvents().reportingEntryPublished().stream()
            .map(e -> e.getPayload(ReportEntry.class).orElseThrow().getKeyValuePairs())
            .map(pairs -> pairs.get(VmExtension.DIAGNOSIS_ENTRY))
            .toList();
    assertThat(entries).hasSize(1);
    String full = entries.get(0);
    // the full detail: every call kept, in words and with its registers
    assertThat(full)
        .startsWith("simulated VM vm1 (IN_PROCESS, seed 7) at virtual time 2m\n")
        .contains("  at 2m OPEN RPCI cookie → refused [CLEAR_SUCCESS]\n      in eax=564d5868, ebx=")
        .doesNotContain("every call with its registers");
    assertThat(full.lines().count()).isGreaterThan(diagnosis.lines().count());
  }

  @Test
  void theCallsAroundTheFailureShowOverIdlePollsAndTcpSaysItsTime() {
    EngineExecutionResults results = run(OverTcp.class);
    results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
    String diagnosis = failure(results).getSuppressed()[0].getMessage();
    assertThat(diagnosis)
        .startsWith("simulated VM ")
        .containsPattern(
            "^simulated VM \\S+ \\(TCP, seed 7\\) [0-9.]+m?s of real time after the VM started;"
                + " the story's virtual time stood still \\(over TCP it moves only when the test"
                + " runs the simulation\\)\n")
        // the idle polls that came after the last request are one line, so the request shows
        .containsPattern(
            "\n  #\\d+ to #\\d+ \\d+ calls of idle TCLO polls \\(an empty reply sent, nothing to receive\\)")
        // the end of the last request, then the polls after it as the last line of calls
        .containsPattern("\n  #\\d+ RECVSTATUS ch \\d+ → message of \\d+ bytes received\n")
        .containsPattern("\n  #\\d+ to #\\d+ \\d+ calls of idle TCLO polls [^\n]*\nRPCI requests: ")
        .doesNotContain("virtual time 0")
        .doesNotContain(" at 0 ");
    assertThat(diagnosis.lines()).as(diagnosis).hasSizeLessThanOrEqualTo(40);
  }

  @Test
  void repeatedHitsAndCallsAreOneLineEach() {
    String diagnosis = failure(run(RefusedSeventeenTimes.class)).getSuppressed()[0].getMessage();
    assertThat(diagnosis)
        .isEqualTo(
            "simulated VM vm1 (IN_PROCESS, seed 0) at virtual time 0\n"
                + "faults installed: 1\n"
                + "  protocol=rpci step=open clear-success\n"
                + "faults that fired: 17 (repeats folded)\n"
                + "  at 0 OPEN: protocol=rpci step=open clear-success ×17\n"
                + "backdoor calls: 17 (idle TCLO polls and repeats folded)\n"
                + "  at 0 OPEN RPCI → refused [CLEAR_SUCCESS] ×17\n"
                + "RPCI requests: none\n"
                + "TCLO exchanges: none\n"
                + "scenario events that ran: none\n"
                + "every call with its registers: the report entry vmbackdoor.diagnosis");
  }

  @Test
  void aTestThatDidNothingWithItsVmGetsAnEmptyDiagnosis() {
    EngineExecutionResults results = run(FailsWithoutUsingItsVm.class);
    Throwable failure = failure(results);
    assertThat(failure).hasMessage("nothing to do with a VM");
    assertThat(failure.getSuppressed()).hasSize(1);
    assertThat(failure.getSuppressed()[0].getMessage())
        .isEqualTo(
            "simulated VM vm1 (IN_PROCESS, seed 0) at virtual time 0\n"
                + "faults installed: none\n"
                + "faults that fired: none\n"
                + "backdoor calls: none\n"
                + "RPCI requests: none\n"
                + "TCLO exchanges: none\n"
                + "scenario events that ran: none\n"
                + "every call with its registers: the report entry vmbackdoor.diagnosis");
  }
}
