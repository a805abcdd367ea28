package io.github.vmbackdoor.hostsim.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Sequence numbers run out of their bits after 2^38 events or more and are renumbered by rank (see
 * {@link EventKeys}): the order of events is the same as without renumbering, also while a run's
 * last window is set aside. And the keys hold the ends of virtual time in every window.
 */
class SimulationSequenceTest {

  /**
   * A fleet of lanes whose events tie on their due time (broken by the order they were scheduled
   * in), schedule more at the same time and later, some in later windows, with runs that end inside
   * a window (its events set aside and put back); what ran, in order, with its time.
   */
  private static List<String> trace(Long renumberAt, boolean lanes) {
    Simulation sim = Simulation.create(3);
    sim.laneWindow(Duration.ofSeconds(10));
    if (renumberAt != null) {
      sim.renumberAt(renumberAt);
    }
    List<String> ran = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(29);
    for (int v = 0; v < 12; v++) {
      Simulation.Lane lane = lanes ? sim.newLane() : null;
      String vm = "vm" + v;
      for (int k = 0; k < 3; k++) {
        String name = vm + "." + k;
        Runnable event =
            new Runnable() {
              int runs;

              @Override
              public void run() {
                ran.add(name + "#" + runs + "@" + sim.nanos());
                if (runs++ < 40) {
                  // Ties: the same due time as a sibling's; now and then a later window's.
                  long millis = 250L * random.nextInt(3);
                  if (random.nextInt(10) == 0) {
                    millis += 10_000L * (1 + random.nextInt(3));
                  }
                  sim.schedule(Duration.ofMillis(millis), this);
                }
              }
            };
        if (lanes) {
          lane.schedule(Duration.ofMillis(500), event);
        } else {
          sim.schedule(Duration.ofMillis(500), event);
        }
      }
    }
    // Runs that end inside windows, so their windows' later events are set aside.
    for (int i = 0; i < 40; i++) {
      sim.runFor(Duration.ofMillis(1_300 + 100L * (i % 7)));
    }
    sim.runFor(Duration.ofMinutes(10));
    ran.add("pending " + sim.pendingEvents() + " at " + sim.nanos());
    return ran;
  }

  @Test
  void renumberingSequenceNumbersKeepsTheOrderOfEvents() {
    for (boolean lanes : new boolean[] {true, false}) {
      List<String> unrenumbered = trace(null, lanes);
      assertThat(unrenumbered).hasSizeGreaterThan(12 * 3 * 40);
      // From renumbering at every event (36 are pending: at least as many as the limit) to seldom.
      for (long limit : new long[] {1, 36, 37, 40, 64, 101, 1000}) {
        assertThat(trace(limit, lanes))
            .as("lanes %s, renumbered at %s", lanes, limit)
            .containsExactlyElementsOf(unrenumbered);
      }
    }
  }

  @Test
  void renumberingInsideARunAlsoRenumbersTheEventsItSetAside() {
    Simulation sim = Simulation.create(1);
    sim.laneWindow(Duration.ofSeconds(10));
    sim.renumberAt(8);
    List<String> ran = new ArrayList<>();
    Simulation.Lane a = sim.newLane();
    Simulation.Lane b = sim.newLane();
    // Lane a's events after the run's end (2 s) are set aside before lane b runs; b then schedules
    // enough to renumber; a's set-aside events tie on their due time and keep their order.
    for (String name : List.of("a1", "a2", "a3")) {
      a.schedule(Duration.ofSeconds(3), () -> ran.add(name + "@" + sim.elapsed().toMillis()));
    }
    b.schedule(
        Duration.ofSeconds(1),
        () -> {
          for (int i = 0; i < 20; i++) {
            String name = "b" + i;
            sim.schedule(
                Duration.ofSeconds(2), () -> ran.add(name + "@" + sim.elapsed().toMillis()));
          }
        });
    sim.runFor(Duration.ofSeconds(2));
    assertThat(ran).isEmpty();
    assertThat(sim.pendingEvents()).isEqualTo(23);
    sim.runFor(Duration.ofSeconds(2));
    List<String> expected = new ArrayList<>(List.of("a1@3000", "a2@3000", "a3@3000"));
    for (int i = 0; i < 20; i++) {
      expected.add("b" + i + "@3000");
    }
    assertThat(ran).containsExactlyElementsOf(expected);
  }

  @Test
  void eventsAtTheEndOfVirtualTimeRunInWindowThenLaneOrderWithTheShortestWindow() {
    Simulation sim = Simulation.create(1);
    sim.laneWindow(Duration.ofMillis(1));
    Simulation.Lane first = sim.newLane();
    Simulation.Lane second = sim.newLane();
    // Past 2^39 windows of a millisecond (17 years): each window still runs apart.
    sim.advance(Duration.ofNanos(Long.MAX_VALUE - 3_000_000));
    long start = sim.nanos();
    List<String> ran = new ArrayList<>();
    first.schedule(Duration.ofNanos(3_000_000), () -> ran.add("first@end"));
    first.schedule(Duration.ofNanos(2_999_999), () -> ran.add("first@end-1"));
    second.schedule(Duration.ofNanos(3_000_000), () -> ran.add("second@end"));
    second.schedule(Duration.ofNanos(1_000_000), () -> ran.add("second@-2ms"));
    first.schedule(Duration.ofNanos(2_000_000), () -> ran.add("first@-1ms"));
    sim.runFor(Duration.ofDays(1));
    assertThat(start + 3_000_000).isEqualTo(Long.MAX_VALUE);
    // The last three milliseconds fall in windows 9223372036852, ...853 and ...854, the last cut
    // short by the end of virtual time; one window, with the first lane's events first, until the
    // keys were packed (windows past the 2^39th ran as one).
    assertThat(ran)
        .containsExactly("second@-2ms", "first@-1ms", "first@end-1", "first@end", "second@end");
    assertThat(sim.nanos()).isEqualTo(Long.MAX_VALUE);
  }
}
