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
}
