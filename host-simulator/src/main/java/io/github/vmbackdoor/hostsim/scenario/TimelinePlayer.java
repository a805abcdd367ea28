package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Puts a scenario's timeline on a scheduler, for one host in virtual time or for many hosts from
 * one instant in real time. Each host keeps its own table of the faults the timeline installed by
 * name, so a {@code remove-fault} finds the fault its host was given.
 */
final class TimelinePlayer {

  private final List<ScenarioEvent> events;
  private final Duration length;

  TimelinePlayer(List<ScenarioEvent> events, Duration length) {
    this.events = events;
    this.length = length;
  }

  /** Every occurrence of every event before the end, scheduled on one host at once. */
  void scheduleAll(
      VirtualHost host,
      BiConsumer<Duration, Runnable> scheduler,
      BiConsumer<Duration, ScenarioEvent> ran) {
    Preconditions.checkNotNull(host, "host");
    Preconditions.checkNotNull(scheduler, "scheduler");
    Preconditions.checkNotNull(ran, "ran");
    Map<String, Fault> faults = new HashMap<>();
    for (ScenarioEvent e : events) {
      for (Duration t : e.occurrences(length)) {
        scheduler.accept(
            t,
            () -> {
              e.apply(host, faults);
              ran.accept(t, e);
            });
      }
    }
  }

  /** One pending occurrence per event, applied to every host; {@code ended} after the last. */
  void play(
      List<VirtualHost> hosts,
      BiConsumer<Duration, Runnable> scheduler,
      BiConsumer<Duration, ScenarioEvent> ran,
      Runnable ended) {
    Preconditions.checkNotNull(hosts, "hosts");
    Preconditions.checkNotNull(scheduler, "scheduler");
    Preconditions.checkNotNull(ended, "ended");
    List<Map<String, Fault>> faults = new ArrayList<>();
    hosts.forEach(h -> faults.add(new HashMap<>()));
    AtomicInteger running = new AtomicInteger(1);
    Runnable done =
        () -> {
          if (running.decrementAndGet() == 0) {
            ended.run();
          }
        };
    for (ScenarioEvent e : events) {
      Optional<Duration> first = e.first(length);
      if (first.isPresent()) {
        running.incrementAndGet();
        playFrom(e, first.get(), hosts, faults, scheduler, ran, done);
      }
    }
    done.run();
  }

  private void playFrom(
      ScenarioEvent e,
      Duration at,
      List<VirtualHost> hosts,
      List<Map<String, Fault>> faults,
      BiConsumer<Duration, Runnable> scheduler,
      BiConsumer<Duration, ScenarioEvent> ran,
      Runnable done) {
    scheduler.accept(
        at,
        () -> {
          for (int i = 0; i < hosts.size(); i++) {
            e.apply(hosts.get(i), faults.get(i));
          }
          ran.accept(at, e);
          Optional<Duration> next = e.after(at, length);
          if (next.isPresent()) {
            playFrom(e, next.get(), hosts, faults, scheduler, ran, done);
          } else {
            done.run();
          }
        });
  }
}
