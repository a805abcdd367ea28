package io.github.vmbackdoor.hostsim.report;

import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A host event of the scenario's timeline as the picture draws it: a line across all lanes at each
 * time it happens, and one label, in the first label row where it does not overlap another.
 */
record HostMarker(ScenarioEvent event, List<Duration> times, int labelRow) {

  /** Labels longer than this are cut; the hover title has the whole scenario line. */
  private static final int MAX_LABEL = 26;

  /** The width of a label's character, roughly, at the picture's label size. */
  static final double CHAR_WIDTH = 5.8;

  /** The label: the action, cut short, with the count of a repeated event. */
  String label() {
    String action = event.action();
    String text =
        action.length() <= MAX_LABEL ? action : action.substring(0, MAX_LABEL - 1) + "\u2026";
    return times.size() > 1 ? text + " \u00d7" + Format.count(times.size()) : text;
  }

  /** The hover title: the scenario line, then its comments. */
  String title() {
    StringBuilder b = new StringBuilder(event.toString());
    if (times.size() > 1) {
      b.append(" (").append(Format.count(times.size())).append(" times in this run)");
    }
    event.comments().forEach(c -> b.append('\n').append(c.strip()));
    return b.toString();
  }

  /**
   * The markers of {@code scenario}'s timeline on {@code scale}, each label in the first row where
   * it starts after the end of the row's last label; events that never happen in the run are left
   * out.
   */
  static List<HostMarker> of(Scenario scenario, TimeScale scale) {
    List<HostMarker> markers = new ArrayList<>();
    List<Double> rowEnds = new ArrayList<>();
    for (ScenarioEvent e : scenario.events()) {
      List<Duration> times = e.occurrences(scenario.length());
      if (times.isEmpty()) {
        continue;
      }
      HostMarker unplaced = new HostMarker(e, times, 0);
      double x = scale.x(times.get(0));
      int row = 0;
      while (row < rowEnds.size() && rowEnds.get(row) > x) {
        row++;
      }
      double end = x + unplaced.label().length() * CHAR_WIDTH + 8;
      if (row == rowEnds.size()) {
        rowEnds.add(end);
      } else {
        rowEnds.set(row, end);
      }
      markers.add(new HostMarker(e, times, row));
    }
    return List.copyOf(markers);
  }

  /** How many label rows {@code markers} use. */
  static int rows(List<HostMarker> markers) {
    return markers.stream().mapToInt(m -> m.labelRow() + 1).max().orElse(0);
  }
}
