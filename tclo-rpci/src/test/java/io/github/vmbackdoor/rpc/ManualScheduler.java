package io.github.vmbackdoor.rpc;

import java.time.Duration;
import java.util.Comparator;
import java.util.PriorityQueue;

/** A virtual-time {@link TickScheduler} for tests: tasks run when the test advances the clock. */
final class ManualScheduler implements TickScheduler {

  private static final class Task {
    final long at;
    final long seq;
    final Runnable runnable;
    boolean cancelled;

    Task(long at, long seq, Runnable runnable) {
      this.at = at;
      this.seq = seq;
      this.runnable = runnable;
    }
  }

  private final PriorityQueue<Task> queue =
      new PriorityQueue<>(Comparator.comparingLong((Task t) -> t.at).thenComparingLong(t -> t.seq));
  private long now;
  private long seq;
  int scheduled;

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    Task t = new Task(now + delay.toNanos(), seq++, task);
    queue.add(t);
    scheduled++;
    return () -> t.cancelled = true;
  }

  Duration now() {
    return Duration.ofNanos(now);
  }

  int pending() {
    return (int) queue.stream().filter(t -> !t.cancelled).count();
  }

  /** Runs every task due within {@code span}, in order, and leaves the clock at its end. */
  void advance(Duration span) {
    long end = now + span.toNanos();
    while (!queue.isEmpty() && queue.peek().at <= end) {
      Task t = queue.poll();
      now = t.at;
      if (!t.cancelled) {
        t.runnable.run();
      }
    }
    now = end;
  }
}
