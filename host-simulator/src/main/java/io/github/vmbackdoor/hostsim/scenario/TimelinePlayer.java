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
import java.util.function.Consumer;

/**
 * Puts a scenario's timeline on a scheduler ({@link Scenario#player()}): every occurrence at once
 * for one host in virtual time, or lazily, one pending occurrence per event, for many hosts from
 * one instant in real time ({@code serve --scenario}) or for one served VM until stopped (the admin
 * API's {@code POST /vms/{vm}/scenario}). Each host keeps its own table of the faults the timeline
 * installed by name, so a {@code remove-fault} finds the fault its host was given.
 */
public final class TimelinePlayer {

  /** Runs an action at a time since the timeline's start; returns what cancels it. */
  @FunctionalInterface
  public interface Scheduler {
    Runnable schedule(Duration at, Runnable action);
  }

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

  /**
   * One pending occurrence per event, applied to every host; {@code ended} after the last. An
   * occurrence that throws ends its event's repetitions, and the timeline never ends.
   */
  void play(
      List<VirtualHost> hosts,
      BiConsumer<Duration, Runnable> scheduler,
      BiConsumer<Duration, ScenarioEvent> ran,
      Runnable ended) {
    Preconditions.checkNotNull(hosts, "hosts");
    Preconditions.checkNotNull(scheduler, "scheduler");
    List<Map<String, Fault>> faults = new ArrayList<>();
    hosts.forEach(h -> faults.add(new HashMap<>()));
    play(
        (at, action) -> {
          scheduler.accept(at, action);
          return () -> {};
        },
        e -> {
          for (int i = 0; i < hosts.size(); i++) {
            e.apply(hosts.get(i), faults.get(i));
          }
        },
        ran,
        (e, failure) -> {
          throw failure;
        },
        ended);
  }

  /**
   * Plays the timeline lazily: each event has at most one occurrence pending at a time (the next is
   * scheduled when one fires, so an event {@code every 1ms} costs as little as one that happens
   * once). For each occurrence, {@code apply} does the event, then {@code ran} is told the time it
   * was scheduled for. When {@code apply} throws, {@code failed} is told; unless it throws in turn,
   * the timeline stops. {@code ended} runs once, after the last occurrence (at once when there is
   * none); a stopped timeline ends when a pending occurrence its scheduler did not cancel comes
   * due.
   *
   * @return the timeline playing, to stop it
   */
  public Playing play(
      Scheduler scheduler,
      Consumer<ScenarioEvent> apply,
      BiConsumer<Duration, ScenarioEvent> ran,
      BiConsumer<ScenarioEvent, RuntimeException> failed,
      Runnable ended) {
    Preconditions.checkNotNull(scheduler, "scheduler");
    Preconditions.checkNotNull(apply, "apply");
    Preconditions.checkNotNull(ran, "ran");
    Preconditions.checkNotNull(failed, "failed");
    Preconditions.checkNotNull(ended, "ended");
    Playing p = new Playing(scheduler, apply, ran, failed, ended);
    for (int i = 0; i < events.size(); i++) {
      Optional<Duration> first = events.get(i).first(length);
      if (first.isPresent()) {
        p.running.incrementAndGet();
        p.next(i, first.get());
      }
    }
    p.eventDone();
    return p;
  }

  /**
   * A timeline being played ({@link #play(Scheduler, Consumer, BiConsumer, BiConsumer, Runnable)}).
   */
  public final class Playing {
    private final Scheduler scheduler;
    private final Consumer<ScenarioEvent> apply;
    private final BiConsumer<Duration, ScenarioEvent> ran;
    private final BiConsumer<ScenarioEvent, RuntimeException> failed;
    private final Runnable ended;
    private final AtomicInteger running = new AtomicInteger(1);
    private final Runnable[] cancels = new Runnable[events.size()];
    private volatile boolean stopped;

    private Playing(
        Scheduler scheduler,
        Consumer<ScenarioEvent> apply,
        BiConsumer<Duration, ScenarioEvent> ran,
        BiConsumer<ScenarioEvent, RuntimeException> failed,
        Runnable ended) {
      this.scheduler = scheduler;
      this.apply = apply;
      this.ran = ran;
      this.failed = failed;
      this.ended = ended;
    }

    private void next(int index, Duration at) {
      ScenarioEvent e = events.get(index);
      Runnable cancel =
          scheduler.schedule(
              at,
              () -> {
                if (stopped) {
                  eventDone();
                  return;
                }
                try {
                  apply.accept(e);
                } catch (RuntimeException failure) {
                  failed.accept(e, failure);
                  stop();
                  eventDone();
                  return;
                }
                ran.accept(at, e);
                Optional<Duration> after = e.after(at, length);
                if (after.isPresent() && !stopped) {
                  next(index, after.get());
                } else {
                  eventDone();
                }
              });
      synchronized (cancels) {
        cancels[index] = cancel;
      }
      if (stopped) {
        cancel.run();
      }
    }

    private void eventDone() {
      if (running.decrementAndGet() == 0) {
        stop();
        ended.run();
      }
    }

    /** Stops the timeline: no further occurrence is applied, and the pending ones are cancelled. */
    public void stop() {
      stopped = true;
      synchronized (cancels) {
        for (Runnable c : cancels) {
          if (c != null) {
            c.run();
          }
        }
      }
    }

    /** Whether it was stopped or has ended. */
    public boolean isStopped() {
      return stopped;
    }
  }
}
