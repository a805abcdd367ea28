package io.github.vmbackdoor.hostsim.time;

/**
 * One scheduled action of a {@link Simulation}; its due time, sequence number and lane are kept by
 * the {@link Agenda}, and whether it runs now by the simulation. One field, so 16 bytes: a pending
 * tick per VM.
 */
final class Event implements Simulation.Scheduled {

  /** The action of a cancelled event. */
  static final Runnable CANCELLED = () -> {};

  /** The action, or {@link #CANCELLED}: cancelled from any thread, read by the loop's. */
  volatile Runnable action;

  Event(Runnable action) {
    this.action = action;
  }

  @Override
  public void cancel() {
    action = CANCELLED;
  }

  @Override
  public boolean isCancelled() {
    return action == CANCELLED;
  }
}
