package io.github.vmbackdoor.rpc;

import java.time.Duration;

/**
 * Drives a {@link TcloStateMachine} on a {@link TickScheduler}: the first tick at once, every tick
 * schedules the next after the delay it returned, until the machine stops or {@link #stop()}.
 *
 * <p>Thread-safe: ticks run under this runner's lock.
 */
final class TickRunner implements Runnable {

  private final TickScheduler scheduler;
  private final TcloStateMachine machine;

  private boolean running;
  private boolean started;
  private Cancellable next;

  TickRunner(TickScheduler scheduler, TcloStateMachine machine) {
    this.scheduler = scheduler;
    this.machine = machine;
  }

  synchronized void start() {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    running = true;
    next = scheduler.schedule(Duration.ZERO, this);
  }

  synchronized boolean isRunning() {
    return running;
  }

  /** Stops ticking and shuts the machine down; a second call does nothing. */
  synchronized void stop() {
    if (!started) {
      started = true;
      machine.shutdown();
      return;
    }
    if (!running && machine.health() == TcloHealth.STOPPED) {
      return;
    }
    running = false;
    if (next != null) {
      next.cancel();
      next = null;
    }
    machine.shutdown();
  }

  /** One tick; the runner schedules itself as the task, so no task object is made per tick. */
  @Override
  public synchronized void run() {
    if (!running) {
      return;
    }
    Duration delay = machine.tick();
    if (machine.health() == TcloHealth.STOPPED) {
      running = false;
      next = null;
      return;
    }
    // This run's handle is reused for the next where the scheduler can.
    next = next == null ? scheduler.schedule(delay, this) : scheduler.reschedule(next, delay, this);
  }
}
