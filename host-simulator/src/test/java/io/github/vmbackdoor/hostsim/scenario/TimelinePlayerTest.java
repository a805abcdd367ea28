package io.github.vmbackdoor.hostsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.time.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The one timeline player: lazily, one pending occurrence per event, stoppable. */
class TimelinePlayerTest {

  private final Simulation sim = Simulation.create(7);
  private final Scenario scenario =
      Scenario.parse("scenario t\nrun 10s\nevery 1s checkpoint\nat 2500ms host-reset\n");
  private final List<String> applied = new ArrayList<>();
  private final AtomicInteger ended = new AtomicInteger();

  /** Schedules on the simulation, at a time since its start; cancels the pending event. */
  private final TimelinePlayer.Scheduler scheduler =
      (at, action) -> {
        Simulation.Scheduled s = sim.schedule(at.minus(sim.elapsed()), action);
        return s::cancel;
      };

  private String at(ScenarioEvent e) {
    return sim.elapsed().toMillis() + " " + e.action();
  }

  @Test
  void eachEventHasOneOccurrencePendingAndEndedRunsAfterTheLast() {
    scenario
        .player()
        .play(
            scheduler,
            e -> applied.add(at(e)),
            (t, e) -> {},
            (e, failure) -> {},
            ended::incrementAndGet);
    assertThat(sim.pendingEvents()).as("one pending occurrence per event").isEqualTo(2);
    sim.runFor(Duration.ofSeconds(20));
    assertThat(applied)
        .hasSize(10)
        .startsWith("1000 checkpoint", "2000 checkpoint", "2500 host-reset", "3000 checkpoint")
        .endsWith("9000 checkpoint");
    assertThat(ended).hasValue(1);
  }

  @Test
  void aFailedEventIsToldAndStopsTheTimeline() {
    List<String> failed = new ArrayList<>();
    TimelinePlayer.Playing playing =
        scenario
            .player()
            .play(
                scheduler,
                e -> {
                  if (e.action().equals("host-reset")) {
                    throw new IllegalStateException("no host");
                  }
                  applied.add(at(e));
                },
                (t, e) -> {},
                (e, failure) -> failed.add(at(e) + ": " + failure.getMessage()),
                ended::incrementAndGet);
    sim.runFor(Duration.ofSeconds(20));
    assertThat(failed).containsExactly("2500 host-reset: no host");
    assertThat(applied).containsExactly("1000 checkpoint", "2000 checkpoint");
    assertThat(playing.isStopped()).isTrue();
    assertThat(ended).as("the pending checkpoint was cancelled, so it never came due").hasValue(0);
  }

  @Test
  void aStoppedTimelineAppliesNothingMoreAndLeavesNothingPending() {
    TimelinePlayer.Playing playing =
        scenario
            .player()
            .play(
                scheduler,
                e -> applied.add(at(e)),
                (t, e) -> {},
                (e, failure) -> {},
                ended::incrementAndGet);
    sim.runFor(Duration.ofMillis(1500));
    playing.stop();
    sim.runFor(Duration.ofSeconds(20));
    assertThat(applied).containsExactly("1000 checkpoint");
    assertThat(ended).as("its cancelled occurrences never came due").hasValue(0);
  }
}
