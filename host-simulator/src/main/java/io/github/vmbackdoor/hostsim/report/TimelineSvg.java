package io.github.vmbackdoor.hostsim.report;

import static io.github.vmbackdoor.hostsim.report.Format.count;
import static io.github.vmbackdoor.hostsim.report.Format.num;
import static io.github.vmbackdoor.hostsim.report.Format.xml;

import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.Classification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Draws lanes and host markers on a time scale as one SVG document (a string). */
final class TimelineSvg {

  static final double WIDTH = 1100;
  static final double PLOT_X0 = 150;
  static final double PLOT_WIDTH = 720;
  static final double LANE_HEIGHT = 80;
  static final double LANE_GAP = 10;

  /** The y of each mark row in a lane, from the lane's top (see {@link Mark#row()}). */
  static final double[] ROW_Y = {11, 23, 35, 47, 59};

  private static final double OUTCOME_X = PLOT_X0 + PLOT_WIDTH + 22;
  private static final double LABELS_TOP = 70;
  private static final double LABEL_ROW = 14;
  private static final double POLL_Y = 69;
  private static final double POLL_HEIGHT = 5;
  private static final String FONT = "DejaVu Sans, Verdana, Arial, sans-serif";
  private static final String HOST_COLOR = "#5a3e9e";
  private static final String TEXT = "#212529";
  private static final String MUTED = "#6c757d";

  private final Scenario scenario;
  private final List<Lane> lanes;
  private final List<HostMarker> markers;
  private final TimeScale scale;
  private final double lanesTop;
  private final StringBuilder out = new StringBuilder();

  TimelineSvg(Scenario scenario, List<Lane> lanes, List<HostMarker> markers, TimeScale scale) {
    this.scenario = scenario;
    this.lanes = lanes;
    this.markers = markers;
    this.scale = scale;
    this.lanesTop = lanesTop(HostMarker.rows(markers));
  }

  /** The top of the first lane when the host-event labels take {@code labelRows} rows. */
  static double lanesTop(int labelRows) {
    return LABELS_TOP + labelRows * LABEL_ROW + 6;
  }

  /** The top of lane {@code i}. */
  double laneTop(int i) {
    return lanesTop + i * (LANE_HEIGHT + LANE_GAP);
  }

  private double lanesBottom() {
    return laneTop(lanes.size()) - LANE_GAP;
  }

