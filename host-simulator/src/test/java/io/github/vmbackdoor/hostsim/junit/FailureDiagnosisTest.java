package io.github.vmbackdoor.hostsim.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

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
        .startsWith("simulated VM vm1 (IN_PROCESS, seed 7) at virtual time 2m")
        .contains("\nfaults installed: 1\n  Fault{CLEAR_SUCCESS protocol=RPCI step=OPEN}\n")
        .containsPattern(
            "\nfaults that fired: \\d+\n  at 2m OPEN: Fault\\{CLEAR_SUCCESS protocol=RPCI")
        .containsPattern("\nbackdoor calls: \\d+, the last 20\n  at ")
        .contains("in eax=564d5868, ebx=")
        .containsPattern(
            "\nRPCI requests: \\d+\n(  at [^\n]*\n)*  at 0 ch \\d+: info-set guestinfo.ip 10.0.0.7")
        .containsPattern("\nTCLO exchanges: \\d+")
        .contains("\nscenario events that ran: 1\n  at 1m fault refuse-opens");

    List<String> entries =
        results.allEvents().reportingEntryPublished().stream()
            .map(e -> e.getPayload(ReportEntry.class).orElseThrow().getKeyValuePairs())
            .map(pairs -> pairs.get(VmExtension.DIAGNOSIS_ENTRY))
            .toList();
    assertThat(entries).containsExactly(diagnosis);
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
                + "scenario events that ran: none");
  }
}
