package io.github.vmbackdoor.hostsim.report;

import com.google.common.base.Preconditions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Virtual time to x: the stretch of a run from {@code from} to {@code to} drawn linearly from
 * {@code x0} over {@code width} pixels, with ticks at a round step chosen from its length. The
 * whole run is the stretch from zero to its end; a zoomed axis is a shorter stretch.
 */
record TimeScale(Duration from, Duration to, double x0, double width) {

  /** At most this many steps between ticks. */
  private static final int MAX_STEPS = 8;

  /** Round tick steps, in milliseconds, smallest first. */
  private static final long[] STEPS_MS = {
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    15_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    900_000,
    1_800_000,
    3_600_000,
    7_200_000,
    10_800_000,
    21_600_000,
    43_200_000,
    86_400_000
  };

  TimeScale {
    Preconditions.checkArgument(from.compareTo(Duration.ZERO) >= 0, "negative start");
    Preconditions.checkArgument(to.compareTo(from) > 0, "empty stretch");
    Preconditions.checkArgument(width > 0, "no width");
  }

  /** The whole of a run of {@code length}. */
  TimeScale(Duration length, double x0, double width) {
    this(Duration.ZERO, length, x0, width);
  }

  /** How long the stretch drawn is. */
  Duration length() {
    return to.minus(from);
  }

  /** The x of virtual time {@code t}, clamped to the stretch. */
  double x(Duration t) {
    double f = (double) t.minus(from).toNanos() / length().toNanos();
    return x0 + width * Math.max(0, Math.min(1, f));
  }

  /** Whether {@code t} is in the stretch drawn, its ends included. */
  boolean contains(Duration t) {
    return t.compareTo(from) >= 0 && t.compareTo(to) <= 0;
  }

  /** The right end of the axis. */
  double end() {
    return x0 + width;
  }

  /** How much virtual time {@code pixels} pixels span. */
  Duration timeOf(double pixels) {
    return Duration.ofNanos(Math.round(length().toNanos() * pixels / width));
  }

  /** The tick step: the smallest round step that gives at most {@value #MAX_STEPS} steps. */
  Duration step() {
    long ms = Math.max(1, length().toMillis());
    for (long s : STEPS_MS) {
      if (ms / s <= MAX_STEPS) {
        return Duration.ofMillis(s);
      }
    }
    long days = (ms / STEPS_MS[STEPS_MS.length - 1] + MAX_STEPS - 1) / MAX_STEPS;
    return Duration.ofDays(days);
  }

  /**
   * The ticks in the stretch: every multiple of {@link #step()} from {@code from} to {@code to}.
   */
  List<Duration> ticks() {
    List<Duration> ticks = new ArrayList<>();
    Duration step = step();
    long first = (from.toNanos() + step.toNanos() - 1) / step.toNanos();
    for (Duration t = step.multipliedBy(first); t.compareTo(to) <= 0; t = t.plus(step)) {
      ticks.add(t);
    }
    return ticks;
  }

  /**
   * A virtual time or a span, short: {@code 0s}, {@code 250ms}, {@code 1.5s}, {@code 10m}, {@code
   * 1h30m}, {@code 59m59s}.
   */
  static String label(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0s";
    }
    if (ms < 1000) {
      return ms + "ms";
    }
    StringBuilder b = new StringBuilder();
    long h = ms / 3_600_000;
    long m = ms / 60_000 % 60;
    long s = ms / 1000 % 60;
    long frac = ms % 1000;
    if (h > 0) {
      b.append(h).append('h');
    }
    if (m > 0) {
      b.append(m).append('m');
    }
    if (frac > 0) {
      b.append(String.format(Locale.ROOT, "%d.%03d", s, frac).replaceAll("0+$", "")).append('s');
    } else if (s > 0) {
      b.append(s).append('s');
    }
    return b.toString();
  }
}
