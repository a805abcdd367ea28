package io.github.vmbackdoor.hostsim.time;

import java.time.Duration;
import java.util.function.Supplier;

/** A repetition of a {@link Simulation} ({@link Simulation#repeat}): a tick run until it stops. */
final class Repeating implements Runnable, Simulation.Scheduled {
  private final Simulation simulation;
  private final int lane;
  private final Supplier<Duration> tick;
  private volatile boolean cancelled;

  /** The event that runs the tick next; written under the simulation's lock. */
  Simulation.Scheduled current;

  Repeating(Simulation simulation, int lane, Supplier<Duration> tick) {
    this.simulation = simulation;
    this.lane = lane;
    this.tick = tick;
  }

  @Override
  public void run() {
    if (cancelled) {
      return;
    }
    Duration next = tick.get();
    if (next != null && !cancelled) {
      synchronized (simulation) {
        // The event that runs this is reused for the next run.
        current = simulation.rescheduleIn(lane, current, next, this);
      }
    }
  }

  @Override
  public void cancel() {
    cancelled = true;
    Simulation.Scheduled c = current;
    if (c != null) {
      c.cancel();
    }
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }
}
