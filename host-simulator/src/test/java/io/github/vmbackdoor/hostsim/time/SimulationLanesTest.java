package io.github.vmbackdoor.hostsim.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Lanes: each VM's events run a window at a time, in its own time order, as if it ran alone. */
class SimulationLanesTest {

  private record Mark(String who, long atMillis) {}

  /** Schedules a tick every second in {@code lane} that records its lane's time. */
  private static void ticks(Simulation sim, Simulation.Lane lane, String who, List<Mark> marks) {
    lane.repeat(
        Duration.ofSeconds(1),
        () -> {
          marks.add(new Mark(who, sim.elapsed().toMillis()));
          return Duration.ofSeconds(1);
        });
  }

  @Test
  void eachLaneRunsAWindowAtATimeInItsOwnTime() {
    Simulation sim = Simulation.create(1);
    sim.laneWindow(Duration.ofSeconds(10));
    List<Mark> marks = new ArrayList<>();
    ticks(sim, sim.newLane(), "a", marks);
    ticks(sim, sim.newLane(), "b", marks);
    sim.schedule(
        Duration.ofMillis(15_500), () -> marks.add(new Mark("main", sim.elapsed().toMillis())));

    sim.runFor(Duration.ofSeconds(20));

    // Window [0 s, 10 s): a's ticks 1..9, then b's; window [10 s, 20 s): main first, then a, then
    // b.
    List<Mark> expected = new ArrayList<>();
    for (String who : List.of("a", "b")) {
      for (int s = 1; s <= 9; s++) {
        expected.add(new Mark(who, s * 1000L));
      }
    }
    expected.add(new Mark("main", 15_500));
    for (String who : List.of("a", "b")) {
      for (int s = 10; s <= 19; s++) {
        expected.add(new Mark(who, s * 1000L));
      }
    }
    expected.add(new Mark("a", 20_000));
    expected.add(new Mark("b", 20_000));
    assertThat(marks).containsExactlyElementsOf(expected);
    assertThat(sim.elapsed()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void aRunThatEndsInsideAWindowRunsEveryLaneUpToItsEndAndNoFurther() {
    Simulation sim = Simulation.create(1);
    sim.laneWindow(Duration.ofMinutes(1));
    List<Mark> marks = new ArrayList<>();
    ticks(sim, sim.newLane(), "a", marks);
    ticks(sim, sim.newLane(), "b", marks);

    sim.runFor(Duration.ofMillis(3500));
    assertThat(marks)
        .containsExactly(
            new Mark("a", 1000),
            new Mark("a", 2000),
            new Mark("a", 3000),
            new Mark("b", 1000),
            new Mark("b", 2000),
            new Mark("b", 3000));
    assertThat(sim.pendingEvents()).isEqualTo(2);
    assertThat(sim.elapsed()).isEqualTo(Duration.ofMillis(3500));

    marks.clear();
    sim.runFor(Duration.ofSeconds(1));
    assertThat(marks).containsExactly(new Mark("a", 4000), new Mark("b", 4000));
  }

  @Test
  void whatALaneEventSchedulesStaysInItsLaneAndALaneThatTakesTimeDelaysOnlyItself() {
    Simulation sim = Simulation.create(1);
    sim.laneWindow(Duration.ofSeconds(10));
    List<Mark> marks = new ArrayList<>();
    Simulation.Lane a = sim.newLane();
    Simulation.Lane b = sim.newLane();
    a.schedule(
        Duration.ofSeconds(1),
        () -> {
          sim.advance(Duration.ofSeconds(2)); // a call that takes two seconds
          sim.schedule(Duration.ZERO, () -> marks.add(new Mark("a-next", sim.nanos() / 1_000_000)));
        });
    a.schedule(Duration.ofSeconds(2), () -> marks.add(new Mark("a-late", sim.nanos() / 1_000_000)));
    b.schedule(Duration.ofSeconds(2), () -> marks.add(new Mark("b", sim.nanos() / 1_000_000)));

    sim.runFor(Duration.ofSeconds(5));

    // a's event due at 2 s runs late, at 3 s, after the two-second call; b is not delayed.
    assertThat(marks)
        .containsExactly(new Mark("a-late", 3000), new Mark("a-next", 3000), new Mark("b", 2000));
  }

  @Test
  void withoutLanesTheOrderIsDueTimeThenSchedulingOrder() {
    Simulation sim = Simulation.create(1);
    List<String> order = new ArrayList<>();
    sim.schedule(Duration.ofMinutes(2), () -> order.add("2min"));
    sim.schedule(Duration.ofSeconds(1), () -> order.add("1s-first"));
    sim.schedule(Duration.ofSeconds(1), () -> order.add("1s-second"));
    sim.schedule(Duration.ofSeconds(90), () -> order.add("90s"));
    sim.runFor(Duration.ofMinutes(3));
    assertThat(order).containsExactly("1s-first", "1s-second", "90s", "2min");
  }

  @Test
  void theWindowIsSetBeforeAnythingIsScheduledAndIsAtLeastAMillisecond() {
    Simulation sim = Simulation.create(1);
    assertThatThrownBy(() -> sim.laneWindow(Duration.ofNanos(999_999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lane window under 1 ms: PT0.000999999S");
    sim.schedule(Duration.ofSeconds(1), () -> {});
    assertThatThrownBy(() -> sim.laneWindow(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("set the lane window before scheduling events");
  }

  /** A fleet of real guests and hosts with random host events: one VM's own trace. */
  private static List<String> fleetTraces(boolean lanes, int vms, Duration span) {
    Simulation sim = Simulation.create(7);
    sim.laneWindow(Duration.ofSeconds(30));
    List<List<String>> traces = new ArrayList<>();
    SplittableRandom seeds = new SplittableRandom(11);
    for (int i = 0; i < vms; i++) {
      Simulation.Lane lane = lanes ? sim.newLane() : null;
      List<String> trace = new ArrayList<>();
      traces.add(trace);
      SplittableRandom random = seeds.split();
      VirtualHost host =
          VirtualHost.builder()
              .simulation(sim)
              .seed(random.nextLong())
              .callLogLimit(0)
              .historyLimit(0)
              .build();
      ToolsService service =
          ToolsService.builder(host.backdoor())
              .scheduler((delay, task) -> sim.schedule(delay, task)::cancel)
              .options(TcloOptions.defaults().withUptime(sim::elapsed))
              .listener(
                  new io.github.vmbackdoor.rpc.TcloListener() {
                    @Override
                    public void onEvent(TcloEvent event) {
                      if (event.type() != TcloEvent.Type.PING_SENT
                          && event.type() != TcloEvent.Type.POLLED) {
                        trace.add(sim.elapsed().toMillis() + " " + event.type());
                      }
                    }
                  })
              .build();
      Duration first = Duration.ofMillis(random.nextInt(1000));
      Runnable hostEvent =
          new Runnable() {
            @Override
            public void run() {
              switch (random.nextInt(3)) {
                case 0 -> host.hostReset();
                case 1 -> host.checkpoint();
                default ->
                    host.records()
                        .activeTcloChannel()
                        .ifPresent(id -> host.invalidateChannel(id, Invalidation.HOST_CLOSED));
              }
              trace.add(sim.elapsed().toMillis() + " host event");
              sim.schedule(Duration.ofSeconds(5 + random.nextInt(40)), this);
            }
          };
      if (lanes) {
        lane.schedule(first, service::start);
        lane.schedule(Duration.ofSeconds(3 + random.nextInt(20)), hostEvent);
      } else {
        sim.schedule(first, service::start);
        sim.schedule(Duration.ofSeconds(3 + random.nextInt(20)), hostEvent);
      }
    }
    sim.runFor(span);
    List<String> all = new ArrayList<>();
    for (int i = 0; i < vms; i++) {
      for (String line : traces.get(i)) {
        all.add("vm" + i + " " + line);
      }
    }
    return all;
  }

  @Test
  void everyVmOfAFleetDoesTheSameInLanesAsOnOneSharedTimeline() {
    List<String> shared = fleetTraces(false, 20, Duration.ofMinutes(5));
    List<String> laned = fleetTraces(true, 20, Duration.ofMinutes(5));
    assertThat(shared).hasSizeGreaterThan(20 * 5);
    assertThat(shared).anyMatch(line -> line.endsWith("RESETTING"));
    assertThat(laned).containsExactlyElementsOf(shared);
  }
}
