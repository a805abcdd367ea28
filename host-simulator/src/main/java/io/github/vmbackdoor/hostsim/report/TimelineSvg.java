package io.github.vmbackdoor.hostsim.report;

import static io.github.vmbackdoor.hostsim.report.Format.count;
import static io.github.vmbackdoor.hostsim.report.Format.num;
import static io.github.vmbackdoor.hostsim.report.Format.xml;

import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioEvent;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.Classification;
import java.time.Duration;
import java.util.List;

/**
 * Draws a scenario's runs as one SVG document (a string): a header, an overview strip of the whole
 * run when the main axis is zoomed on the story, the host events' labels, one lane per run, the
 * axis and the legend. Every text is laid out by its estimated width ({@link Format#width}) so that
 * none runs into another.
 */
final class TimelineSvg {

  static final double WIDTH = 1100;
  static final double PLOT_X0 = 150;
  static final double PLOT_WIDTH = 720;
  static final double LANE_HEIGHT = 80;
  static final double LANE_GAP = 10;

  /** The y of each mark row in a lane, from the lane's top (see {@link Mark#row()}). */
  static final double[] ROW_Y = {11, 23, 35, 47, 59};

  private static final double MARGIN = 16;
  private static final double OUTCOME_X = PLOT_X0 + PLOT_WIDTH + 22;
  private static final double LABEL_ROW = 14;
  private static final double POLL_Y = 69;
  private static final double POLL_HEIGHT = 5;
  private static final double TITLE_SIZE = 17;
  private static final double DESCRIPTION_SIZE = 14;
  private static final double OVERVIEW_ROW = 14;
  private static final String FONT = "DejaVu Sans, Verdana, Arial, sans-serif";
  private static final String HOST_COLOR = "#5a3e9e";
  private static final String TEXT = "#212529";
  private static final String MUTED = "#6c757d";
  private static final String BEFORE_TROUBLE = "#f1f3f5";
  private static final String AFTER_TROUBLE = "#fdf0e1";

  private final Scenario scenario;
  private final List<ScenarioOutcome> runs;
  private final List<String> captions;
  private final TimeScale scale;
  private final TimeScale whole;
  private final boolean zoomed;
  private final List<Lane> lanes;
  private final List<HostMarker> markers;
  private final SvgCanvas out = new SvgCanvas();
  private double labelsTop;
  private double lanesTop;

  /**
   * The picture of {@code runs} of {@code scenario}, each lane captioned (under its name) with the
   * matching {@code captions} entry, the lanes on {@code scale}: the whole run, or a stretch of it
   * with an overview of the whole run above the lanes.
   */
  TimelineSvg(
      Scenario scenario, List<ScenarioOutcome> runs, List<String> captions, TimeScale scale) {
    this.scenario = scenario;
    this.runs = runs;
    this.captions = captions;
    this.scale = scale;
    this.whole = new TimeScale(scenario.length(), PLOT_X0, PLOT_WIDTH);
    this.zoomed = !scale.equals(whole);
    this.lanes = runs.stream().map(r -> Lane.of(r, scale)).toList();
    this.markers = HostMarker.of(scenario, scale, PLOT_X0, WIDTH - 8);
  }

  /** The top of lane {@code i}. */
  double laneTop(int i) {
    return lanesTop + i * (LANE_HEIGHT + LANE_GAP);
  }

  private double lanesBottom() {
    return laneTop(lanes.size()) - LANE_GAP;
  }

