package io.github.vmbackdoor.hostsim.admin;

import com.google.common.base.Ticker;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.TimelinePlayer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scenario timelines the admin API plays ({@code POST /vms/{vm}/scenario}), each by the
 * scenario's {@link TimelinePlayer} as {@code serve --scenario} plays its own: lazily, one pending
 * occurrence per event, so that a week of 605 ms checkpoints costs what one does; each listed and
 * stoppable, and stopped by a reset of its VM.
 */
final class Timelines {

  private static final Logger logger = LoggerFactory.getLogger(AdminServer.class);

  /** Most timelines playing on one VM at once. */
  static final int MAX_PER_VM = 16;

  private final Ticker ticker;
  private final Scheduler scheduler;
  private final AtomicLong ids = new AtomicLong();
  private final Map<String, ConcurrentSkipListMap<Long, Played>> playing =
      new ConcurrentHashMap<>();

  /** A timeline being played on one VM. */
  final class Played {
    final long id;
    final ServedVm vm;
    final ServedVm.Life life;
    final Scenario scenario;
    final long start;
    final AtomicLong applied = new AtomicLong();
    private volatile TimelinePlayer.Playing player;
    private volatile boolean stopped;

    Played(long id, ServedVm vm, Scenario scenario) {
      this.id = id;
      this.vm = vm;
      this.life = vm.life();
      this.scenario = scenario;
      this.start = ticker.read();
    }

    Duration elapsed() {
      return Duration.ofNanos(ticker.read() - start);
    }

    Views.Timeline view() {
      return new Views.Timeline(
          id,
          scenario.name(),
          Durations.format(scenario.length()),
          Durations.format(elapsed()),
          applied.get());
    }

    /** Plays the timeline on the VM's host of the time it was asked for, from now. */
    private void play() {
      String by = "scenario " + scenario.name() + " (admin API)";
      player =
          scenario
              .player()
              .play(
                  (at, action) -> {
                    Duration delay = at.minus(elapsed());
                    return scheduler.schedule(delay.isNegative() ? Duration.ZERO : delay, action);
                  },
                  e -> vm.apply(life, List.of(e.event()), by),
                  (at, e) -> applied.incrementAndGet(),
                  (e, failure) -> {
                    logger.warn(
                        "scenario {} on VM {}: '{}' failed; the timeline stops: {}",
                        scenario.name(),
                        vm.name(),
                        e.action(),
                        failure.toString());
                    stop();
                  },
                  this::stop);
      if (stopped) {
        player.stop(); // stopped while it started
      }
    }

    void stop() {
      stopped = true;
      TimelinePlayer.Playing p = player;
      if (p != null) {
        p.stop();
      }
      Map<Long, Played> vmPlaying = playing.get(vm.name());
      if (vmPlaying != null) {
        vmPlaying.remove(id, this);
      }
    }
  }

  Timelines(Ticker ticker, Scheduler scheduler) {
    this.ticker = ticker;
    this.scheduler = scheduler;
  }

  /** Plays {@code scenario}'s timeline on {@code vm} from now. */
  Played play(ServedVm vm, Scenario scenario) {
    ConcurrentSkipListMap<Long, Played> vmPlaying =
        playing.computeIfAbsent(vm.name(), n -> new ConcurrentSkipListMap<>());
    Played p;
    synchronized (vmPlaying) {
      if (vmPlaying.size() >= MAX_PER_VM) {
        throw new AdminException(
            io.netty.handler.codec.http.HttpResponseStatus.TOO_MANY_REQUESTS,
            "VM "
                + vm.name()
                + " plays "
                + MAX_PER_VM
                + " timelines already; stop one (DELETE /vms/"
                + vm.name()
                + "/scenarios/ID)");
      }
      p = new Played(ids.incrementAndGet(), vm, scenario);
      vmPlaying.put(p.id, p);
    }
    p.play();
    return p;
  }

  /** The timelines playing on {@code vm}, oldest first. */
  List<Played> playing(ServedVm vm) {
    Map<Long, Played> vmPlaying = playing.get(vm.name());
    return vmPlaying == null ? List.of() : List.copyOf(vmPlaying.values());
  }

  /** Stops one timeline of {@code vm}; false when none has that id. */
  boolean stop(ServedVm vm, long id) {
    Map<Long, Played> vmPlaying = playing.get(vm.name());
    Played p = vmPlaying == null ? null : vmPlaying.get(id);
    if (p == null) {
      return false;
    }
    p.stop();
    return true;
  }

  /** Stops every timeline of {@code vm}; returns their ids. */
  List<Long> stopAll(ServedVm vm) {
    List<Long> ids = new ArrayList<>();
    for (Played p : playing(vm)) {
      p.stop();
      ids.add(p.id);
    }
    return ids;
  }
}
