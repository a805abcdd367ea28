package io.github.vmbackdoor.hostsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.TraceHeader;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.rpc.GuestOsState;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.VmtFlavor;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ScenarioTextTest {

  private static final String FILE =
      """
      # A host that drops RPCI replies now and then, and resets every 2 minutes.
      scenario flaky-host
      description RPCI replies lost with probability 0.3 from 5 min; resets every 2 min
      seed 7
      run 30m
      flavor openbsd
      host channelTableSize 8
      host rejectUnsolicitedTcloReplies true

      # The lossy phase.
      at 5m fault lossy protocol=rpci step=recvsize probability=0.3 clear-success
      every 2m from 6m until 20m host-reset
      at 20m remove-fault lossy
      at 21m tclo Set_Option broadcastIP 1
      at 22m power suspend
      at 22m1.5s checkpoint
      at 22m2s power resume
      """;

  private static Scenario sameInJava() {
    return Scenario.named("flaky-host")
        .comment("A host that drops RPCI replies now and then, and resets every 2 minutes.")
        .description("RPCI replies lost with probability 0.3 from 5 min; resets every 2 min")
        .seed(7)
        .runFor(Duration.ofMinutes(30))
        .flavor(VmtFlavor.OPENBSD)
        .channelTableSize(8)
        .rejectUnsolicitedTcloReplies(true)
        .at(Duration.ofMinutes(5))
        .comment("The lossy phase.")
        .fault(
            "lossy",
            Fault.builder()
                .protocol(BackdoorProtocol.PROTOCOL_RPCI)
                .step(Step.RECVSIZE)
                .probability(0.3)
                .clearSuccess()
                .build())
        .every(Duration.ofMinutes(2))
        .from(Duration.ofMinutes(6))
        .until(Duration.ofMinutes(20))
        .hostReset()
        .at(Duration.ofMinutes(20))
        .removeFault("lossy")
        .at(Duration.ofMinutes(21))
        .sendTclo("Set_Option broadcastIP 1")
        .at(Duration.ofMinutes(22))
        .power(GuestOsState.SUSPEND)
        .at(Duration.ofMillis(22 * 60_000 + 1_500))
        .checkpoint()
        .at(Duration.ofMinutes(22).plusSeconds(2))
        .power(GuestOsState.RESUME)
        .build();
  }

  @Test
  void theFileAndTheBuilderGiveTheSameScenario() {
    Scenario parsed = Scenario.parse(FILE);
    assertThat(parsed).isEqualTo(sameInJava());
    assertThat(parsed.events()).hasSize(7);
    assertThat(parsed.events().get(1).every()).contains(Duration.ofMinutes(2));
    assertThat(parsed.events().get(3).event())
        .isEqualTo(new HostEvent.SendTclo("Set_Option broadcastIP 1"));
    assertThat(parsed.troubleStart()).isEqualTo(Duration.ofMinutes(5));
  }

  @ParameterizedTest
  @EnumSource(TcloMachines.class)
  void theFileAndTheBuilderGiveIdenticalRuns(TcloMachines machine) {
    ScenarioOutcome fromFile = ScenarioRunner.run(Scenario.parse(FILE), machine);
    ScenarioOutcome fromJava = ScenarioRunner.run(sameInJava(), machine);
    assertThat(fromFile.lines()).isEqualTo(fromJava.lines());
    assertThat(fromFile.events()).hasSizeGreaterThan(100).isEqualTo(fromJava.events());
    if (machine == TcloMachines.LEGACY) {
      assertThat(fromFile.lines()).isNotEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(TcloMachines.class)
  void theFileAndTheBuilderMakeTheSameBackdoorCalls(TcloMachines machine) {
    // Recorded under the same header, the two runs' traces are byte for byte the same.
    TraceHeader header = HostReplay.header(sameInJava(), "guest");
    ByteArrayOutputStream fromFile = new ByteArrayOutputStream();
    try (TraceWriter trace = TraceWriter.create(fromFile, header)) {
      ScenarioRunner.prepare(Scenario.parse(FILE), machine, trace).run();
    }
    ByteArrayOutputStream fromJava = new ByteArrayOutputStream();
    try (TraceWriter trace = TraceWriter.create(fromJava, header)) {
      ScenarioRunner.prepare(sameInJava(), machine, trace).run();
    }
    assertThat(fromFile.size()).isGreaterThan(100_000);
    assertThat(fromFile.toByteArray()).isEqualTo(fromJava.toByteArray());
  }

  @Test
  void everyBuiltInScenarioSurvivesTheTextFormAndRunsTheSame() {
    for (Scenario s : BuiltInScenarios.all()) {
      String text = s.toText();
      Scenario back = Scenario.parse(text);
      assertThat(back).as(text).isEqualTo(s);
      assertThat(back.toText()).isEqualTo(text);
      ScenarioOutcome a =
          ScenarioRunner.run(s.withLength(Duration.ofMinutes(15)), TcloMachines.LEGACY);
      ScenarioOutcome b =
          ScenarioRunner.run(back.withLength(Duration.ofMinutes(15)), TcloMachines.LEGACY);
      assertThat(b.lines()).as(s.name()).isEqualTo(a.lines());
    }
  }

  @Test
  void differentSeedsDrawDifferentFaults() {
    Scenario seven = Scenario.parse(FILE);
    Scenario eight = seven.toBuilder().seed(8).build();
    assertThat(ScenarioRunner.run(seven, TcloMachines.LEGACY).lines())
        .isNotEqualTo(ScenarioRunner.run(eight, TcloMachines.LEGACY).lines());
  }

  @ParameterizedTest
  @CsvSource({
    "0,0",
    "250ms,250000000",
    "1.5s,1500000000",
    "10m,600000000000",
    "1h,3600000000000",
    "1h30m,5400000000000",
    "10m5s,605000000000",
    "2d,172800000000000"
  })
  void durations(String text, long nanos) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofNanos(nanos));
    assertThat(Durations.parse(Durations.format(Duration.ofNanos(nanos))))
        .isEqualTo(Duration.ofNanos(nanos));
  }

  @Test
  void durationsFormatShortly() {
    assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(Durations.format(Duration.ofSeconds(605))).isEqualTo("10m5s");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "seed 1|1|the file must start with 'scenario NAME'",
        "scenario x\\nrun 10 minutes|2|expected 'run DURATION'",
        "scenario x\\nrun 10q|2|bad duration '10q'",
        "scenario x\\n\\n# c\\nat 1m explode|4|unknown action 'explode'",
        "scenario x\\nat 1m fault f protocol=rpci|2|the fault has no action",
        "scenario x\\nat 1m fault f protocol=vmx clear-success|2|protocol is rpci or tclo",
        "scenario x\\nat 1m fault f step=sideways clear-success|2|'sideways' is not one of open,",
        "scenario x\\nhost channels many|2|host channelTableSize: 'many' is not 1 to 65536",
        "scenario x\\nhost bogus 1|2|unknown host setting 'bogus'",
        "scenario x\\nat 1m power nap|2|'nap' is not one of halt, reboot, power-on, resume, suspend",
        "scenario x\\nat 1m host-reset now|2|'host-reset' takes nothing after it",
        "scenario x\\nscenario y|2|a second 'scenario' line",
        "scenario x\\nfrobnicate|2|unknown keyword 'frobnicate'",
        "scenario x\\nat 1m|2|expected 'at DURATION ACTION'"
      })
  void errorsNameTheLine(String text, int line, String message) {
    assertThatThrownBy(() -> Scenario.parse(text.replace("\\n", "\n")))
        .isInstanceOf(ScenarioParseException.class)
        .hasMessageStartingWith("line " + line + ": ")
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((ScenarioParseException) e).lineNumber()).isEqualTo(line));
  }

  @Test
  void everyRepeatsUntilTheEndOrItsLimit() {
    Scenario s =
        Scenario.named("r")
            .runFor(Duration.ofMinutes(10))
            .every(Duration.ofMinutes(3))
            .hostReset()
            .every(Duration.ofMinutes(1))
            .from(Duration.ofSeconds(30))
            .until(Duration.ofMinutes(3))
            .invalidateAllChannels(Invalidation.COOKIES_INVALID)
            .build();
    assertThat(s.events().get(0).occurrences(s.length()))
        .containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(90), Duration.ofSeconds(150));
    assertThat(s.events().get(1).occurrences(s.length()))
        .containsExactly(Duration.ofMinutes(3), Duration.ofMinutes(6), Duration.ofMinutes(9));
    assertThat(Scenario.parse(s.toText())).isEqualTo(s);
    assertThat(s.toText())
        .contains("every 1m from 30s until 3m invalidate-all cookies-invalid\n")
        .contains("every 3m host-reset\n");
  }
}
