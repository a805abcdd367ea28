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

  /** A scheduler on an executor; the delay is rounded to nanoseconds. */
  static TickScheduler of(ScheduledExecutorService executor) {
    Objects.requireNonNull(executor, "executor");
    return (delay, task) -> {
      ScheduledFuture<?> future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      return () -> future.cancel(false);
    };
  }
}
