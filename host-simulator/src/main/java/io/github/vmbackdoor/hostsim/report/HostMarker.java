package io.github.vmbackdoor.hostsim.report;

import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A host event of the scenario's timeline as the picture draws it: a line across all lanes at each
 * time it happens in the stretch drawn, and one label at the first of them, in the first label row
 * where its box overlaps no other label's.
 *
 * @param event the scenario's event
 * @param times when it happens in the stretch drawn
 * @param count how many times it happens in the whole run
 * @param label the label's text: the action with its count, cut with an ellipsis only when wider
 *     than the picture (the hover title has the whole scenario line)
 * @param x where the label's text is anchored
 * @param anchorEnd whether the label ends at {@code x} (it starts there otherwise)
 * @param labelRow the label's row, from the top
 */
record HostMarker(
    ScenarioEvent event,
    List<Duration> times,
    long count,
    String label,
    double x,
    boolean anchorEnd,
    int labelRow) {

  /** The labels' font size. */
  static final double FONT_SIZE = 10;

  /** Room kept between two labels of one row. */
  private static final double LABEL_GAP = 8;

  /** How far the label sits from its line. */
  private static final double OFFSET = 3;

  /** The label's width, as laid out. */
  double width() {
    return Format.width(label, FONT_SIZE, false);
  }

  /** The left end of the label's box. */
  double left() {
    return anchorEnd ? x - width() : x;
  }

  /** The right end of the label's box. */
  double right() {
    return left() + width();
  }

  /** The hover title: the scenario line, then its comments. */
  String title() {
    StringBuilder b = new StringBuilder(event.toString());
    if (count > 1) {
      b.append(" (").append(Format.count(count)).append(" times in this run)");
    }
    event.comments().forEach(c -> b.append('\n').append(c.strip()));
    return b.toString();
  }

  /**
   * The markers of {@code scenario}'s timeline on {@code scale}, labels laid out between {@code
   * minX} and {@code maxX}: each label right of its line, or left of it when it would pass {@code
   * maxX}; each in the first row where it overlaps no label. Events that never happen in the
   * stretch drawn are left out.
   */
  static List<HostMarker> of(Scenario scenario, TimeScale scale, double minX, double maxX) {
    List<HostMarker> markers = new ArrayList<>();
    List<List<double[]>> rows = new ArrayList<>();
    for (ScenarioEvent e : scenario.events()) {
      List<Duration> all = e.occurrences(scenario.length());
      List<Duration> times = all.stream().filter(scale::contains).toList();
      if (times.isEmpty()) {
        continue;
      }
      String text = all.size() > 1 ? e.action() + " \u00d7" + Format.count(all.size()) : e.action();
      double line = scale.x(times.get(0));
      double right = maxX - (line + OFFSET);
      double left = line - OFFSET - minX;
      double full = Format.width(text, FONT_SIZE, false);
      boolean end = full > right && left > right;
      String label = Format.fit(text, end ? left : right, FONT_SIZE, false);
      double x = end ? line - OFFSET : line + OFFSET;
      HostMarker m = new HostMarker(e, times, all.size(), label, x, end, 0);
      int row = 0;
      while (row < rows.size() && overlaps(rows.get(row), m.left(), m.right())) {
        row++;
      }
      if (row == rows.size()) {
        rows.add(new ArrayList<>());
      }
      rows.get(row).add(new double[] {m.left(), m.right()});
      markers.add(new HostMarker(e, times, all.size(), label, x, end, row));
    }
    return List.copyOf(markers);
  }

  private static boolean overlaps(List<double[]> row, double left, double right) {
    for (double[] box : row) {
      if (left < box[1] + LABEL_GAP && box[0] < right + LABEL_GAP) {
        return true;
      }
    }
    return false;
  }

  /** How many label rows {@code markers} use. */
  static int rows(List<HostMarker> markers) {
    return markers.stream().mapToInt(m -> m.labelRow() + 1).max().orElse(0);
  }
}
