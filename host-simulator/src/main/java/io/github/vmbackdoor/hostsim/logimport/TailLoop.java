package io.github.vmbackdoor.hostsim.logimport;

import io.github.vmbackdoor.rpc.VmtMessage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The loop a log ends in: the group of up to eight vmt lines that repeats, unchanged (words,
 * registers, detail), at least twice up to the last line. A log that ends in a loop was cut while
 * the loop was still going, so the imported scenario keeps it going (one virtual hour by default).
 *
 * @param start the index of the loop's first line
 * @param period how many lines one repetition has
 * @param repetitions how many repetitions the log shows
 * @param cadence vmt's pace of the loop
 */
record TailLoop(int start, int period, int repetitions, Duration cadence) {

  /** vmt's delay after a TCLO failure. */
  static final Duration ERROR_CADENCE = Duration.ofSeconds(1);

  /** vmt's delay after a failed reopen. */
  static final Duration REOPEN_CADENCE = Duration.ofSeconds(15);

  private static final int MAX_PERIOD = 8;

  /** The index of the last line of the first repetition. */
  int firstRepetitionEnd() {
    return start + period - 1;
  }

  /** The loop's lines, as printed, one repetition. */
  List<String> texts(List<VmtLogLine> lines) {
    return lines.subList(start, start + period).stream().map(VmtLogLine::text).toList();
  }

  /** The loop the lines end in, if any. */
  static Optional<TailLoop> find(List<VmtLogLine> lines, LogClock clock) {
    int n = lines.size();
    int bestCoverage = 0;
    int period = 0;
    int repetitions = 0;
    for (int p = 1; p <= MAX_PERIOD && 2 * p <= n; p++) {
      int k = 1;
      while ((k + 1) * p <= n && sameBlock(lines, n - p, n - (k + 1) * p, p)) {
        k++;
      }
      if (k >= 2 && k * p > bestCoverage) {
        bestCoverage = k * p;
        period = p;
        repetitions = k;
      }
    }
    if (bestCoverage == 0) {
      return Optional.empty();
    }
    int start = n - bestCoverage;
    return Optional.of(
        new TailLoop(
            start, period, repetitions, cadence(lines, clock, start, period, repetitions)));
  }

  private static boolean sameBlock(List<VmtLogLine> lines, int a, int b, int p) {
    for (int j = 0; j < p; j++) {
      VmtLogLine x = lines.get(a + j);
      VmtLogLine y = lines.get(b + j);
      if (x.message() != y.message()
          || !x.registers().equals(y.registers())
          || !x.detail().equals(y.detail())) {
        return false;
      }
    }
    return true;
  }

  /**
   * 15 s for failed reopens; else the log's own pace in whole seconds when the log has stamps and
   * it is at least half a second; else vmt's one second.
   */
  private static Duration cadence(
      List<VmtLogLine> lines, LogClock clock, int start, int period, int repetitions) {
    for (int j = start; j < start + period; j++) {
      if (lines.get(j).message() == VmtMessage.REOPEN_FAILED) {
        return REOPEN_CADENCE;
      }
    }
    if (clock.resolution() != LogClock.Resolution.LINE_ORDER) {
      double first = clock.seconds(start);
      double last = clock.seconds(start + (repetitions - 1) * period);
      double pace = (last - first) / (repetitions - 1);
      if (pace >= 0.5) {
        return Duration.ofSeconds(Math.round(pace));
      }
    }
    return ERROR_CADENCE;
  }
}
