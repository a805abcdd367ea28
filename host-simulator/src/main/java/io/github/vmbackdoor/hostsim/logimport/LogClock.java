package io.github.vmbackdoor.hostsim.logimport;

import io.github.vmbackdoor.rpc.VmtMessage;
import java.math.BigDecimal;
import java.math.RoundingMode;
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
 *
 * <p>A guest-info RPCI can fail only when the machine's guest-info tick runs: every 15 s from
 * attach on a timer of its own (OpenBSD), or at the first TCLO tick at or after each 15 s, counted
 * from the first TCLO tick one second after attach (the NetBSD machines). When a log has a
 * guest-info failure, the whole log is moved by whole seconds (so its place between two TCLO ticks
 * stays) until the first one falls in the second before a point of that grid: the fault is then in
 * place when the guest-info tick runs.
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

  /**
   * When each line was printed on the log's own scale, in nanoseconds: exact, as the log wrote it
   * (a stamp of microseconds is a whole number of them), so that the virtual times taken from it
   * are the log's differences and no rounding of a binary fraction.
   */
  private final long[] nanos;

  private final int[] lineNumbers;
  private long origin = -1;

  /** The guest-info grid of the flavor, or null when the log is not to be moved onto one. */
  private final Duration grid;

  /** Where the grid starts: its points are {@code phase + k * grid}. */
  private final Duration phase;

  /** The first RPCI failure that a guest-info failure line follows, or -1. */
  private final int guestInfoFailure;

  /** Where the first host event lands: {@link #FIRST_EVENT}, moved onto the grid when needed. */
  private Duration firstEvent = FIRST_EVENT;

  LogClock(List<VmtLogLine> lines) {
    this(lines, null, Duration.ZERO);
  }

  /**
   * @param grid the interval of the flavor's guest-info tick, or null
   * @param phase the first point of the grid (attach is time 0)
   */
  LogClock(List<VmtLogLine> lines, Duration grid, Duration phase) {
    this.grid = grid;
    this.phase = phase;
    this.guestInfoFailure = grid == null ? -1 : firstGuestInfoFailure(lines);
    this.nanos = new long[lines.size()];
    this.lineNumbers = lines.stream().mapToInt(VmtLogLine::lineNumber).toArray();
    boolean stamped = !lines.isEmpty() && lines.stream().allMatch(l -> l.seconds().isPresent());
    boolean exact = stamped && lines.stream().allMatch(VmtLogLine::exactStamp);
    this.resolution =
        !stamped ? Resolution.LINE_ORDER : exact ? Resolution.EXACT : Resolution.WHOLE_SECONDS;
    int vmtLine = 0;
    for (int i = 0; i < lines.size(); i++) {
      VmtLogLine l = lines.get(i);
      switch (resolution) {
        case EXACT -> nanos[i] = exactNanos(l.seconds().getAsDouble());
        case WHOLE_SECONDS -> nanos[i] = spreadOverItsSecond(lines, i);
        case LINE_ORDER -> {
          if (l.message().prefix() != VmtMessage.Prefix.VMWARE) {
            vmtLine++;
          }
          nanos[i] = vmtLine * NANOS_PER_SECOND;
        }
      }
    }
  }

  /** The first RPCI failure line whose next device line is a guest-info failure, or -1. */
  private static int firstGuestInfoFailure(List<VmtLogLine> lines) {
    for (int i = 0; i < lines.size(); i++) {
      VmtMessage m = lines.get(i).message();
      if (m != VmtMessage.RPCI_OPEN_FAILED
          && m != VmtMessage.RPCI_SEND_FAILED
          && m != VmtMessage.RPCI_GET_LENGTH_FAILED
          && m != VmtMessage.RPCI_GET_DATA_FAILED) {
        continue;
      }
      for (int j = i + 1; j < lines.size(); j++) {
        VmtMessage next = lines.get(j).message();
        if (next.prefix() == VmtMessage.Prefix.VMWARE) {
          continue;
        }
        if (next == VmtMessage.RPCI_CLOSE_FAILED) {
          continue;
        }
        if (GUEST_INFO.contains(next)) {
          return i;
        }
        break;
      }
    }
    return -1;
  }

  private static final java.util.Set<VmtMessage> GUEST_INFO =
      java.util.EnumSet.of(
          VmtMessage.UPTIME_FAILED,
          VmtMessage.HOSTNAME_FAILED,
          VmtMessage.FULL_OS_FAILED,
          VmtMessage.OS_FAILED,
          VmtMessage.NIC_INFO_FAILED);

  /**
   * Whole seconds that put {@code t} in the second before the nearest point of the grid: {@code t}
   * plus them lies in [G - 1 s, G) for a multiple G of the grid.
   */
  static long secondsOntoGrid(double t, Duration grid) {
    return secondsOntoGrid(t, grid, Duration.ZERO);
  }

  /** As {@link #secondsOntoGrid(double, Duration)} for the grid {@code phase + k * grid}. */
  static long secondsOntoGrid(double t, Duration grid, Duration phase) {
    long g = grid.getSeconds();
    long p = phase.getSeconds();
    long f = (long) Math.floor(t);
    long k = Math.max(1, Math.round((f + 1 - p) / (double) g));
    return p + k * g - 1 - f;
  }

  /** Where the first host event landed (after {@link #time} was first asked). */
  Duration firstEvent() {
    return firstEvent;
  }

  /** How far the log was moved onto the guest-info grid, in whole seconds (0 when not). */
  long gridShift() {
    return firstEvent.minus(FIRST_EVENT).getSeconds();
  }

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /**
   * A stamp's seconds in nanoseconds, as written: the stamp was read as the double nearest its
   * decimal text, and the shortest decimal that reads back as that double is the text (a dmesg
   * stamp has at most nine decimals).
   */
  static long exactNanos(double seconds) {
    BigDecimal nanos =
        new BigDecimal(Double.toString(seconds))
            .movePointRight(9)
            .setScale(0, RoundingMode.HALF_EVEN);
    // A stamp past what a long holds is far beyond MAX_DISTANCE, which time() reports by its line.
    return nanos.compareTo(BigDecimal.valueOf(NANOS_BEYOND)) > 0 ? NANOS_BEYOND : nanos.longValue();
  }

  /** Nanoseconds past every stamp a log may have: beyond any line's {@link #MAX_DISTANCE}. */
  private static final long NANOS_BEYOND = Long.MAX_VALUE / 4;

  /**
   * The lines of one syslog second spread evenly over it, in whole milliseconds (the third of three
   * lines at 666 ms, not at a third of a second no duration can hold).
   */
  private static long spreadOverItsSecond(List<VmtLogLine> lines, int i) {
    double second = lines.get(i).seconds().getAsDouble();
    int first = i;
    while (first > 0 && lines.get(first - 1).seconds().getAsDouble() == second) {
      first--;
    }
    int last = i;
    while (last + 1 < lines.size() && lines.get(last + 1).seconds().getAsDouble() == second) {
      last++;
    }
    long millis = 1000L * (i - first) / (last - first + 1);
    return exactNanos(second) + millis * 1_000_000L;
  }

  Resolution resolution() {
    return resolution;
  }

  /** Seconds of line {@code i} on the log's own scale. */
  double seconds(int i) {
    return nanos[i] / 1e9;
  }

  /**
   * The virtual time of line {@code i}; the first line asked for becomes {@link #FIRST_EVENT}.
   *
   * @throws IllegalArgumentException naming the log line when it is more than {@link #MAX_DISTANCE}
   *     after the first
   */
  Duration time(int i) {
    if (origin < 0) {
      origin = nanos[i];
      if (guestInfoFailure >= 0) {
        long t = FIRST_EVENT.toNanos() + Math.max(0, nanos[guestInfoFailure] - origin);
        firstEvent = FIRST_EVENT.plusSeconds(secondsOntoGrid(t / 1e9, grid, phase));
      }
    }
    long rel = Math.max(0, nanos[i] - origin);
    if (rel > MAX_DISTANCE.toNanos()) {
      throw new IllegalArgumentException(
          "line "
              + lineNumbers[i]
              + ": stamped "
              + String.format(java.util.Locale.ROOT, "%.0f", rel / 1e9)
              + " s after the first host event; a log may span at most "
              + io.github.vmbackdoor.hostsim.internal.Durations.format(MAX_DISTANCE)
              + " (the longest scenario, with its tail)");
    }
    return firstEvent.plusNanos(rel);
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
