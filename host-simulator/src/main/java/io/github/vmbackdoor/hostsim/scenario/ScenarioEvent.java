package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One entry of a scenario's timeline: a {@link HostEvent}, when it happens (once at {@link #at()},
 * or every {@link #every()} from {@link #at()} until {@link #until()} or the end of the run), and
 * the comments that explain it. An immutable value.
 *
 * @param at the (first) time it happens, since the start of the run
 * @param every the period of a repeated event; empty for a single one
 * @param until the end (exclusive) of a repeated event's repetitions; empty for the end of the run
 * @param event what the host does
 * @param comments the comment lines that explain the event (written before it in the text form)
 */
public record ScenarioEvent(
    Duration at,
    Optional<Duration> every,
    Optional<Duration> until,
    HostEvent event,
    List<String> comments) {

  /** Checks the times (not negative, a positive period, an end after the start). */
  public ScenarioEvent {
    Preconditions.checkArgument(!at.isNegative(), "negative time %s", at);
    every.ifPresent(
        p ->
            Preconditions.checkArgument(
                p.compareTo(Duration.ZERO) > 0, "the period must be positive: %s", p));
    until.ifPresent(
        u ->
            Preconditions.checkArgument(
                u.compareTo(at) >= 0, "until %s is before the first occurrence %s", u, at));
    Preconditions.checkNotNull(event, "event");
    comments = ImmutableList.copyOf(comments);
  }

  /** The action in the text form, e.g. {@code host-reset} or {@code tclo OS_Suspend}. */
  public String action() {
    return event.text();
  }

  /** The times it happens before {@code end}, in order. */
  public List<Duration> occurrences(Duration end) {
    List<Duration> times = new ArrayList<>();
    for (Optional<Duration> t = first(end); t.isPresent(); t = after(t.get(), end)) {
      times.add(t.get());
    }
    return times;
  }

  /**
   * How many times it happens before {@code end}, counted without listing them (so a huge count
   * costs nothing).
   */
  public long count(Duration end) {
    if (every.isEmpty()) {
      return at.compareTo(end) < 0 ? 1 : 0;
    }
    Duration stop = stop(end);
    if (at.compareTo(stop) >= 0) {
      return 0;
    }
    // (stop - at - 1ns) / period + 1, in nanoseconds: both fit a long (virtual time does)
    long span = stop.minus(at).toNanos() - 1;
    return span / every.get().toNanos() + 1;
  }

  /** Its first occurrence before {@code end}, if any. */
  public Optional<Duration> first(Duration end) {
    Duration limit = every.isEmpty() ? end : stop(end);
    return at.compareTo(limit) < 0 ? Optional.of(at) : Optional.empty();
  }

  /** The occurrence after the one at {@code t}, before {@code end}, if any. */
  public Optional<Duration> after(Duration t, Duration end) {
    if (every.isEmpty()) {
      return Optional.empty();
    }
    Duration next = t.plus(every.get());
    return next.compareTo(stop(end)) < 0 ? Optional.of(next) : Optional.empty();
  }

  /** Where a repetition stops: its {@code until} when that comes before {@code end}. */
  private Duration stop(Duration end) {
    return until.filter(u -> u.compareTo(end) < 0).orElse(end);
  }

  /** Does it to the host; {@code faults} holds the installed named faults. */
  void apply(VirtualHost host, Map<String, Fault> faults) {
    event.apply(host, faults);
  }

  @Override
  public String toString() {
    return ScenarioText.timing(this) + " " + action();
  }
}
