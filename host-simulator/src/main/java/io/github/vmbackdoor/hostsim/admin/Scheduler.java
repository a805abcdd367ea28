package io.github.vmbackdoor.hostsim.admin;

import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * Runs an action after a delay; returns what cancels it (which may do nothing: a stopped timeline's
 * actions also check that it was stopped).
 */
@FunctionalInterface
interface Scheduler {
  Runnable schedule(Duration delay, Runnable action);

  static Scheduler of(BiConsumer<Duration, Runnable> scheduler) {
    return (delay, action) -> {
      scheduler.accept(delay, action);
      return () -> {};
    };
  }
}
