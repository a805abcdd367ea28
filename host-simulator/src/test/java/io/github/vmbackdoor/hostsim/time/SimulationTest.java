package io.github.vmbackdoor.hostsim.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulationTest {

  @Test
  void eventsRunInTimeOrderThenInTheOrderTheyWereScheduled() {
    Simulation sim = Simulation.create(1);
    List<String> order = new ArrayList<>();
    sim.schedule(Duration.ofSeconds(2), () -> order.add("b@2"));
    sim.schedule(Duration.ofSeconds(1), () -> order.add("a@1"));
    sim.schedule(Duration.ofSeconds(2), () -> order.add("c@2"));
    sim.schedule(
        Duration.ZERO,
        () -> {
          order.add("z@0");
          sim.schedule(Duration.ofSeconds(1), () -> order.add("d@1"));
        });
    assertThat(sim.runFor(Duration.ofSeconds(5))).isEqualTo(5);
    assertThat(order).containsExactly("z@0", "a@1", "d@1", "b@2", "c@2");
    assertThat(sim.elapsed()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void runForStopsAtTheEndOfTheSpanAndLeavesLaterEvents() {
    Simulation sim = Simulation.create(1);
    List<Duration> seen = new ArrayList<>();
    sim.schedule(Duration.ofMillis(1500), () -> seen.add(sim.elapsed()));
    sim.schedule(Duration.ofMillis(2500), () -> seen.add(sim.elapsed()));
    sim.runFor(Duration.ofSeconds(2));
    assertThat(seen).containsExactly(Duration.ofMillis(1500));
    assertThat(sim.elapsed()).isEqualTo(Duration.ofSeconds(2));
    assertThat(sim.pendingEvents()).isEqualTo(1);
    sim.runFor(Duration.ofSeconds(1));
    assertThat(seen).containsExactly(Duration.ofMillis(1500), Duration.ofMillis(2500));
  }

  @Test
  void clockAndTickerReadVirtualTime() {
    Instant start = Instant.parse("2030-05-06T07:08:09Z");
    Simulation sim = Simulation.create(1, start);
    sim.runFor(Duration.ofMillis(1234));
    assertThat(sim.clock().instant()).isEqualTo(start.plusMillis(1234));
    assertThat(sim.ticker().read()).isEqualTo(1_234_000_000L);
    sim.advance(Duration.ofSeconds(1));
    assertThat(sim.clock().millis()).isEqualTo(start.toEpochMilli() + 2234);
  }

  @Test
  void repeatDrivesATickUntilItReturnsNullOrIsCancelled() {
    Simulation sim = Simulation.create(1);
    List<Long> ticks = new ArrayList<>();
    sim.repeat(
        Duration.ZERO,
        () -> {
          ticks.add(sim.elapsed().toMillis());
          return ticks.size() < 4 ? Duration.ofMillis(ticks.size() * 10L) : null;
        });
    sim.runFor(Duration.ofSeconds(1));
    assertThat(ticks).containsExactly(0L, 10L, 30L, 60L);

    List<Long> other = new ArrayList<>();
    Simulation.Scheduled s =
        sim.repeat(
            Duration.ofMillis(100),
            () -> {
              other.add(sim.elapsed().toMillis());
              return Duration.ofMillis(100);
            });
    sim.runFor(Duration.ofMillis(350));
    s.cancel();
    sim.runFor(Duration.ofSeconds(1));
    assertThat(other).hasSize(3);
  }

  @Test
  void runUntilStopsWhenTheConditionHoldsOrTheLimitPasses() {
    Simulation sim = Simulation.create(1);
    int[] count = {0};
    sim.repeat(
        Duration.ofSeconds(1),
        () -> {
          count[0]++;
          return Duration.ofSeconds(1);
        });
    assertThat(sim.runUntil(() -> count[0] == 3, Duration.ofMinutes(1))).isTrue();
    assertThat(sim.elapsed()).isEqualTo(Duration.ofSeconds(3));
    assertThat(sim.runUntil(() -> count[0] == 100, Duration.ofSeconds(10))).isFalse();
    assertThat(sim.elapsed()).isEqualTo(Duration.ofSeconds(13));
  }

  @Test
  void theSeedFixesTheRandomSource() {
    long a = Simulation.create(99).random().nextLong();
    long b = Simulation.create(99).random().nextLong();
    long c = Simulation.create(100).random().nextLong();
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
  }

  /** An action that schedules itself again from its run through {@link Simulation#reschedule}. */
  private static final class SelfScheduling implements Runnable {
    final Simulation sim;
    final List<Simulation.Scheduled> handles = new ArrayList<>();
    final List<Duration> runs = new ArrayList<>();
    Simulation.Scheduled handle;

    SelfScheduling(Simulation sim) {
      this.sim = sim;
    }

    @Override
    public void run() {
      runs.add(sim.elapsed());
      handle = sim.reschedule(handle, Duration.ofSeconds(1), this);
      handles.add(handle);
    }
  }

  @Test
  void anActionReschedulingItselfFromItsRunKeepsOneHandle() {
    Simulation sim = Simulation.create(1);
    SelfScheduling tick = new SelfScheduling(sim);
    tick.handle = sim.schedule(Duration.ofSeconds(1), tick);
    Simulation.Scheduled first = tick.handle;
    sim.runFor(Duration.ofMillis(3500));
    assertThat(tick.runs)
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3));
    assertThat(tick.handles).allSatisfy(h -> assertThat(h).isSameAs(first));
    assertThat(sim.pendingEvents()).isEqualTo(1);
    // The one handle still calls the next run off.
    first.cancel();
    sim.runFor(Duration.ofSeconds(3));
    assertThat(tick.runs).hasSize(3);
  }

  @Test
  void aHandleThatIsNotRunningIsNotReused() {
    Simulation sim = Simulation.create(1);
    List<String> ran = new ArrayList<>();
    Runnable action = () -> ran.add("a@" + sim.elapsed().toSeconds());
    Simulation.Scheduled queued = sim.schedule(Duration.ofSeconds(1), action);
    // Rescheduling from outside its run: a second event, the first left as it is.
    Simulation.Scheduled second = sim.reschedule(queued, Duration.ofSeconds(2), action);
    assertThat(second).isNotSameAs(queued);
    Simulation.Scheduled cancelled = sim.schedule(Duration.ofSeconds(3), action);
    cancelled.cancel();
    assertThat(sim.reschedule(cancelled, Duration.ofSeconds(4), action)).isNotSameAs(cancelled);
    sim.runFor(Duration.ofSeconds(5));
    assertThat(ran).containsExactly("a@1", "a@2", "a@4");
  }
}
