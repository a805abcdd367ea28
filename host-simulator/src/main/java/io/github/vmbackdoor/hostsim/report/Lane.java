package io.github.vmbackdoor.hostsim.report;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.TimedEvent;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.TimedLine;
import io.github.vmbackdoor.rpc.TcloEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One machine's run as the picture draws it: when it was polling (spans of successful TCLO polls)
 * and its marks, runs of repeats joined.
 */
record Lane(ScenarioOutcome outcome, List<Span> polls, List<Run> runs) {

  /** Marks this close (in pixels) with the same signature join into one run. */
  static final double JOIN_PIXELS = 6;

  /** A run of this many marks or more is drawn once, with its count. */
  static final int MIN_REPEAT = 3;

  /** Polls at most this far apart belong to one span (polling is once a second). */
  static final Duration POLL_GAP = Duration.ofMillis(1500);

  /** Successful polls from {@code from} to {@code to}, {@code count} of them. */
  record Span(Duration from, Duration to, int count) {

    /** What its title says: from when to when, how many polls. */
    String title() {
      return "polling from "
          + TimeScale.label(from())
          + " to "
          + TimeScale.label(to())
          + ": "
          + Format.count(count())
          + (count() == 1 ? " successful poll" : " successful polls");
    }
  }

  /** Marks of one row with the same signature, each close to the next; one mark or a repeat. */
  record Run(List<Mark> marks) {
    Run {
      marks = ImmutableList.copyOf(marks);
    }

    Mark first() {
      return marks.get(0);
    }

    Mark last() {
      return marks.get(marks.size() - 1);
    }

    /** Whether it is drawn once with its count. */
    boolean repeated() {
      return marks.size() >= MIN_REPEAT;
    }

    /**
     * What its title says: the time and the mark's description, or for a repeat how many, from when
     * to when and how often.
     */
    String title() {
      Mark first = first();
      if (!repeated()) {
        return TimeScale.label(first.at()) + " \u2014 " + first.description();
      }
      Duration span = last().at().minus(first.at());
      Duration every = span.dividedBy(marks.size() - 1);
      boolean regular = true;
      for (int i = 1; i < marks.size(); i++) {
        regular &= marks.get(i).at().minus(marks.get(i - 1).at()).equals(every);
      }
      return "\u00d7"
          + Format.count(marks.size())
          + " from "
          + TimeScale.label(first.at())
          + " to "
          + TimeScale.label(last().at())
          + (regular ? ", every " : ", about every ")
          + TimeScale.label(every)
          + " \u2014 "
          + first.description()
          + (marks.stream().allMatch(m -> m.detail().equals(first.detail()))
              ? ""
              : "\n(the details of the first; they differ)");
    }
  }

  /** The lane of {@code outcome} drawn on {@code scale}. */
  static Lane of(ScenarioOutcome outcome, TimeScale scale) {
    return new Lane(
        outcome,
        polls(outcome, max(POLL_GAP, scale.timeOf(1))),
        runs(marks(outcome), scale.timeOf(JOIN_PIXELS)));
  }

  /**
   * The spans of {@code outcome}'s successful polls, a span ending where the next poll is more than
   * {@code gap} away.
   */
  static List<Span> polls(ScenarioOutcome outcome, Duration gap) {
    List<Span> polls = new ArrayList<>();
    Duration spanFrom = null;
    Duration spanTo = null;
    int count = 0;
    for (TimedEvent e : outcome.events()) {
      if (e.event().type() != TcloEvent.Type.POLLED) {
        continue;
      }
      if (spanFrom != null && e.at().minus(spanTo).compareTo(gap) > 0) {
        polls.add(new Span(spanFrom, spanTo, count));
        spanFrom = null;
      }
      if (spanFrom == null) {
        spanFrom = e.at();
        count = 0;
      }
      spanTo = e.at();
      count++;
    }
    if (spanFrom != null) {
      polls.add(new Span(spanFrom, spanTo, count));
    }
    return List.copyOf(polls);
  }

  /** The spans of successful polls at the picture's finest: polls at most 1.5 s apart. */
  static List<Span> polls(ScenarioOutcome outcome) {
    return polls(outcome, POLL_GAP);
  }

  /**
   * The marks of {@code outcome}: one per event that gets one, with the log lines printed at its
   * instant, and one per other instant with log lines; in the order they happened.
   */
  static List<Mark> marks(ScenarioOutcome outcome) {
    Map<Duration, List<String>> linesAt = new TreeMap<>();
    for (TimedLine l : outcome.lines()) {
      linesAt.computeIfAbsent(l.at(), t -> new ArrayList<>()).add(l.text());
    }
    List<Mark> marks = new ArrayList<>();
    boolean opened = false;
    for (TimedEvent e : outcome.events()) {
      List<String> lines = linesAt.getOrDefault(e.at(), List.of());
      Mark.of(e.at(), e.event(), opened, lines).ifPresent(marks::add);
      opened |= e.event().type() == TcloEvent.Type.CHANNEL_OPENED;
    }
    Set<Duration> marked = new HashSet<>();
    marks.forEach(m -> marked.add(m.at()));
    for (Map.Entry<Duration, List<String>> l : linesAt.entrySet()) {
      if (!marked.contains(l.getKey())) {
        marks.add(new Mark.LogLine(l.getKey(), l.getValue()));
      }
    }
    marks.sort((a, b) -> a.at().compareTo(b.at())); // stable: event order at equal times
    return marks;
  }

  /**
   * Joins the marks of each row into runs: a mark joins the open run of its row when it has the
   * same signature and follows the run's last mark within {@code join}.
   */
  private static List<Run> runs(List<Mark> marks, Duration join) {
    List<Mark> sorted = new ArrayList<>(marks);
    sorted.sort((a, b) -> a.at().compareTo(b.at())); // stable: event order at equal times
    Map<Integer, List<Mark>> open = new LinkedHashMap<>();
    List<Run> runs = new ArrayList<>();
    for (Mark m : sorted) {
      List<Mark> run = open.get(m.style().row());
      if (run != null) {
        Mark last = run.get(run.size() - 1);
        if (last.signature().equals(m.signature())
            && m.at().minus(last.at()).compareTo(join) <= 0) {
          run.add(m);
          continue;
        }
        runs.add(new Run(run));
      }
      run = new ArrayList<>();
      run.add(m);
      open.put(m.style().row(), run);
    }
    open.values().forEach(r -> runs.add(new Run(r)));
    runs.sort((a, b) -> a.first().at().compareTo(b.first().at()));
    return List.copyOf(runs);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
