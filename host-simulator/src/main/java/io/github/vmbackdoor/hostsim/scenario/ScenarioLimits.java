package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.hostsim.fault.FaultAction;
import io.github.vmbackdoor.hostsim.internal.Durations;
import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;

/**
 * How much a scenario may ask for: its run length, the events its timeline fires per second of
 * virtual time and in all, and a fault's delay. A file over a limit is refused when it is read,
 * before any work starts, with a line naming the limit ({@link ScenarioLimitException}). The
 * command line raises them with {@code --allow-large} ({@link #NONE}).
 *
 * @param length the longest run
 * @param eventsPerSecond the most timeline events per second of virtual time, all entries together
 * @param events the most timeline events in a run, all entries together
 * @param faultDelay the longest delay a fault may add to a call
 */
public record ScenarioLimits(
    Duration length, long eventsPerSecond, long events, Duration faultDelay) {

  /**
   * The limits files are read with: 7 days (as {@code replay --hours}), 1,000 events a second,
   * 1,000,000 events, 1 hour.
   */
  public static final ScenarioLimits DEFAULTS =
      new ScenarioLimits(Duration.ofDays(7), 1_000, 1_000_000, Duration.ofHours(1));

  /** No limits beyond what virtual time can hold. */
  public static final ScenarioLimits NONE =
      new ScenarioLimits(
          Duration.ofNanos(Long.MAX_VALUE),
          Long.MAX_VALUE,
          Long.MAX_VALUE,
          Duration.ofNanos(Long.MAX_VALUE));

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /**
   * What one timeline event may cost a run in memory, at most: its occurrence scheduled, and the
   * log lines and events it makes the guest report. The bound {@link #large} keeps.
   */
  public static final long BYTES_PER_EVENT = 1024;

  /**
   * The limits the command line reads with under {@code --allow-large}: none on run length, rate
   * and fault delay, but a run never fires more events than a heap of {@code heapBytes} holds
   * ({@link #BYTES_PER_EVENT} each; at least {@code usual}'s), so that it ends with a one-line
   * refusal up front rather than an {@code OutOfMemoryError} later. A {@code usual} without a bound
   * on events (serve arms one occurrence at a time) keeps none.
   */
  public static ScenarioLimits large(ScenarioLimits usual, long heapBytes) {
    long events =
        usual.events() == Long.MAX_VALUE
            ? Long.MAX_VALUE
            : Math.max(usual.events(), heapBytes / BYTES_PER_EVENT);
    return new ScenarioLimits(NONE.length(), NONE.eventsPerSecond(), events, NONE.faultDelay());
  }

  /** Checks that every limit is positive. */
  public ScenarioLimits {
    Preconditions.checkArgument(length.compareTo(Duration.ZERO) > 0, "length");
    Preconditions.checkArgument(eventsPerSecond > 0, "eventsPerSecond");
    Preconditions.checkArgument(events > 0, "events");
    Preconditions.checkArgument(!faultDelay.isNegative(), "faultDelay");
  }

  /**
   * Checks {@code scenario}; errors name the timeline entry in time order (1-based).
   *
   * @throws ScenarioLimitException when it asks for more than these limits
   */
  public void check(Scenario scenario) {
    check(
        scenario,
        i -> "timeline entry " + (i + 1) + " (" + scenario.events().get(i) + ")",
        -1,
        scenario.events(),
        i -> 0);
  }

  /**
   * @param runLine the line of the {@code run} entry, 0 for none
   * @param entries the timeline entries in the order declared
   * @param eventLine the line of each timeline entry, by its index in {@code entries}
   */
  void check(
      Scenario scenario, int runLine, List<ScenarioEvent> entries, IntFunction<Integer> eventLine) {
    check(scenario, i -> "line " + eventLine.apply(i), runLine, entries, eventLine);
  }

  private void check(
      Scenario scenario,
      IntFunction<String> where,
      int runLine,
      List<ScenarioEvent> entries,
      IntFunction<Integer> eventLine) {
    if (scenario.length().compareTo(length) > 0) {
      throw new ScenarioLimitException(
          Math.max(runLine, 0),
          runLine > 0 ? "line " + runLine : runLine == 0 ? "run (default)" : "run",
          "run "
              + Durations.format(scenario.length())
              + " is longer than the limit of "
              + Durations.format(length));
    }
    double rate = 0;
    long total = 0;
    for (int i = 0; i < entries.size(); i++) {
      ScenarioEvent e = entries.get(i);
      if (e.event() instanceof HostEvent.InstallFault f
          && f.fault().action() instanceof FaultAction.Delay d
          && d.duration().compareTo(faultDelay) > 0) {
        throw new ScenarioLimitException(
            eventLine.apply(i),
            where.apply(i),
            "delay="
                + Durations.format(d.duration())
                + " is longer than the limit of "
                + Durations.format(faultDelay));
      }
      if (e.every().isPresent()) {
        rate += (double) NANOS_PER_SECOND / e.every().get().toNanos();
        if (rate > eventsPerSecond) {
          throw new ScenarioLimitException(
              eventLine.apply(i),
              where.apply(i),
              "every "
                  + Durations.format(e.every().get())
                  + " makes the timeline fire more than the limit of "
                  + eventsPerSecond
                  + " events a virtual second");
        }
      }
      total = saturatedAdd(total, e.count(scenario.length()));
      if (total > events) {
        throw new ScenarioLimitException(
            eventLine.apply(i),
            where.apply(i),
            "the timeline would fire more than the limit of "
                + events
                + " events in "
                + Durations.format(scenario.length()));
      }
    }
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
