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
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What one run of a {@link Scenario} did: the guest's log lines and TCLO events with their virtual
 * times, and the verdict on the run from the guest's TCLO point of view. An immutable value.
 *
 * <p>The verdict is defined over what the machine does in a <em>window</em>, the last {@link
 * #WINDOW} (10 virtual minutes) of the run, not over the instant where the run happens to end. TCLO
 * failures are the events {@code TCLO_FAILURE}, {@code OPEN_FAILED}, {@code RESETTING} and {@code
 * CLOSE_FAILED}, counted from the start of the trouble ({@link Scenario#troubleStart()}); a
 * successful poll is the event {@code POLLED}; a <em>bout</em> of failures is a run of failures
 * that a successful poll ends. In this order:
 *
 * <ul>
 *   <li>{@link Classification#STUCK}: no successful poll in the window; or one bout of failures in
 *       the window and no successful poll after its last failure;
 *   <li>{@link Classification#FLAPPING}: two or more bouts of failures in the window: the machine
 *       polls, yet failures keep coming back (a loop of reset, failure and poll is flapping
 *       whatever its phase at the end);
 *   <li>{@link Classification#UNAFFECTED}: no failure at all after the trouble started;
 *   <li>{@link Classification#RECOVERED}: failures after the trouble started, at most one bout of
 *       them in the window, and successful polls after the last one.
 * </ul>
 *
 * A run that ends at least {@link #WINDOW} after the story's last event ({@link
 * Scenario#settlesAt()}) is <em>settled</em>: the window then shows the machine's steady behaviour,
 * and the verdict is the same for every longer run (a property test checks this for every built-in
 * scenario and machine). The verdict of a shorter run may still change.
 */
public final class ScenarioOutcome {

  /** The part of the run, at its end, that the verdict looks at: 10 virtual minutes. */
  public static final Duration WINDOW = Duration.ofMinutes(10);

  /** A verdict on a run (see the class comment for the definitions). */
  public enum Classification {
    /** No TCLO failure after the trouble started, and polling in the last 10 minutes. */
    UNAFFECTED,
    /** Failures, then polling again for good: at most one bout in the last 10 minutes. */
    RECOVERED,
    /** Polling, but bouts of failures keep coming back: two or more in the last 10 minutes. */
    FLAPPING,
    /** No successful poll in the last 10 minutes, or none after their one bout of failures. */
    STUCK;

    /** The definition in a few words, as the text report and the picture print it. */
    public String meaning() {
      return switch (this) {
        case UNAFFECTED -> "no TCLO failure after the trouble";
        case RECOVERED -> "failures, then polling for good";
        case FLAPPING -> "polling, but failures keep coming back";
        case STUCK -> "no successful poll after the failures";
      };
    }
  }

  /** A log line and the virtual time it was printed at. */
  public record TimedLine(Duration at, String text) {}

  /** A guest event and the virtual time it happened at. */
  public record TimedEvent(Duration at, TcloEvent event) {}

  private static final Set<Type> FAILURES =
      EnumSet.of(Type.TCLO_FAILURE, Type.OPEN_FAILED, Type.RESETTING, Type.CLOSE_FAILED);

  private final String scenario;
  private final String guest;
  private final Duration trouble;
  private final Duration settlesAt;
  private final Duration end;
  private final ImmutableList<TimedLine> lines;
  private final ImmutableList<TimedEvent> events;
  private final Classification classification;

  ScenarioOutcome(
      String scenario,
      String guest,
      Duration trouble,
      Duration settlesAt,
      Duration end,
      List<TimedLine> lines,
      List<TimedEvent> events) {
    this.scenario = scenario;
    this.guest = guest;
    this.trouble = trouble;
    this.settlesAt = settlesAt;
    this.end = end;
    this.lines = ImmutableList.copyOf(lines);
    this.events = ImmutableList.copyOf(events);
    this.classification = classify();
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

  /**
   * When the story has settled: {@link #WINDOW} after its last event ({@link
   * Scenario#settlesAt()}).
   */
  public Duration settlesAt() {
    return settlesAt;
  }

  /**
   * Whether the run went on until the story settled, so that its verdict is the one of every longer
   * run.
   */
  public boolean settled() {
    return end.compareTo(settlesAt) >= 0;
  }

  /** Where the window the verdict looks at starts: {@link #WINDOW} before the end, or zero. */
  public Duration windowStart() {
    return end.compareTo(WINDOW) > 0 ? end.minus(WINDOW) : Duration.ZERO;
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
   * Whether the guest polled successfully in the window ({@link #windowStart()} to the end) and
   * after its last failure.
   */
  public boolean pollingAtEnd() {
    int poll = lastIndex(e -> e.event().type() == Type.POLLED);
    return poll >= 0
        && events.get(poll).at().compareTo(windowStart()) >= 0
        && lastIndex(e -> FAILURES.contains(e.event().type())) < poll;
  }

  /** The index of the last event that {@code test} accepts, or -1. */
  private int lastIndex(Predicate<TimedEvent> test) {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (test.test(events.get(i))) {
        return i;
      }
    }
    return -1;
  }

  private boolean isFailureAfterTrouble(TimedEvent e) {
    return FAILURES.contains(e.event().type()) && e.at().compareTo(trouble) >= 0;
  }

  /**
   * How long after the start of the trouble the guest was polling again for good: the first poll
   * after its last failure, minus the start of the trouble, when it {@link Classification#RECOVERED
   * recovered}; zero when it was {@link Classification#UNAFFECTED unaffected}; empty when it is
   * stuck or flapping.
   */
  public Optional<Duration> timeToRecover() {
    Classification c = classification();
    if (c == Classification.UNAFFECTED) {
      return Optional.of(Duration.ZERO);
    }
    if (c != Classification.RECOVERED) {
      return Optional.empty();
    }
    int failure = lastIndex(this::isFailureAfterTrouble);
    return events.subList(failure + 1, events.size()).stream()
        .filter(e -> e.event().type() == Type.POLLED)
        .map(e -> e.at().minus(trouble))
        .findFirst();
  }

  /** The verdict on the run (see the class comment for the definitions). */
  public Classification classification() {
    return classification;
  }

  private Classification classify() {
    Duration from = windowStart();
    int poll = lastIndex(e -> e.event().type() == Type.POLLED);
    if (poll < 0 || events.get(poll).at().compareTo(from) < 0) {
      return Classification.STUCK;
    }
    if (failureEpisodes(from.compareTo(trouble) > 0 ? from : trouble) >= 2) {
      return Classification.FLAPPING;
    }
    int failure = lastIndex(this::isFailureAfterTrouble);
    if (failure < 0) {
      return Classification.UNAFFECTED;
    }
    return failure < poll ? Classification.RECOVERED : Classification.STUCK;
  }

  /**
   * How many separate bouts of TCLO failures there were after the trouble started: a failure after
   * a successful poll that followed an earlier failure starts a new one.
   */
  public int failureEpisodes() {
    return failureEpisodes(trouble);
  }

  private int failureEpisodes(Duration from) {
    int episodes = 0;
    boolean inEpisode = false;
    for (TimedEvent e : events) {
      if (e.at().compareTo(from) < 0) {
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
