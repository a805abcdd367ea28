package io.github.vmbackdoor.hostsim.report;

import static io.github.vmbackdoor.hostsim.report.Format.count;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import java.time.Duration;
import java.util.List;

/**
 * A picture of one scenario's runs: one lane per run (machine), virtual time across. It draws the
 * scenario's host events as dashed lines across all lanes, each run's successful TCLO polls as a
 * thin band, its failures, channel resets, reopens and other log lines as marks whose hover titles
 * hold the exact vmt log lines, repeats that would overlap joined into one bar with their count,
 * and each run's outcome and time to recover beside its lane.
 *
 * <p>{@link #svg()} is one self-contained SVG document; {@link #html()} a page holding it (inline
 * CSS, no script, nothing fetched). The output depends only on the scenario and the runs: the same
 * runs give the same bytes.
 *
 * <pre>{@code
 * Scenario s = BuiltInScenarios.hostClosesTclo();
 * TimelinePicture p = TimelinePicture.of(s, List.copyOf(ScenarioRunner.compare(s).values()));
 * Files.writeString(Path.of("host-closes-tclo.html"), p.html());
 * }</pre>
 */
public final class TimelinePicture {

  private final Scenario scenario;
  private final ImmutableList<ScenarioOutcome> runs;
  private final ImmutableList<String> captions;

  private TimelinePicture(Scenario scenario, List<ScenarioOutcome> runs, List<String> captions) {
    this.scenario = scenario;
    this.runs = ImmutableList.copyOf(runs);
    this.captions = ImmutableList.copyOf(captions);
  }

  /**
   * The picture of {@code runs}, each a run of {@code scenario} (as run: with the run length it ran
   * for), drawn top to bottom in the order given.
   */
  public static TimelinePicture of(Scenario scenario, List<ScenarioOutcome> runs) {
    Preconditions.checkNotNull(scenario, "scenario");
    Preconditions.checkArgument(!runs.isEmpty(), "no runs to draw");
    for (ScenarioOutcome run : runs) {
      Preconditions.checkArgument(
          run.scenario().equals(scenario.name()),
          "a run of '%s' in the picture of '%s'",
          run.scenario(),
          scenario.name());
    }
    return new TimelinePicture(
        scenario, runs, runs.stream().map(r -> count(r.lines().size()) + " log lines").toList());
  }

  /**
   * This picture with {@code captions} under the lanes' names, one per run in order, instead of how
   * many log lines each run printed (a recorded session, say, counts its calls).
   */
  public TimelinePicture captioned(List<String> captions) {
    Preconditions.checkArgument(
        captions.size() == runs.size(), "%s captions for %s runs", captions.size(), runs.size());
    return new TimelinePicture(scenario, runs, captions);
  }

  /** The scenario drawn. */
  public Scenario scenario() {
    return scenario;
  }

  /**
   * The picture as one self-contained SVG document. When the story (the host events and the
   * machines' reactions until they repeat themselves) takes a small part of the run, the lanes are
   * zoomed on it and a strip above them shows the whole run.
   */
  public String svg() {
    return new TimelineSvg(scenario, runs, captions, scale()).render();
  }

  /** An HTML page holding the picture. */
  public String html() {
    return html(List.of(this));
  }

  /** One HTML page holding {@code pictures}, one after the other. */
  public static String html(List<TimelinePicture> pictures) {
    Preconditions.checkArgument(!pictures.isEmpty(), "no pictures");
    String title =
        pictures.size() == 1
            ? "vmbackdoor timeline: " + pictures.get(0).scenario.name()
            : "vmbackdoor timelines";
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>" + Format.xml(title) + "</title>\n")
        .append("<style>\n")
        .append("body{margin:16px;background:#fff;color:#212529;")
        .append("font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:14px}\n")
        .append("h1{font-size:18px;margin:0 0 12px}\n")
        .append("figure{margin:0 0 28px}\n")
        .append("svg.timeline{display:block;max-width:100%;height:auto}\n")
        .append("dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;")
        .append("max-width:1060px;color:#495057}\n")
        .append("dt{font-weight:bold}dd{margin:0}\n")
        .append("</style>\n</head>\n<body>\n")
        .append("<h1>" + Format.xml(title) + "</h1>\n");
    for (TimelinePicture p : pictures) {
      b.append("<figure id=\"scenario-" + Format.xml(p.scenario.name()) + "\">\n")
          .append(p.svg())
          .append("</figure>\n");
    }
    b.append("<dl>\n");
    key(b, "lanes", "one run of the scenario per machine, virtual time from left to right");
    key(
        b,
        "the whole run",
        "when the story takes a small part of the run, the lanes zoom on it and this strip above"
            + " them shows every lane over the whole run, its frame around the stretch drawn");
    key(b, "dashed lines", "the scenario's host events; hover one for its scenario line");
    key(b, "blue band", "successful TCLO polls (the machine is polling)");
    for (Mark.Style m : Mark.styles()) {
      key(b, m.words(), m.meaning());
    }
    key(b, "\u00d7N bar", "N marks of the same kind and words, too close to draw one by one");
    key(
        b,
        "hover titles",
        "a mark's exact vmt log lines (all printed at that instant), a host event's scenario"
            + " line, a band's polls");
    key(b, "outcome", "stuck, recovered, flapping or unaffected; time to recover from the trouble");
    b.append("</dl>\n</body>\n</html>\n");
    return b.toString();
  }

  private static void key(StringBuilder b, String term, String meaning) {
    b.append("<dt>" + Format.xml(term) + "</dt><dd>" + Format.xml(meaning) + "</dd>\n");
  }

  /** The lanes' axis: the story's stretch when it is short, else the whole run. */
  TimeScale scale() {
    Duration length = scenario.length();
    return Story.of(scenario, runs)
        .flatMap(s -> s.window(length, TimelineSvg.PLOT_X0, TimelineSvg.PLOT_WIDTH))
        .orElse(new TimeScale(length, TimelineSvg.PLOT_X0, TimelineSvg.PLOT_WIDTH));
  }
}