  String render() {
    double height = lanesBottom() + 66;
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\"")
        .append(" xmlns:xlink=\"http://www.w3.org/1999/xlink\" class=\"timeline\"")
        .append(" width=\"" + num(WIDTH) + "\" height=\"" + num(height) + "\"")
        .append(" viewBox=\"0 0 " + num(WIDTH) + " " + num(height) + "\"")
        .append(" font-family=\"" + FONT + "\" font-size=\"11\" fill=\"" + TEXT + "\">\n");
    out.append("<title>" + xml("timeline of scenario " + scenario.name()) + "</title>\n");
    out.append("<defs>\n");
    for (Mark.Style m : Mark.styles()) {
      out.append("<g id=\"m-" + m.kind() + "\">" + m.shape() + "</g>\n");
    }
    out.append("</defs>\n");
    out.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    header();
    for (int i = 0; i < lanes.size(); i++) {
      laneBackground(laneTop(i));
    }
    axis();
    markers.forEach(this::hostMarker);
    for (int i = 0; i < lanes.size(); i++) {
      lane(lanes.get(i), laneTop(i));
    }
    legend(lanesBottom() + 46);
    out.append("</svg>\n");
    return out.toString();
  }

  private void header() {
    text(16, 26, "font-size=\"17\" font-weight=\"bold\"", scenario.name());
    if (!scenario.description().isEmpty()) {
      text(
          16 + scenario.name().length() * 10.5 + 10,
          26,
          "font-size=\"14\"",
          scenario.description());
    }
    text(
        16,
        46,
        "fill=\"" + MUTED + "\"",
        "virtual time \u00b7 run "
            + TimeScale.label(scenario.length())
            + " \u00b7 seed "
            + scenario.seed()
            + " \u00b7 trouble from "
            + TimeScale.label(scenario.troubleStart())
            + " \u00b7 hover a mark for its vmt log lines");
  }

  private void laneBackground(double top) {
    double trouble = scale.x(scenario.troubleStart());
    rect(PLOT_X0, top, trouble - PLOT_X0, LANE_HEIGHT, "fill=\"#f1f3f5\"");
    rect(trouble, top, scale.end() - trouble, LANE_HEIGHT, "fill=\"#fdf0e1\"");
    for (Duration t : scale.ticks()) {
      double x = scale.x(t);
      line(x, top, x, top + LANE_HEIGHT, "stroke=\"#ffffff\" stroke-width=\"1.5\"");
    }
  }

  private void axis() {
    double y = lanesBottom();
    line(PLOT_X0, y + 0.5, scale.end(), y + 0.5, "stroke=\"#adb5bd\"");
    out.append("<g class=\"axis\">\n");
    for (Duration t : scale.ticks()) {
      double x = scale.x(t);
      line(x, y, x, y + 5, "stroke=\"#adb5bd\"");
      out.append(
              "<text class=\"tick\" data-at-ms=\"" + t.toMillis() + "\" x=\"" + num(x) + "\" y=\"")
          .append(num(y + 18) + "\" text-anchor=\"middle\" fill=\"" + MUTED + "\">")
          .append(xml(TimeScale.label(t)) + "</text>\n");
    }
    out.append("</g>\n");
  }

  private void hostMarker(HostMarker m) {
    double labelY = LABELS_TOP + m.labelRow() * LABEL_ROW;
    out.append("<g class=\"host-event\" data-at-ms=\"" + m.times().get(0).toMillis() + "\"")
        .append(" data-count=\"" + m.times().size() + "\">")
        .append("<title>" + xml(m.title()) + "</title>\n");
    String opacity = m.times().size() > 1 ? " stroke-opacity=\"0.45\"" : "";
    for (Duration t : m.times()) {
      double x = scale.x(t);
      line(
          x,
          labelY + 3,
          x,
          lanesBottom(),
          "stroke=\"" + HOST_COLOR + "\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\"" + opacity);
    }
    double x = scale.x(m.times().get(0));
    boolean right = x + m.label().length() * HostMarker.CHAR_WIDTH > WIDTH - 8;
    text(
        right ? x - 3 : x + 3,
        labelY,
        "fill=\"" + HOST_COLOR + "\" font-size=\"10\"" + (right ? " text-anchor=\"end\"" : ""),
        m.label());
    out.append("</g>\n");
  }

  private void lane(Lane lane, double top) {
    ScenarioOutcome o = lane.outcome();
    out.append("<g class=\"lane\" data-machine=\"" + xml(o.guest()) + "\">\n");
    text(16, top + 34, "font-size=\"14\" font-weight=\"bold\"", o.guest());
    text(16, top + 52, "fill=\"" + MUTED + "\"", count(o.lines().size()) + " log lines");
    for (Lane.Span s : lane.polls()) {
      double x = scale.x(s.from());
      out.append("<rect class=\"poll\" x=\"" + num(x) + "\" y=\"" + num(top + POLL_Y) + "\"")
          .append(" width=\"" + num(Math.max(1, scale.x(s.to()) - x)) + "\"")
          .append(" height=\"" + num(POLL_HEIGHT) + "\" fill=\"#3a86ff\"><title>")
          .append(xml(pollTitle(s)) + "</title></rect>\n");
    }
    for (Lane.Run r : lane.runs()) {
      run(r, top + ROW_Y[r.first().style().row()]);
    }
    outcome(o, top);
    out.append("</g>\n");
  }

  private static String pollTitle(Lane.Span s) {
    return "polling from "
        + TimeScale.label(s.from())
        + " to "
        + TimeScale.label(s.to())
        + ": "
        + count(s.count())
        + (s.count() == 1 ? " successful poll" : " successful polls");
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
    out.append("><title>" + xml(runTitle(r)) + "</title>");
    if (!r.repeated()) {
      for (Mark m : r.marks()) {
        use(m.style(), scale.x(m.at()), y);
      }
      out.append("</g>\n");
      return;
    }
    double x2 = scale.x(r.last().at());
    rect(
        x1,
        y - 5,
        x2 - x1,
        10,
        "fill=\"" + first.style().color() + "\" fill-opacity=\"0.28\" rx=\"2\"");
    use(first.style(), x1, y);
    use(r.last().style(), x2, y);
    String label = "\u00d7" + count(r.marks().size());
    double labelWidth = label.length() * 6.5;
    boolean inside = x2 - x1 >= labelWidth + 24;
    text(
        inside ? (x1 + x2) / 2 : x2 + 8,
        y + 4,
        "font-size=\"11\" font-weight=\"bold\" fill=\""
            + first.style().color()
            + "\""
            + (inside ? " text-anchor=\"middle\"" : ""),
        label);
    out.append("</g>\n");
  }

  private static String runTitle(Lane.Run r) {
    Mark first = r.first();
    if (!r.repeated()) {
      return TimeScale.label(first.at()) + " \u2014 " + first.description();
    }
    Duration span = r.last().at().minus(first.at());
    Duration every = span.dividedBy(r.marks().size() - 1);
    boolean regular = true;
    for (int i = 1; i < r.marks().size(); i++) {
      regular &= r.marks().get(i).at().minus(r.marks().get(i - 1).at()).equals(every);
    }
    return "\u00d7"
        + count(r.marks().size())
        + " from "
        + TimeScale.label(first.at())
        + " to "
        + TimeScale.label(r.last().at())
        + (regular ? ", every " : ", about every ")
        + TimeScale.label(every)
        + " \u2014 "
        + first.description()
        + (r.marks().stream().allMatch(m -> m.detail().equals(first.detail()))
            ? ""
            : "\n(the details of the first; they differ)");
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
    rect(OUTCOME_X, top + 16, 104, 22, "rx=\"11\" fill=\"" + color + "\"");
    text(
        OUTCOME_X + 52,
        top + 31.5,
        "fill=\"#ffffff\" font-weight=\"bold\" font-size=\"11.5\" text-anchor=\"middle\"",
        word.toUpperCase(java.util.Locale.ROOT));
    // The definition in up to two lines of about 30 characters: the space right of the plot.
    List<String> rows = wrap(detail, 30);
    for (int i = 0; i < rows.size(); i++) {
      text(
          OUTCOME_X + 2,
          top + (rows.size() == 1 ? 56 : 52) + 14 * i,
          "fill=\"" + color + "\" font-size=\"12\"",
          rows.get(i));
    }
    out.append("</g>\n");
  }

  /** Words in lines of at most {@code width} characters (a longer word gets a line of its own). */
  static List<String> wrap(String words, int width) {
    List<String> rows = new ArrayList<>();
    StringBuilder row = new StringBuilder();
    for (String w : words.split(" ")) {
      if (row.length() > 0 && row.length() + 1 + w.length() > width) {
        rows.add(row.toString());
        row.setLength(0);
      }
      row.append(row.length() > 0 ? " " : "").append(w);
    }
    rows.add(row.toString());
    return rows;
  }

  private void legend(double y) {
    out.append("<g class=\"legend\">\n");
    double x = PLOT_X0;
    for (Mark.Style m : Mark.styles()) {
      use(m, x + 5, y - 4);
      text(x + 14, y, "", m.words());
      x += 26 + m.words().length() * 6.2;
    }
    rect(x, y - 7, 22, POLL_HEIGHT, "fill=\"#3a86ff\"");
    text(x + 28, y, "", "TCLO polling");
    x += 110;
    line(x + 4, y - 11, x + 4, y + 3, "stroke=\"" + HOST_COLOR + "\" stroke-dasharray=\"4 3\"");
    text(x + 12, y, "", "host event");
    x += 86;
    rect(x, y - 9, 22, 10, "fill=\"#d62828\" fill-opacity=\"0.28\" rx=\"2\"");
    text(x + 28, y, "", "\u00d7N repeats joined");
    text(
        PLOT_X0,
        y + 18,
        "fill=\"" + MUTED + "\"",
        "shaded: after the trouble starts \u00b7 outcome and time to recover (from the start of"
            + " the trouble) on the right");
    out.append("</g>\n");
  }

  private void use(Mark.Style m, double x, double y) {
    out.append("<use xlink:href=\"#m-" + m.kind() + "\" x=\"" + num(x) + "\" y=\"" + num(y))
        .append("\"/>");
  }

  private void rect(double x, double y, double w, double h, String attrs) {
    out.append("<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\"")
        .append(" height=\"" + num(h) + "\" " + attrs + "/>\n");
  }

  private void line(double x1, double y1, double x2, double y2, String attrs) {
    out.append("<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\"")
        .append(" y2=\"" + num(y2) + "\" " + attrs + "/>\n");
  }

  private void text(double x, double y, String attrs, String text) {
    out.append("<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"")
        .append(attrs.isEmpty() ? "" : " " + attrs)
        .append(">" + xml(text) + "</text>\n");
  }
}
