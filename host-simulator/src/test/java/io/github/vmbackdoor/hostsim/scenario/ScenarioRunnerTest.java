package io.github.vmbackdoor.hostsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TcloResult;
import io.github.vmbackdoor.rpc.TickScheduler;
import io.github.vmbackdoor.rpc.ToolsService;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenarioRunnerTest {

  private static final Scenario CLOSES =
      BuiltInScenarios.hostClosesTclo().withLength(Duration.ofMinutes(30));

  /** The user's own guest: a ToolsService it builds itself, here like the fixed machine. */
  private static final GuestCode OWN_TOOLS_SERVICE =
      (backdoor, simulation, listener) -> {
        TickScheduler scheduler = (delay, task) -> simulation.schedule(delay, task)::cancel;
        ToolsService.builder(backdoor)
            .scheduler(scheduler)
            .machine(TcloMachines.FIXED)
            .options(TcloOptions.defaults().withUptime(simulation::elapsed))
            .listener(listener)
            .handler("Custom_Command", arguments -> TcloResult.ok("custom"))
            .build()
            .start();
      };

  @Test
  void userGuestCodeRunsUnderTheScenarioLikeABuiltInMachine() {
    ScenarioOutcome own = ScenarioRunner.run(CLOSES, "my-agent", OWN_TOOLS_SERVICE);
    ScenarioOutcome fixed = ScenarioRunner.run(CLOSES, TcloMachines.FIXED);
    assertThat(own.guest()).isEqualTo("my-agent");
    assertThat(own.events()).isEqualTo(fixed.events());
    assertThat(own.lines()).isEqualTo(fixed.lines());
    assertThat(own.classification()).isEqualTo(ScenarioOutcome.Classification.RECOVERED);
    assertThat(own.timeToRecover()).contains(Duration.ofSeconds(1));
  }

  @Test
  void userGuestCodeGetsHostCommandsFromTheTimeline() {
    Scenario s =
        Scenario.named("custom")
            .runFor(Duration.ofMinutes(2))
            .at(Duration.ofMinutes(1))
            .sendTclo("Custom_Command")
            .build();
    ScenarioRunner runner = ScenarioRunner.prepare(s, "my-agent", OWN_TOOLS_SERVICE);
    ScenarioOutcome outcome = runner.run();
    assertThat(runner.host().records().tcloExchanges())
        .anyMatch(
            e -> e.toString().contains("Custom_Command") && e.toString().contains("OK custom"));
    assertThat(outcome.events())
        .anyMatch(
            e ->
                e.event().type() == Type.COMMAND_RECEIVED
                    && e.event().detail().equals("Custom_Command")
                    && e.at().compareTo(Duration.ofMinutes(1)) >= 0);
    assertThat(runner.service()).isEmpty();
  }

  @Test
  void recordedUserGuestCodeReplaysHostFacing() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TraceWriter trace = TraceWriter.create(bytes, HostReplay.header(CLOSES, "my-agent"))) {
      ScenarioRunner.prepare(CLOSES, "my-agent", OWN_TOOLS_SERVICE, trace).run();
    }
    try (TraceReader reader = TraceReader.open(new ByteArrayInputStream(bytes.toByteArray()))) {
      HostReplay.Result result = HostReplay.replay(reader);
      assertThat(result.matches()).as(result.toString()).isTrue();
      assertThat(result.calls()).isGreaterThan(1000);
    }
  }

  @Test
  void compareRunsTheThreeMachinesInOrder() {
    Map<TcloMachines, ScenarioOutcome> all = ScenarioRunner.compare(CLOSES);
    assertThat(all.keySet())
        .containsExactly(TcloMachines.FIXED, TcloMachines.LEGACY, TcloMachines.PROPOSED_PATCH);
    assertThat(all.get(TcloMachines.LEGACY).classification())
        .isEqualTo(ScenarioOutcome.Classification.STUCK);
    assertThat(all.get(TcloMachines.LEGACY).linesPerHour())
        .isCloseTo(2 * 3600 * 20 / 30.0, org.assertj.core.data.Offset.offset(10.0));
    assertThat(all.get(TcloMachines.LEGACY).mostFrequentLine(CLOSES.troubleStart()))
        .hasValueSatisfying(l -> assertThat(l).contains("failed"));
    assertThat(TcloMachines.named("proposed-patch")).contains(TcloMachines.PROPOSED_PATCH);
    assertThat(TcloMachines.named("newest")).isEmpty();
  }

  @Test
  void aRunnerRunsOnce() {
    ScenarioRunner runner = ScenarioRunner.prepare(CLOSES, TcloMachines.FIXED);
    runner.run();
    assertThatThrownBy(runner::run).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void namedFaultsAreInstalledReplacedAndRemoved() {
    Fault refuseOpen =
        Fault.builder()
            .protocol(BackdoorProtocol.PROTOCOL_RPCI)
            .step(Step.OPEN)
            .clearSuccess()
            .build();
    Scenario s =
        Scenario.named("faults")
            .runFor(Duration.ofMinutes(3))
            .at(Duration.ofSeconds(30))
            .fault("rpci", refuseOpen)
            .at(Duration.ofSeconds(60))
            .removeFault("rpci")
            .build();
    ScenarioOutcome legacy = ScenarioRunner.run(s, TcloMachines.LEGACY);
    // vmt's 15-s uptime report fails at 31 and 46 s, not before the fault nor after its removal.
    assertThat(legacy.lines())
        .filteredOn(l -> l.text().equals("vmt0: unable to set guest uptime"))
        .extracting(ScenarioOutcome.TimedLine::at)
        .containsExactly(Duration.ofSeconds(31), Duration.ofSeconds(46));
  }

  @Test
  void invalidatingEveryChannelAndExpiringIdleOnes() {
    Scenario s =
        Scenario.named("all")
            .runFor(Duration.ofMinutes(3))
            .idleTimeout(Duration.ofSeconds(30))
            .at(Duration.ofMinutes(1))
            .invalidateAllChannels(Invalidation.COOKIES_INVALID)
            .at(Duration.ofMinutes(2))
            .expireIdleChannels()
            .build();
    ScenarioRunner runner = ScenarioRunner.prepare(s, TcloMachines.FIXED);
    ScenarioOutcome fixed = runner.run();
    assertThat(fixed.events()).filteredOn(e -> e.event().type() == Type.CHANNEL_OPENED).hasSize(2);
    assertThat(fixed.classification()).isEqualTo(ScenarioOutcome.Classification.RECOVERED);
    VirtualHost host = runner.host();
    assertThat(host.records().activeTcloChannel()).isPresent();
  }

  @Test
  void failureBoutsAreCounted() {
    ScenarioOutcome leaking =
        ScenarioRunner.run(BuiltInScenarios.leakingCloses(), TcloMachines.PROPOSED_PATCH);
    assertThat(leaking.failureEpisodes()).isGreaterThan(1);
    ScenarioOutcome closes = ScenarioRunner.run(CLOSES, TcloMachines.FIXED);
    assertThat(closes.failureEpisodes()).isEqualTo(1);
    ScenarioOutcome quiet =
        ScenarioRunner.run(
            Scenario.named("quiet").runFor(Duration.ofMinutes(1)).build(), TcloMachines.LEGACY);
    assertThat(quiet.failureEpisodes()).isZero();
    assertThat(quiet.classification()).isEqualTo(ScenarioOutcome.Classification.UNAFFECTED);
    assertThat(quiet.troubleStart()).isEqualTo(Duration.ZERO);
    assertThat(quiet.end()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void progressIsReportedPerSlice() {
    java.util.List<Duration> seen = new java.util.ArrayList<>();
    ScenarioRunner.prepare(CLOSES, TcloMachines.LEGACY).run(Duration.ofMinutes(7), seen::add);
    assertThat(seen)
        .containsExactly(
            Duration.ofMinutes(7),
            Duration.ofMinutes(14),
            Duration.ofMinutes(21),
            Duration.ofMinutes(28),
            Duration.ofMinutes(30));
  }

  @Test
  void theSimulationIsSeededFromTheScenario() {
    VirtualHost a =
        ScenarioRunner.prepare(CLOSES.toBuilder().seed(1).build(), TcloMachines.FIXED).host();
    VirtualHost b =
        ScenarioRunner.prepare(CLOSES.toBuilder().seed(1).build(), TcloMachines.FIXED).host();
    VirtualHost c =
        ScenarioRunner.prepare(CLOSES.toBuilder().seed(2).build(), TcloMachines.FIXED).host();
    assertThat(a.uuid()).isEqualTo(b.uuid()).isNotEqualTo(c.uuid());
    assertThat(a.simulation().map(Simulation::seed)).contains(1L);
  }

  @Test
  void theTimelineCanBeScheduledOnAnyScheduler() {
    Scenario s =
        Scenario.named("t")
            .runFor(Duration.ofMinutes(5))
            .at(Duration.ofSeconds(10))
            .sendTclo("First")
            .every(Duration.ofMinutes(2))
            .hostReset()
            .at(Duration.ofSeconds(10))
            .sendTclo("Second")
            .build();
    VirtualHost host = VirtualHost.builder().build();
    java.util.List<Duration> times = new java.util.ArrayList<>();
    s.scheduleTimeline(
        host,
        (at, action) -> {
          times.add(at);
          action.run();
        });
    assertThat(times)
        .containsExactly(
            Duration.ofSeconds(10),
            Duration.ofSeconds(10),
            Duration.ofMinutes(2),
            Duration.ofMinutes(4));
    // The resets went to the front of the queue (the host keeps one "reset" at the head), and
    // the two commands stayed in the order given.
    assertThat(host.records().pendingTcloCommands()).containsExactly("reset", "First", "Second");
  }

  @Test
  void aRunKeepsNoCallLogUnlessTheScenarioSetsALimitEvenTheDefaultOne() {
    Scenario quiet = Scenario.parse("scenario q\nrun 1m\n");
    ScenarioRunner none = ScenarioRunner.prepare(quiet, TcloMachines.FIXED);
    none.run();
    assertThat(none.host().records().callLog()).isEmpty();
    Scenario kept = Scenario.parse("scenario k\nrun 1m\nhost callLogLimit 10000\n");
    assertThat(kept.toText()).contains("host callLogLimit 10000\n");
    ScenarioRunner some = ScenarioRunner.prepare(kept, TcloMachines.FIXED);
    some.run();
    assertThat(some.host().records().callLog()).isNotEmpty();
  }
}