  String render() {
    double y = header();
    if (zoomed) {
      y = overview(y + 16);
    }
    labelsTop = y + 20;
    lanesTop = labelsTop + HostMarker.rows(markers) * LABEL_ROW + 4;
    for (int i = 0; i < lanes.size(); i++) {
      laneBackground(laneTop(i));
    }
    axis();
    markers.forEach(this::hostMarker);
    for (int i = 0; i < lanes.size(); i++) {
      lane(lanes.get(i), captions.get(i), laneTop(i));
    }
    double height = legend(lanesBottom() + 46) + 12;
    StringBuilder svg = new StringBuilder();
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\"")
        .append(" xmlns:xlink=\"http://www.w3.org/1999/xlink\" class=\"timeline\"")
        .append(" width=\"" + num(WIDTH) + "\" height=\"" + num(height) + "\"")
        .append(" viewBox=\"0 0 " + num(WIDTH) + " " + num(height) + "\"")
        .append(" font-family=\"" + FONT + "\" font-size=\"11\" fill=\"" + TEXT + "\">\n");
    svg.append("<title>" + xml("timeline of scenario " + scenario.name()) + "</title>\n");
    svg.append("<defs>\n");
    for (Mark.Style m : Mark.styles()) {
      svg.append("<g id=\"m-" + m.kind() + "\">" + m.shape() + "</g>\n");
    }
    svg.append("</defs>\n");
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    svg.append(out.markup());
    svg.append("</svg>\n");
    return svg.toString();
  }

  /**
   * The scenario's name, its description below it and a line of facts below that, each wrapped to
   * the picture's width; returns the baseline of the last line.
   */
  private double header() {
    double max = WIDTH - 2 * MARGIN;
    double y = 10;
    for (String row : Format.wrap(scenario.name(), max, TITLE_SIZE, true)) {
      y += 22;
      out.text(
          MARGIN,
          y,
          "class=\"title\" font-size=\"" + num(TITLE_SIZE) + "\" font-weight=\"bold\"",
          row);
    }
    if (!scenario.description().isEmpty()) {
      y += 2;
      for (String row : Format.wrap(scenario.description(), max, DESCRIPTION_SIZE, false)) {
        y += 19;
        out.text(
            MARGIN, y, "class=\"description\" font-size=\"" + num(DESCRIPTION_SIZE) + "\"", row);
      }
    }
    String facts =
        "virtual time \u00b7 run "
            + TimeScale.label(scenario.length())
            + " \u00b7 seed "
            + scenario.seed()
            + " \u00b7 trouble from "
            + TimeScale.label(scenario.troubleStart())
            + (zoomed
                ? " \u00b7 lanes zoomed on "
                    + TimeScale.label(scale.from())
                    + " to "
                    + TimeScale.label(scale.to())
                    + ", where the story happens"
                : "")
            + " \u00b7 hover a mark for its vmt log lines";
    y += 4;
    for (String row : Format.wrap(facts, max, 11, false)) {
      y += 16;
      out.text(MARGIN, y, "class=\"facts\" fill=\"" + MUTED + "\"", row);
    }
    return y;
  }

  /**
   * The whole run in a strip from {@code top}: a thin row per lane (polls, marks, host events) on
   * the whole run's axis, and a frame around the stretch the lanes below draw; returns its bottom.
   */
  private double overview(double top) {
    out.append("<g class=\"overview\">\n");
    out.text(
        PLOT_X0,
        top + 7,
        "class=\"overview-title\" font-size=\"10\" font-weight=\"bold\" fill=\"" + MUTED + "\"",
        "the whole run");
    top += 12;
    double rowsBottom = top + lanes.size() * OVERVIEW_ROW;
    double trouble = whole.x(scenario.troubleStart());
    double height = OVERVIEW_ROW - 2;
    for (int i = 0; i < runs.size(); i++) {
      double rowTop = top + i * OVERVIEW_ROW;
      out.rect(PLOT_X0, rowTop, trouble - PLOT_X0, height, "fill=\"" + BEFORE_TROUBLE + "\"");
      out.rect(trouble, rowTop, whole.end() - trouble, height, "fill=\"" + AFTER_TROUBLE + "\"");
      String name = Format.fit(runs.get(i).guest(), PLOT_X0 - MARGIN - 6, 9, false);
      out.text(
          PLOT_X0 - 6,
          rowTop + 7.5,
          "font-size=\"9\" text-anchor=\"end\" fill=\"" + MUTED + "\"",
          name);
      Lane lane = Lane.of(runs.get(i), whole);
      for (Lane.Span s : lane.polls()) {
        double x = whole.x(s.from());
        out.rect(x, rowTop + height - 2, Math.max(1, whole.x(s.to()) - x), 2, "fill=\"#3a86ff\"");
      }
      // each kind of mark in a thin row of its own: ticks for marks, bars for repeats
      out.append("<g class=\"overview-lane\" data-machine=\"" + xml(runs.get(i).guest()) + "\">\n");
      for (Lane.Run r : lane.runs()) {
        Mark.Style style = r.first().style();
        double y = rowTop + style.row() * 2;
        double x1 = whole.x(r.first().at());
        out.append("<g class=\"mark " + style.kind() + (r.repeated() ? " repeat" : "") + "\"")
            .append(" data-at-ms=\"" + r.first().at().toMillis() + "\"")
            .append(" data-count=\"" + r.marks().size() + "\"><title>")
            .append(xml(r.title()) + "</title>");
        if (r.repeated()) {
          out.rect(x1, y, whole.x(r.last().at()) - x1, 2, "fill=\"" + style.color() + "\"");
        }
        for (Mark m : r.repeated() ? List.of(r.first(), r.last()) : r.marks()) {
          out.rect(whole.x(m.at()) - 1, y - 1, 2, 4, "fill=\"" + style.color() + "\"");
        }
        out.append("</g>\n");
      }
      out.append("</g>\n");
    }
    for (ScenarioEvent e : scenario.events()) {
      List<Duration> times = e.occurrences(scenario.length());
      if (times.isEmpty()) {
        continue;
      }
      out.append("<g class=\"overview-host-event\" data-at-ms=\"" + times.get(0).toMillis() + "\"")
          .append(
              " data-count=\"" + times.size() + "\"><title>" + xml(e.toString()) + "</title>\n");
      hostLines(times, whole, top - 2, rowsBottom, "0.8");
      out.append("</g>\n");
    }
    double axisY = rowsBottom;
    out.line(PLOT_X0, axisY + 0.5, whole.end(), axisY + 0.5, "stroke=\"#adb5bd\"");
    for (Duration t : whole.ticks()) {
      double x = whole.x(t);
      out.line(x, axisY, x, axisY + 3, "stroke=\"#adb5bd\"");
      out.append("<text class=\"overview-tick\" data-at-ms=\"" + t.toMillis() + "\" x=\"" + num(x))
          .append("\" y=\"" + num(axisY + 13) + "\" text-anchor=\"middle\" font-size=\"9\"")
          .append(" fill=\"" + MUTED + "\">" + xml(TimeScale.label(t)) + "</text>\n");
    }
    double x1 = whole.x(scale.from());
    double x2 = Math.max(whole.x(scale.to()), x1 + 3);
    double bottom = axisY + 17;
    out.append("<g class=\"zoom\" data-from-ms=\"" + scale.from().toMillis() + "\"")
        .append(" data-to-ms=\"" + scale.to().toMillis() + "\"><title>")
        .append(
            xml(
                "the lanes below draw "
                    + TimeScale.label(scale.from())
                    + " to "
                    + TimeScale.label(scale.to())
                    + " of the run"))
        .append("</title>\n");
    out.append(
        "<polygon points=\""
            + num(x1)
            + ","
            + num(bottom)
            + " "
            + num(x2)
            + ","
            + num(bottom)
            + " "
            + num(scale.end())
            + ","
            + num(bottom + 16)
            + " "
            + num(PLOT_X0)
            + ","
            + num(bottom + 16)
            + "\" fill=\"#495057\" fill-opacity=\"0.12\"/>\n");
    out.rect(
        x1,
        top - 3,
        x2 - x1,
        rowsBottom - top + 3 + 0.5,
        "class=\"zoom-frame\" fill=\"#495057\" fill-opacity=\"0.12\" stroke=\"#212529\" stroke-width=\"1.2\"");
    out.append("</g>\n</g>\n");
    return bottom + 16;
  }

  private void laneBackground(double top) {
    double trouble = scale.x(scenario.troubleStart());
    out.rect(PLOT_X0, top, trouble - PLOT_X0, LANE_HEIGHT, "fill=\"" + BEFORE_TROUBLE + "\"");
    out.rect(trouble, top, scale.end() - trouble, LANE_HEIGHT, "fill=\"" + AFTER_TROUBLE + "\"");
    for (Duration t : scale.ticks()) {
      double x = scale.x(t);
      out.line(x, top, x, top + LANE_HEIGHT, "stroke=\"#ffffff\" stroke-width=\"1.5\"");
    }
  }

  private void axis() {
    double y = lanesBottom();
    out.line(PLOT_X0, y + 0.5, scale.end(), y + 0.5, "stroke=\"#adb5bd\"");
    out.append("<g class=\"axis\">\n");
    for (Duration t : scale.ticks()) {
      double x = scale.x(t);
      out.line(x, y, x, y + 5, "stroke=\"#adb5bd\"");
      out.append(
              "<text class=\"tick\" data-at-ms=\"" + t.toMillis() + "\" x=\"" + num(x) + "\" y=\"")
          .append(num(y + 18) + "\" text-anchor=\"middle\" fill=\"" + MUTED + "\">")
          .append(xml(TimeScale.label(t)) + "</text>\n");
    }
    out.append("</g>\n");
  }

  private void hostMarker(HostMarker m) {
    double labelY = labelsTop + m.labelRow() * LABEL_ROW;
    out.append("<g class=\"host-event\" data-at-ms=\"" + m.times().get(0).toMillis() + "\"")
        .append(" data-count=\"" + m.count() + "\">")
        .append("<title>" + xml(m.title()) + "</title>\n");
    hostLines(m.times(), scale, labelY + 3, lanesBottom(), m.count() > 1 ? "0.45" : "1");
    out.text(
        m.x(),
        labelY,
        "class=\"host-label\" fill=\""
            + HOST_COLOR
            + "\" font-size=\""
            + num(HostMarker.FONT_SIZE)
            + "\""
            + (m.anchorEnd() ? " text-anchor=\"end\"" : ""),
        m.label());
    out.append("</g>\n");
  }

  /** A dashed line at each of {@code times} on {@code on}, one per pixel column at most. */
  private void hostLines(List<Duration> times, TimeScale on, double y1, double y2, String opacity) {
    double last = Double.NaN;
    for (Duration t : times) {
      if (!on.contains(t)) {
        continue;
      }
      double x = on.x(t);
      if (Math.abs(x - last) < 1) {
        continue;
      }
      last = x;
      out.line(
          x,
          y1,
          x,
          y2,
          "stroke=\""
              + HOST_COLOR
              + "\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\""
              + (opacity.equals("1") ? "" : " stroke-opacity=\"" + opacity + "\""));
    }
  }

  private void lane(Lane lane, String caption, double top) {
    ScenarioOutcome o = lane.outcome();
    out.append("<g class=\"lane\" data-machine=\"" + xml(o.guest()) + "\">\n");
    double nameWidth = PLOT_X0 - MARGIN - 6;
    String name = Format.fit(o.guest(), nameWidth, 14, true);
    if (!name.equals(o.guest())) {
      out.append("<title>" + xml(o.guest()) + "</title>");
    }
    out.text(MARGIN, top + 34, "class=\"lane-name\" font-size=\"14\" font-weight=\"bold\"", name);
    out.text(
        MARGIN,
        top + 52,
        "class=\"lane-caption\" fill=\"" + MUTED + "\"",
        Format.fit(caption, nameWidth, 11, false));
    for (Lane.Span s : lane.polls()) {
      if (s.to().compareTo(scale.from()) < 0 || s.from().compareTo(scale.to()) > 0) {
        continue;
      }
      double x = scale.x(s.from());
      out.append("<rect class=\"poll\" x=\"" + num(x) + "\" y=\"" + num(top + POLL_Y) + "\"")
          .append(" width=\"" + num(Math.max(1, scale.x(s.to()) - x)) + "\"")
          .append(" height=\"" + num(POLL_HEIGHT) + "\" fill=\"#3a86ff\"><title>")
          .append(xml(s.title()) + "</title></rect>\n");
    }
    for (Lane.Run r : lane.runs()) {
      if (r.last().at().compareTo(scale.from()) >= 0 && r.first().at().compareTo(scale.to()) <= 0) {
        run(r, top + ROW_Y[r.first().style().row()]);
      }
    }
    outcome(o, top);
    out.append("</g>\n");
  }

  private void run(Lane.Run r, double y) {
    Mark first = r.first();
    double x1 = scale.x(first.at());
    String classes = "mark " + first.style().kind() + (r.repeated() ? " repeat" : "");
    out.append("<g class=\"" + classes + "\" data-at-ms=\"" + first.at().toMillis() + "\"");
    if (r.repeated()) {
      out.append(" data-until-ms=\"" + r.last().at().toMillis() + "\"")
          .append(" data-count=\"" + r.marks().size() + "\"");
    }
    out.append("><title>" + xml(r.title()) + "</title>");
    if (!r.repeated()) {
      for (Mark m : r.marks()) {
        if (scale.contains(m.at())) {
          out.use(m.style(), scale.x(m.at()), y);
        }
      }
      out.append("</g>\n");
      return;
    }
    double x2 = scale.x(r.last().at());
    out.rect(
        x1,
        y - 5,
        x2 - x1,
        10,
        "fill=\"" + first.style().color() + "\" fill-opacity=\"0.28\" rx=\"2\"");
    if (scale.contains(first.at())) {
      out.use(first.style(), x1, y);
    }
    if (scale.contains(r.last().at())) {
      out.use(r.last().style(), x2, y);
    }
    String label = "\u00d7" + count(r.marks().size());
    double labelWidth = Format.width(label, 11, true);
    // in the bar when it is wide enough, else right of it, or left of it at the axis' end
    boolean inside = x2 - x1 >= labelWidth + 24;
    boolean right = x2 + 8 + labelWidth <= scale.end();
    out.text(
        inside ? (x1 + x2) / 2 : right ? x2 + 8 : x1 - 8,
        y + 4,
        "class=\"count\" font-size=\"11\" font-weight=\"bold\" fill=\""
            + first.style().color()
            + "\""
            + (inside ? " text-anchor=\"middle\"" : right ? "" : " text-anchor=\"end\""),
        label);
    out.append("</g>\n");
  }

  private void outcome(ScenarioOutcome o, double top) {
    Classification c = o.classification();
    String color =
        switch (c) {
          case RECOVERED -> "#2b9348";
          case STUCK -> "#d62828";
          case FLAPPING -> "#e07a00";
          case UNAFFECTED -> "#6c757d";
        };
    String detail =
        switch (c) {
          case RECOVERED -> "recovers in " + o.timeToRecover().map(TimeScale::label).orElse("?");
          case STUCK, FLAPPING, UNAFFECTED -> c.meaning();
        };
    String word = c.name().toLowerCase(java.util.Locale.ROOT);
    out.append("<g class=\"outcome " + word + "\">");
    out.rect(OUTCOME_X, top + 16, 104, 22, "rx=\"11\" fill=\"" + color + "\"");
    out.text(
        OUTCOME_X + 52,
        top + 31.5,
        "fill=\"#ffffff\" font-weight=\"bold\" font-size=\"11.5\" text-anchor=\"middle\"",
        word.toUpperCase(java.util.Locale.ROOT));
    // The definition in up to two lines of about 30 characters: the space right of the plot.
    List<String> rows = Format.wrapChars(detail, 30);
    for (int i = 0; i < rows.size(); i++) {
      out.text(
          OUTCOME_X + 2,
          top + (rows.size() == 1 ? 56 : 52) + 14 * i,
          "fill=\"" + color + "\" font-size=\"12\"",
          rows.get(i));
    }
    out.append("</g>\n");
  }

  /** The legend from baseline {@code y}; returns the baseline of its last line. */
  private double legend(double y) {
    out.append("<g class=\"legend\">\n");
    double x = PLOT_X0;
    for (Mark.Style m : Mark.styles()) {
      out.use(m, x + 5, y - 4);
      out.text(x + 14, y, "", m.words());
      x += 26 + Format.width(m.words(), 11, false);
    }
    out.rect(x, y - 7, 22, POLL_HEIGHT, "fill=\"#3a86ff\"");
    out.text(x + 28, y, "", "TCLO polling");
    x += 40 + Format.width("TCLO polling", 11, false);
    out.line(x + 4, y - 11, x + 4, y + 3, "stroke=\"" + HOST_COLOR + "\" stroke-dasharray=\"4 3\"");
    out.text(x + 12, y, "", "host event");
    x += 24 + Format.width("host event", 11, false);
    out.rect(x, y - 9, 22, 10, "fill=\"#d62828\" fill-opacity=\"0.28\" rx=\"2\"");
    out.text(x + 28, y, "", "\u00d7N repeats joined");
    String note =
        "shaded: after the trouble starts \u00b7 outcome and time to recover (from the start of"
            + " the trouble) on the right"
            + (zoomed
                ? " \u00b7 the strip at the top is the whole run; its frame, the stretch the"
                    + " lanes draw"
                : "");
    for (String row : Format.wrap(note, WIDTH - PLOT_X0 - MARGIN, 11, false)) {
      y += 18;
      out.text(PLOT_X0, y, "fill=\"" + MUTED + "\"", row);
    }
    out.append("</g>\n");
    return y;
  }
}
