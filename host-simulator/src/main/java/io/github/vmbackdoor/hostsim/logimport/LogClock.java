package io.github.vmbackdoor.hostsim.logimport;

import java.time.Duration;
import java.util.List;

/**
 * When each vmt line of a log was printed, as far as the log can say, placed in the scenario's
 * virtual time relative to the first host event.
 *
 * <ul>
 *   <li>dmesg stamps ({@code [ 600.250040]}) are the kernel's own uptime: exact.
 *   <li>syslog stamps ({@code Nov 24 10:00:01}) are whole seconds taken when syslogd read the line,
 *       not when the kernel printed it. Lines that share a second may be many ticks apart, so equal
 *       seconds never mean zero distance: the lines of one second are spread evenly over it, in
 *       their order.
 *   <li>no stamps: one second per line, but the {@code vmware:} lines, which come in the same tick
 *       as the line after them.
 * </ul>
 */
final class LogClock {

  /** Where the first host event lands in virtual time: between two of vmt's guest-info ticks. */
  static final Duration FIRST_EVENT = Duration.ofMillis(605_500);

  /**
   * The farthest a line may be from the first host event: six days, so that the scenario, its tail
   * included, fits the seven days a scenario file may ask for.
   */
  static final Duration MAX_DISTANCE = Duration.ofDays(6);

  /** How a log says when its lines were printed. */
  enum Resolution {
    EXACT,
    WHOLE_SECONDS,
    LINE_ORDER
  }

  private final Resolution resolution;
  private final double[] seconds;
  private final int[] lineNumbers;
  private double origin = Double.NaN;

  LogClock(List<VmtLogLine> lines) {
    this.seconds = new double[lines.size()];
    this.lineNumbers = lines.stream().mapToInt(VmtLogLine::lineNumber).toArray();
    boolean stamped = !lines.isEmpty() && lines.stream().allMatch(l -> l.seconds().isPresent());
    boolean exact = stamped && lines.stream().allMatch(VmtLogLine::exactStamp);
    this.resolution =
        !stamped ? Resolution.LINE_ORDER : exact ? Resolution.EXACT : Resolution.WHOLE_SECONDS;
    int vmtLine = 0;
    for (int i = 0; i < lines.size(); i++) {
      VmtLogLine l = lines.get(i);
      switch (resolution) {
        case EXACT -> seconds[i] = l.seconds().getAsDouble();
        case WHOLE_SECONDS -> seconds[i] = spreadOverItsSecond(lines, i);
        case LINE_ORDER -> {
          if (l.message().prefix() != VmtMessage.Prefix.VMWARE) {
            vmtLine++;
          }
          seconds[i] = vmtLine;
        }
      }
    }
  }

  private static double spreadOverItsSecond(List<VmtLogLine> lines, int i) {
    double second = lines.get(i).seconds().getAsDouble();
    int first = i;
    while (first > 0 && lines.get(first - 1).seconds().getAsDouble() == second) {
      first--;
    }
    int last = i;
    while (last + 1 < lines.size() && lines.get(last + 1).seconds().getAsDouble() == second) {
      last++;
    }
    return second + (double) (i - first) / (last - first + 1);
  }

  Resolution resolution() {
    return resolution;
  }

  /** Seconds of line {@code i} on the log's own scale. */
  double seconds(int i) {
    return seconds[i];
  }

  /**
   * The virtual time of line {@code i}; the first line asked for becomes {@link #FIRST_EVENT}.
   *
   * @throws IllegalArgumentException naming the log line when it is more than {@link #MAX_DISTANCE}
   *     after the first
   */
  Duration time(int i) {
    if (Double.isNaN(origin)) {
      origin = seconds[i];
    }
    double rel = Math.max(0, seconds[i] - origin);
    if (!(rel <= MAX_DISTANCE.getSeconds())) {
      throw new IllegalArgumentException(
          "line "
              + lineNumbers[i]
              + ": stamped "
              + String.format(java.util.Locale.ROOT, "%.0f", rel)
              + " s after the first host event; a log may span at most "
              + io.github.vmbackdoor.hostsim.internal.Durations.format(MAX_DISTANCE)
              + " (the longest scenario, with its tail)");
    }
    return FIRST_EVENT.plusNanos(Math.round(rel * 1e9));
  }

  /** A sentence for the scenario's header. */
  String describe() {
    return switch (resolution) {
      case EXACT -> ".";
      case WHOLE_SECONDS ->
          " (syslog stamps are whole seconds taken by syslogd: the lines of one second are spread"
              + " evenly over it).";
      case LINE_ORDER -> " (the log has no time stamps: one second per line but the vmware: ones).";
    };
  }
}
