package io.github.vmbackdoor.rpc;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task once after a delay: the only notion of time {@link ToolsService} has. A real agent
 * adapts a {@link ScheduledExecutorService} with {@link #of(ScheduledExecutorService)}; a
 * virtual-time simulation implements it on its own event queue.
 */
@FunctionalInterface
public interface TickScheduler {

  /**
   * Schedules {@code task} to run once, {@code delay} from now.
   *
   * @return a handle to call the task off
   */
  Cancellable schedule(Duration delay, Runnable task);

  /**
   * Schedules {@code task} to run once more, {@code delay} from now, from within its own run, whose
   * handle {@code previous} is (a task rescheduling itself, as a guest's tick does; the caller
   * holds that handle and hands it to no one else). A scheduler may reuse the handle instead of
   * making one; the default schedules anew.
   *
   * @return a handle to call the task off, perhaps {@code previous} itself
   */
  default Cancellable reschedule(Cancellable previous, Duration delay, Runnable task) {
    return schedule(delay, task);
  }

  /** A scheduler on an executor; the delay is rounded to nanoseconds. */
  static TickScheduler of(ScheduledExecutorService executor) {
    Objects.requireNonNull(executor, "executor");
    return (delay, task) -> {
      ScheduledFuture<?> future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      return () -> future.cancel(false);
    };
  }
}
