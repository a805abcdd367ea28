package io.github.vmbackdoor.hostsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.internal.KebabCase;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.Classification;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.VmtFlavor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The verdict on a run is a property of the machine's behaviour, not of where the run ends: for
 * every built-in scenario and every machine (the legacy one in every vmt flavor), 20 run lengths
 * past the story's settling time, spread over the hour after it with odd offsets down to the
 * millisecond so that every phase of a loop is hit, give one verdict.
 */
class VerdictStabilityTest {

  private static final int LENGTHS = 20;

  static Stream<Arguments> runs() {
    List<Arguments> runs = new ArrayList<>();
    for (Scenario scenario : BuiltInScenarios.all()) {
      for (TcloMachines machine : TcloMachines.values()) {
        runs.add(Arguments.of(scenario, machine.machineName(), machine));
        if (machine == TcloMachines.LEGACY) {
          for (VmtFlavor family : VmtFlavor.values()) {
            if (family != scenario.flavor()) {
              runs.add(
                  Arguments.of(
                      scenario.toBuilder().flavor(family).build(),
                      machine.machineName() + ", " + KebabCase.of(family),
                      machine));
            }
          }
        }
      }
    }
    return runs.stream();
  }

  /** 20 run lengths from the settling time on: the first exactly there, the others spread. */
  static List<Duration> lengths(Scenario scenario) {
    Random random = new Random(scenario.name().hashCode());
    List<Duration> lengths = new ArrayList<>();
    lengths.add(scenario.settlesAt());
    for (int i = 1; i < LENGTHS; i++) {
      lengths.add(scenario.settlesAt().plusMinutes(3L * i).plusMillis(random.nextInt(180_000)));
    }
    return lengths;
  }

  @ParameterizedTest(name = "{0} / {1}")
  @MethodSource("runs")
  void theVerdictIsTheSameForEveryRunLengthPastTheSettlingTime(
      Scenario scenario, String machineName, TcloMachines machine) {
    Map<Duration, Classification> verdicts = new LinkedHashMap<>();
    for (Duration length : lengths(scenario)) {
      ScenarioOutcome run = ScenarioRunner.run(scenario.withLength(length), machine);
      assertThat(run.settled()).as("a run of %s is settled", length).isTrue();
      verdicts.put(length, run.classification());
    }
    assertThat(verdicts.values().stream().distinct())
        .as("%s / %s, verdict per run length: %s", scenario.name(), machineName, verdicts)
        .hasSize(1);
  }

  /**
   * The flip the verdict once had: the legacy machine's reset loop (a failed reset reply, then
   * polls, every 3 s) was stuck at 1h, flapping at 1h1s and 1h2s, stuck again at 1h3s. The scenario
   * goes through its text form, as a user's file does.
   */
  @Test
  void theLegacyResetLoopIsFlappingWhereverTheRunEnds() {
    Scenario scenario = Scenario.parse(BuiltInScenarios.rejectsUnsolicitedReplies().toText());
    for (String run : List.of("PT1H", "PT1H1S", "PT1H2S", "PT1H3S")) {
      ScenarioOutcome outcome =
          ScenarioRunner.run(scenario.withLength(Duration.parse(run)), TcloMachines.LEGACY);
      assertThat(outcome.classification()).as(run).isEqualTo(Classification.FLAPPING);
      assertThat(outcome.timeToRecover()).as(run).isEmpty();
    }
  }
}
