package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one run of a {@link Scenario} did: the guest's log lines and TCLO events with their virtual
 * times, and the classification of the run from the guest's TCLO point of view. An immutable value.
 *
 * <p>Classification, from the start of the trouble ({@link Scenario#troubleStart()}):
 *
 * <ul>
 *   <li>{@link Classification#UNAFFECTED}: no TCLO failure after the trouble started, and polling
 *       at the end;
 *   <li>{@link Classification#RECOVERED}: failures, then polling normally to the end (for at least
 *       the last 10 minutes when there was more than one bout of failures);
 *   <li>{@link Classification#FLAPPING}: polling at the end, but bouts of failures (separated by
 *       successful polls) keep coming back into the last 10 minutes;
 *   <li>{@link Classification#STUCK}: not polling at the end (no successful poll in the last two
 *       seconds, or a failure after the last one).
 * </ul>
 *
 * TCLO failures are the events {@code TCLO_FAILURE}, {@code OPEN_FAILED}, {@code RESETTING} and
 * {@code CLOSE_FAILED}.
 */
public final class ScenarioOutcome {

  /** How a run ended. */
  public enum Classification {
    /** No channel failure after the trouble started. */
    UNAFFECTED,
    /** Failures, then polling normally to the end. */
    RECOVERED,
    /** Polling at the end, but bouts of failures keep coming back into the last 10 minutes. */
    FLAPPING,
    /** Not polling at the end. */
    STUCK
  }

  /** A log line and the virtual time it was printed at. */
  public record TimedLine(Duration at, String text) {}

  /** A guest event and the virtual time it happened at. */
  public record TimedEvent(Duration at, TcloEvent event) {}

  private static final Set<Type> FAILURES =
      EnumSet.of(Type.TCLO_FAILURE, Type.OPEN_FAILED, Type.RESETTING, Type.CLOSE_FAILED);
  private static final Duration SETTLED = Duration.ofMinutes(10);

  private final String scenario;
  private final String guest;
  private final Duration trouble;
  private final Duration end;
  private final ImmutableList<TimedLine> lines;
  private final ImmutableList<TimedEvent> events;

  ScenarioOutcome(
      String scenario,
      String guest,
      Duration trouble,
      Duration end,
      List<TimedLine> lines,
      List<TimedEvent> events) {
    this.scenario = scenario;
    this.guest = guest;
    this.trouble = trouble;
    this.end = end;
    this.lines = ImmutableList.copyOf(lines);
    this.events = ImmutableList.copyOf(events);
  }

  /** The scenario's name. */
  public String scenario() {
    return scenario;
  }

  /**
   * The guest that ran: {@code fixed}, {@code legacy}, {@code proposed-patch}, or the name given
   * with the guest code.
   */
  public String guest() {
    return guest;
  }

  /** When the trouble started. */
  public Duration troubleStart() {
    return trouble;
  }

  /** The virtual time at the end of the run. */
  public Duration end() {
    return end;
  }

  /** Every log line the guest printed, in vmt(4)'s words. */
  public ImmutableList<TimedLine> lines() {
    return lines;
  }

  /** Every event the guest reported. */
  public ImmutableList<TimedEvent> events() {
    return events;
  }

  /** The text of the lines printed at or after {@code from}. */
  public List<String> linesFrom(Duration from) {
    return lines.stream()
        .filter(l -> l.at().compareTo(from) >= 0)
        .map(TimedLine::text)
        .collect(Collectors.toUnmodifiableList());
  }

  /** Log lines per virtual hour over the whole run. */
  public double linesPerHour() {
    return end.isZero() ? 0 : lines.size() * 3_600_000.0 / end.toMillis();
  }

  /** The last TCLO failure at or after {@code from}. */
  public Optional<Duration> lastFailure(Duration from) {
    return events.stream()
        .filter(e -> FAILURES.contains(e.event().type()) && e.at().compareTo(from) >= 0)
        .map(TimedEvent::at)
        .reduce((a, b) -> b);
  }

  /**
   * Whether the guest is polling normally at the end: no TCLO failure after its last successful
   * poll, and a poll within the last two seconds.
   */
  public boolean pollingAtEnd() {
    Optional<Duration> lastPoll =
        events.stream()
            .filter(e -> e.event().type() == Type.POLLED)
            .map(TimedEvent::at)
            .reduce((a, b) -> b);
    if (lastPoll.isEmpty() || lastPoll.get().compareTo(end.minusSeconds(2)) < 0) {
      return false;
    }
    Optional<Duration> failure = lastFailure(Duration.ZERO);
    return failure.isEmpty() || failure.get().compareTo(lastPoll.get()) <= 0;
  }

  /**
   * How long after the start of the trouble the guest was polling again for good: the first poll
   * after its last failure, minus the start of the trouble; zero when it never failed; empty when
   * it is not polling at the end.
   */
  public Optional<Duration> timeToRecover() {
    if (!pollingAtEnd()) {
      return Optional.empty();
    }
    Optional<Duration> failure = lastFailure(trouble);
    if (failure.isEmpty()) {
      return Optional.of(Duration.ZERO);
    }
    return events.stream()
        .filter(e -> e.event().type() == Type.POLLED && e.at().compareTo(failure.get()) >= 0)
        .map(e -> e.at().minus(trouble))
        .findFirst();
  }

  /** How the run ended (see the class comment). */
  public Classification classification() {
    if (!pollingAtEnd()) {
      return Classification.STUCK;
    }
    Optional<Duration> failure = lastFailure(trouble);
    if (failure.isEmpty()) {
      return Classification.UNAFFECTED;
    }
    return failure.get().compareTo(end.minus(SETTLED)) >= 0 && failureEpisodes() > 1
        ? Classification.FLAPPING
        : Classification.RECOVERED;
  }

  /**
   * How many separate bouts of TCLO failures there were after the trouble started: a failure after
   * a successful poll that followed an earlier failure starts a new one.
   */
  public int failureEpisodes() {
    int episodes = 0;
    boolean inEpisode = false;
    for (TimedEvent e : events) {
      if (e.at().compareTo(trouble) < 0) {
        continue;
      }
      if (FAILURES.contains(e.event().type())) {
        if (!inEpisode) {
          episodes++;
          inEpisode = true;
        }
      } else if (e.event().type() == Type.POLLED) {
        inEpisode = false;
      }
    }
    return episodes;
  }

  /** The most frequent log line at or after {@code from}. */
  public Optional<String> mostFrequentLine(Duration from) {
    Map<String, Long> counts =
        lines.stream()
            .filter(l -> l.at().compareTo(from) >= 0)
            .collect(
                Collectors.groupingBy(TimedLine::text, LinkedHashMap::new, Collectors.counting()));
    return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey);
  }

  @Override
  public String toString() {
    return scenario
        + "/"
        + guest
        + ": "
        + classification().name().toLowerCase()
        + ", "
        + lines.size()
        + " lines";
  }
}
