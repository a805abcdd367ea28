package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as scenario files write them: a number with a unit ({@code 250ms}, {@code 1.5s}, {@code
 * 10m}, {@code 1h}, {@code 2d}), several of them run together ({@code 1h30m}, {@code 10m5s}), or a
 * bare {@code 0}.
 */
final class Durations {

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");
  private static final long[] UNIT_NANOS = {
    86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L
  };
  private static final String[] UNITS = {"d", "h", "m", "s", "ms"};

  private Durations() {}

  /** Parses a duration; throws IllegalArgumentException with a readable message. */
  static Duration parse(String text) {
    Preconditions.checkArgument(!text.isEmpty(), "empty duration");
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(text);
    int at = 0;
    BigDecimal nanos = BigDecimal.ZERO;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException(
            "bad duration '"
                + text
                + "' (write a number and a unit: 250ms, 1.5s, 10m, 1h, 2d; or 1h30m)");
      }
      nanos =
          nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
      at = m.end();
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
  static String format(Duration d) {
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
