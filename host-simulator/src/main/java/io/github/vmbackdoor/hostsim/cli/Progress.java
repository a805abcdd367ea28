package io.github.vmbackdoor.hostsim.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Progress lines on stderr for jobs that run longer than a couple of seconds of real time: quiet
 * for the first two seconds, then at most one line a second.
 */
final class Progress {

  private static final long QUIET_NANOS = 2_000_000_000L;
  private static final long EVERY_NANOS = 1_000_000_000L;

  private final PrintWriter err;
  private final LongSupplier nanoTime;
  private final long start;
  private long last;

  Progress(PrintWriter err, LongSupplier nanoTime) {
    this.err = err;
    this.nanoTime = nanoTime;
    this.start = nanoTime.getAsLong();
    this.last = start;
  }

  /** Reports that {@code what} has reached {@code reached} of {@code end} virtual time. */
  void update(String what, Duration reached, Duration end) {
    long now = nanoTime.getAsLong();
    if (now - start < QUIET_NANOS || now - last < EVERY_NANOS) {
      return;
    }
    last = now;
    err.println(
        String.format(
            java.util.Locale.ROOT,
            "%s: %s of %s virtual time (%.0f%%)",
            what,
            Report.time(reached),
            Report.time(end),
            100.0 * reached.toNanos() / end.toNanos()));
  }
}
