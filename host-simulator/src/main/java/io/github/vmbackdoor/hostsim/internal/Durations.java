package io.github.vmbackdoor.hostsim.internal;

import com.google.common.base.Preconditions;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar of the simulator: scenario files, vm-config files and command-line
 * options all read durations here. A duration is a number with a unit ({@code 250ms}, {@code 1.5s},
 * {@code 10m}, {@code 1h}, {@code 2d}; also {@code us} and {@code ns}), several of them run
 * together ({@code 1h30m}, {@code 10m5s}), a bare {@code 0}, or ISO-8601 as {@link Duration#parse}
 * reads it ({@code PT30S}, {@code PT1H30M}). Durations are never negative and at most {@link
 * Long#MAX_VALUE} nanoseconds (about 292 years), to the nanosecond; anything else is refused with a
 * one-line message.
 */
public final class Durations {

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h|d)");
  private static final long[] UNIT_NANOS = {
    86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L
  };
  private static final String[] UNITS = {"d", "h", "m", "s", "ms", "us", "ns"};
  private static final String FORMS =
      "write a number and a unit: 250ms, 1.5s, 10m, 1h, 2d; 1h30m;" + " or ISO-8601 such as PT30S";

  private Durations() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException with a one-line message naming the text
   */
  public static Duration parse(String text) {
    Preconditions.checkArgument(!text.isEmpty(), "empty duration");
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    if (text.toUpperCase(Locale.ROOT).startsWith("P")) {
      return iso(text);
    }
    Matcher m = PART.matcher(text);
    int at = 0;
    BigDecimal nanos = BigDecimal.ZERO;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException(
            "bad duration '" + Printable.of(text) + "' (" + FORMS + ")");
      }
      nanos =
          nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
      at = m.end();
    }
    return ofNanos(text, nanos);
  }

  private static Duration iso(String text) {
    Duration d;
    try {
      d = Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "bad duration '" + Printable.of(text) + "' (" + FORMS + ")", e);
    }
    if (d.isNegative()) {
      throw new IllegalArgumentException("negative duration '" + text + "'");
    }
    return ofNanos(
        text,
        BigDecimal.valueOf(d.getSeconds())
            .scaleByPowerOfTen(9)
            .add(BigDecimal.valueOf(d.getNano())));
  }

  private static Duration ofNanos(String text, BigDecimal nanos) {
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException(
          "duration '" + Printable.of(text) + "' is too long (at most about 292 years)");
    }
    if (nanos.stripTrailingZeros().scale() > 0) {
      throw new IllegalArgumentException("duration '" + text + "' is finer than a nanosecond");
    }
    return Duration.ofNanos(nanos.longValueExact());
  }

  private static long unitNanos(String unit) {
    for (int i = 0; i < UNITS.length; i++) {
      if (UNITS[i].equals(unit)) {
        return UNIT_NANOS[i];
      }
    }
    throw new IllegalArgumentException("bad unit " + unit);
  }

  /** Formats a duration so that {@link #parse} gives it back: {@code 1h30m}, {@code 1.5s}. */
  public static String format(Duration d) {
    Preconditions.checkArgument(!d.isNegative(), "negative duration %s", d);
    long nanos = d.toNanos();
    if (nanos == 0) {
      return "0";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      long n = nanos / UNIT_NANOS[i];
      if (n > 0) {
        b.append(n).append(UNITS[i]);
        nanos -= n * UNIT_NANOS[i];
      }
    }
    if (nanos > 0) {
      if (nanos % 1_000_000L == 0 && nanos < 1_000_000_000L) {
        b.append(nanos / 1_000_000L).append("ms");
      } else {
        b.append(BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString()).append('s');
      }
    }
    return b.toString();
  }
}
