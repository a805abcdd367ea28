package io.github.vmbackdoor.hostsim.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.scenario.Extensions;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The four extensions of this package, each one class plus one line in {@code META-INF/services},
 * used from a scenario file and the scenario runner; {@code ExtensionsEverywhereTest} uses them
 * from {@code serve}, the admin API and {@code replay}, {@code SimulatedVmExtensionsTest} from the
 * JUnit extension.
 */
class ExtensionsTest {

  static Scenario scenario() throws IOException {
    try (InputStream in =
        ExtensionsTest.class.getResourceAsStream("/scenarios/extensions.scenario")) {
      return Scenario.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void theServiceLoaderFindsEachKindBesideTheBuiltIns() {
    Extensions installed = Extensions.installed();
    assertThat(installed.faultKeywords()).startsWith("clear-success").endsWith("stall");
    assertThat(installed.eventKeywords()).startsWith("close-tclo").endsWith("burst");
    assertThat(installed.machineNames())
        .containsExactly("fixed", "legacy", "proposed-patch", "echoing");
    assertThat(installed.rpciCommands()).extracting(c -> c.name()).containsExactly("echo");
    assertThat(Extensions.builtIn().faultKeywords()).doesNotContain("stall");
  }

  @Test
  void aScenarioFileWithOwnKindsReadsWritesAndReadsBack() throws IOException {
    Scenario s = scenario();
    HostEvent.InstallFault install = (HostEvent.InstallFault) s.events().get(0).event();
    assertThat(install.fault().action()).isEqualTo(new Stall(Duration.ofMillis(250)));
    assertThat(s.events().get(1).event()).isEqualTo(new Burst(3));
    assertThat(s.toText())
        .contains("at 0 fault slow-rpci protocol=rpci step=sendsize nth=2 stall=250ms\n")
        .contains("at 30s burst 3\n");
    assertThat(Scenario.parse(s.toText())).isEqualTo(s);
  }

  @Test
  void everyBuiltInAndOwnFaultActionsTextReadsBack() {
    for (String keyword : Extensions.installed().faultKeywords()) {
      Fault f =
          Fault.builder()
              .step(io.github.vmbackdoor.core.MessageException.Step.CLOSE)
              .action(Extensions.installed().faultAction(keyword, ""))
              .build();
      HostEvent event = new HostEvent.InstallFault("f", f);
      assertThat(HostEvent.parse(event.text())).as(event.text()).isEqualTo(event);
    }
  }

  @Test
  void wrongWordsOfOwnKindsAreOneLineErrorsThatNameThem() {
    assertThatThrownBy(() -> HostEvent.parse("fault f stall=fast"))
        .hasMessage("stall takes milliseconds, e.g. stall=250ms: fast");
    assertThatThrownBy(() -> HostEvent.parse("fault f freeze"))
        .hasMessageContaining("'freeze' is not one of clear-success")
        .hasMessageEndingWith(", delay, stall");
    assertThatThrownBy(() -> HostEvent.parse("burst")).hasMessage("expected 'burst COUNT'");
  }

  @Test
  void theRunnerRunsTheOwnMachineWhichTheOwnRpciCommandAnswers() throws IOException {
    ScenarioRunner runner =
        ScenarioRunner.prepare(scenario(), Extensions.installed().machine("echoing").orElseThrow());
    ScenarioOutcome outcome = runner.run();
    assertThat(outcome.guest()).isEqualTo("echoing");
    assertThat(outcome.lines())
        .extracting(ScenarioOutcome.TimedLine::text)
        .startsWith("echoing: tick 1")
        .anyMatch(l -> l.startsWith("echoing: failed"))
        .contains("echoing: tick 3");
    assertThat(runner.host().records().pendingTcloCommands())
        .containsExactly("ping", "ping", "ping");
  }
}
