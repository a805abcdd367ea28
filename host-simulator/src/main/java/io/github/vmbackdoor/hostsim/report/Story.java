package io.github.vmbackdoor.hostsim.report;

import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioEvent;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the story of a picture's runs happens: from its first to its last <em>story instant</em>.
 * The story instants are
 *
 * <ul>
 *   <li>the host events: each single event, a repeated event's first occurrence, and its last one
 *       when it repeats until a time or its second when it repeats to the end of the run (as {@link
 *       Scenario#settlesAt()} counts them);
 *   <li>each machine's reaction from the start of the trouble on, until it settles into repeating
 *       itself: the first {@value #SHOWN_REPEATS} marks of each kind and words (a failure, a reset,
 *       a reopen, log lines) and any that comes after a pause of {@link #PAUSE} or more; the same
 *       for the machine stopping and starting to poll again.
 * </ul>
 *
 * When the story, with room around it, takes less than half the run, the picture zooms on it
 * ({@link #window}): the main axis draws the story's stretch, an overview strip the whole run.
 */
record Story(Duration first, Duration last) {

  /** Marks of one kind and words shown before the machine counts as repeating itself. */
  static final int SHOWN_REPEATS = 2;

  /** A mark after this long without one like it is news again. */
  static final Duration PAUSE = Duration.ofMinutes(5);

  /** The shortest stretch a zoomed axis draws. */
  static final Duration MIN_WINDOW = Duration.ofSeconds(8);

  /** The share of a zoomed axis the story takes (the rest is room before and after it). */
  static final double SHARE = 0.6;

  /** The share of that room before the story; the rest, after it, shows how the machines settle. */
  private static final double BEFORE = 0.25;

  /** A picture zooms when the stretch it would draw is at most this share of the run. */
  static final double ZOOM_BELOW = 0.5;

  /** The story of {@code runs} of {@code scenario}, if anything happens in them. */
  static Optional<Story> of(Scenario scenario, List<ScenarioOutcome> runs) {
    Duration end = scenario.length();
    Instants in = new Instants();
    for (ScenarioEvent e : scenario.events()) {
      Optional<Duration> first = e.first(end);
      if (first.isEmpty()) {
        continue;
      }
      in.add(first.get());
      long count = e.count(end);
      if (count > 1) {
        long last = e.until().isPresent() ? count - 1 : 1;
        in.add(first.get().plus(e.every().orElseThrow().multipliedBy(last)));
      }
    }
    for (ScenarioOutcome run : runs) {
      Duration trouble = run.troubleStart();
      Map<String, Seen> seen = new HashMap<>();
      for (Mark m : Lane.marks(run)) {
        if (m.at().compareTo(trouble) >= 0 && news(seen, m.signature(), m.at())) {
          in.add(m.at());
        }
      }
      List<Lane.Span> polls = Lane.polls(run);
      for (int i = 0; i < polls.size(); i++) {
        Lane.Span s = polls.get(i);
        if (i > 0 && s.from().compareTo(trouble) >= 0 && news(seen, "polls again", s.from())) {
          in.add(s.from());
        }
        boolean last = i == polls.size() - 1;
        if (!last && s.to().compareTo(trouble) >= 0 && news(seen, "stops polling", s.to())) {
          in.add(s.to());
        }
        if (last && s.to().compareTo(run.end().minus(Lane.POLL_GAP)) < 0) {
          in.add(s.to()); // its last poll: it never polls again
        }
      }
    }
    return in.first == null ? Optional.empty() : Optional.of(new Story(in.first, in.last));
  }

  /** Whether a mark of {@code signature} at {@code at} is news; counts it. */
  private static boolean news(Map<String, Seen> seen, String signature, Duration at) {
    Seen s = seen.get(signature);
    boolean news = s == null || s.count < SHOWN_REPEATS || at.minus(s.last).compareTo(PAUSE) >= 0;
    seen.put(signature, new Seen(s == null ? 1 : s.count + 1, at));
    return news;
  }

  private record Seen(int count, Duration last) {}

  private static final class Instants {
    Duration first;
    Duration last;

    void add(Duration t) {
      if (first == null || t.compareTo(first) < 0) {
        first = t;
      }
      if (last == null || t.compareTo(last) > 0) {
        last = t;
      }
    }
  }

  /**
   * The stretch of a run of {@code length} a zoomed axis draws for this story: the story taking
   * {@link #SHARE} of it (or the story in {@link #MIN_WINDOW}), a quarter of the room before it,
   * the ends on round times (multiples of half its tick step); empty when that stretch would be
   * more than {@link #ZOOM_BELOW} of the run (the whole run is drawn then).
   */
  Optional<TimeScale> window(Duration length, double x0, double width) {
    Duration span = last.minus(first);
    Duration shown = Duration.ofNanos(Math.round(span.toNanos() / SHARE));
    if (shown.compareTo(MIN_WINDOW) < 0) {
      shown = MIN_WINDOW;
    }
    if (shown.toNanos() > length.toNanos() * ZOOM_BELOW) {
      return Optional.empty();
    }
    Duration from = first.minus(Duration.ofNanos(Math.round(shown.minus(span).toNanos() * BEFORE)));
    if (from.isNegative()) {
      from = Duration.ZERO;
    }
    Duration to = from.plus(shown);
    if (to.compareTo(length) > 0) {
      to = length;
      from = length.minus(shown);
    }
    // the ends on round times: multiples of half the tick step
    long step = Math.max(1, new TimeScale(from, to, x0, width).step().toNanos() / 2);
    from = Duration.ofNanos(from.toNanos() / step * step);
    to = Duration.ofNanos(Math.min(length.toNanos(), (to.toNanos() + step - 1) / step * step));
    if (to.minus(from).toNanos() > length.toNanos() * ZOOM_BELOW) {
      return Optional.empty();
    }
    return Optional.of(new TimeScale(from, to, x0, width));
  }
}
