package io.github.vmbackdoor.rpc;

import java.time.Duration;

/**
 * Drives a {@link TcloStateMachine} on a {@link TickScheduler}: the first tick at once, every tick
 * schedules the next after the delay it returned, until the machine stops or {@link #stop()}.
 *
 * <p>Thread-safe: ticks run under this runner's lock.
 */
final class TickRunner implements Runnable {

  /** The state before {@link #start()}. */
  private static final Cancellable NOT_STARTED = () -> {};

  /** The state once stopped, by {@link #stop()} or by the machine: no tick comes again. */
  private static final Cancellable STOPPED = () -> {};

  private final TickScheduler scheduler;
  private final TcloStateMachine machine;

  // The runner's state in one field (a fleet has a runner per VM): NOT_STARTED, STOPPED, or
  // running with the next tick's handle (null until the scheduler has given one).
  private Cancellable next = NOT_STARTED;

  TickRunner(TickScheduler scheduler, TcloStateMachine machine) {
    this.scheduler = scheduler;
    this.machine = machine;
  }

  synchronized void start() {
    if (next != NOT_STARTED) {
      throw new IllegalStateException("already started");
    }
    next = null;
    next = scheduler.schedule(Duration.ZERO, this);
  }

  synchronized boolean isRunning() {
    return running();
  }

  private boolean running() {
    return next != NOT_STARTED && next != STOPPED;
  }

  /** Stops ticking and shuts the machine down; a second call does nothing. */
  synchronized void stop() {
    if (next == STOPPED && machine.health() == TcloHealth.STOPPED) {
      return;
    }
    Cancellable pending = next;
    next = STOPPED;
    if (pending != null) {
      pending.cancel();
    }
    machine.shutdown();
  }

  /** One tick; the runner schedules itself as the task, so no task object is made per tick. */
  @Override
  public synchronized void run() {
    if (!running()) {
      return;
    }
    Duration delay = machine.tick();
    if (next == STOPPED || machine.health() == TcloHealth.STOPPED) {
      next = STOPPED;
      return;
    }
    // This run's handle is reused for the next where the scheduler can.
    next = next == null ? scheduler.schedule(delay, this) : scheduler.reschedule(next, delay, this);
  }
}
