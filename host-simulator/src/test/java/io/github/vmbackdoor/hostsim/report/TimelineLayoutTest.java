package io.github.vmbackdoor.hostsim.report;

import static io.github.vmbackdoor.hostsim.report.SvgDocument.box;
import static io.github.vmbackdoor.hostsim.report.SvgDocument.find;
import static io.github.vmbackdoor.hostsim.report.SvgDocument.number;
import static io.github.vmbackdoor.hostsim.report.SvgDocument.overlap;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * The picture's geometry: labels that never overlap, a title that never runs into its description,
 * and a story that fills the lanes' axis whether it lasts five seconds or the whole hour.
 */
class TimelineLayoutTest {

  /** The share of the lanes' axis a story must take at least. */
  private static final double STORY_SHARE = 0.5;

  /** A story of five seconds in a run of an hour: the host closes the channel, then resets. */
  static Scenario fiveSecondStory() {
    return Scenario.named("five-second-story")
        .description("the host closes the TCLO channel at 30 min and resets 5 s later")
        .at(Duration.ofMinutes(30))
        .closeTclo()
        .at(Duration.ofMinutes(30).plusSeconds(5))
        .hostReset()
        .build();
  }

  /** A story that lasts the hour: trouble at 3 minutes, more at 17, 31, 44 and 57. */
  static Scenario oneHourStory() {
    return Scenario.named("one-hour-story")
        .description("the host closes, resets, checkpoints and closes again over the hour")
        .at(Duration.ofMinutes(3))
        .closeTclo()
        .at(Duration.ofMinutes(17))
        .hostReset()
        .at(Duration.ofMinutes(31))
        .checkpoint()
        .at(Duration.ofMinutes(44))
        .power(GuestOsState.SUSPEND)
        .at(Duration.ofMinutes(57))
        .closeTclo()
        .build();
  }

  private static SvgDocument draw(Scenario s) {
    return SvgDocument.parse(
        TimelinePicture.of(s, List.copyOf(ScenarioRunner.compare(s).values())).svg());
  }

  /** How much of the lanes' axis the story's host events and marks span. */
  private static double storyShare(SvgDocument picture, Scenario s) {
    long[] drawn = picture.drawn(s.length().toMillis());
    List<Long> times = new ArrayList<>();
    for (Element e : find(picture.root(), "g", "host-event")) {
      times.add(Long.parseLong(e.getAttribute("data-at-ms")));
    }
    long first = times.stream().mapToLong(Long::longValue).min().orElseThrow();
    long last = times.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertThat(first).isGreaterThanOrEqualTo(drawn[0]);
    assertThat(last).isLessThanOrEqualTo(drawn[1]);
    return (double) (last - first) / (drawn[1] - drawn[0]);
  }

  @Test
  void aFiveSecondStoryInAnHourFillsTheZoomedAxis() {
    Scenario s = fiveSecondStory();
    SvgDocument picture = draw(s);
    long[] drawn = picture.drawn(s.length().toMillis());
    assertThat(drawn[1] - drawn[0]).as("zoomed").isLessThan(60_000);
    assertThat(storyShare(picture, s)).isGreaterThanOrEqualTo(STORY_SHARE);
    // the whole hour is still there: the strip's axis and its frame on the story
    assertThat(find(picture.root(), "text", "overview-tick").stream().map(Element::getTextContent))
        .containsExactly("0s", "10m", "20m", "30m", "40m", "50m", "1h");
    Element frame = SvgDocument.one(picture.root(), "rect", "zoom-frame");
    assertThat(number(frame, "x")).isBetween(150 + 720 * 0.49, 150 + 720 * 0.51);
    // the reaction is drawn: every machine's first failure is in its lane
    for (String machine : List.of("fixed", "legacy", "proposed-patch")) {
      assertThat(find(picture.lane(machine), "g", "mark", "tclo-failure")).isNotEmpty();
    }
  }

  @Test
  void aOneHourStoryKeepsTheWholeHour() {
    Scenario s = oneHourStory();
    SvgDocument picture = draw(s);
    assertThat(find(picture.root(), "g", "zoom")).isEmpty();
    assertThat(storyShare(picture, s)).isGreaterThanOrEqualTo(STORY_SHARE);
    assertThat(find(picture.root(), "text", "tick").stream().map(Element::getTextContent))
        .containsExactly("0s", "10m", "20m", "30m", "40m", "50m", "1h");
  }

  @Test
  void hostEventLabelsNeverOverlapInAnyBuiltInScenario() {
    for (Scenario s : BuiltInScenarios.all()) {
      assertLabelsApart(s.name(), draw(s));
    }
    assertLabelsApart("five-second-story", draw(fiveSecondStory()));
    assertLabelsApart("one-hour-story", draw(oneHourStory()));
  }

  @Test
  void crowdedLongLabelsGetRowsOfTheirOwnAndStayInThePicture() {
    Scenario.Builder b = Scenario.named("crowded").runFor(Duration.ofMinutes(20));
    for (int k = 0; k < 8; k++) {
      b.at(Duration.ofMinutes(10).plusMillis(300L * k))
          .fault(
              "a-fault-with-a-long-name-" + k,
              Fault.builder()
                  .protocol(BackdoorProtocol.PROTOCOL_RPCI)
                  .step(Step.SENDSIZE)
                  .nth(k + 1)
                  .clearSuccess()
                  .build());
    }
    b.at(Duration.ofMinutes(20).minusMillis(1))
        .sendTclo("a command with a rather long text at the end");
    SvgDocument picture = draw(b.build());
    List<Element> labels = find(picture.root(), "text", "host-label");
    assertThat(labels).hasSize(9);
    assertLabelsApart("crowded", picture);
    for (Element label : labels) {
      double[] box = box(label);
      assertThat(box[0]).as(label.getTextContent()).isGreaterThanOrEqualTo(0);
      assertThat(box[2]).as(label.getTextContent()).isLessThanOrEqualTo(TimelineSvg.WIDTH);
      assertThat(label.getTextContent()).doesNotEndWith("\u2026");
    }
  }

  @Test
  void aLongTitleWrapsAndNeverRunsIntoTheDescription() {
    String name = "a-scenario-whose-name-goes-on-" + "and-on-".repeat(12) + "end";
    String description = "a description that is long too, ".repeat(10).strip();
    Scenario s =
        Scenario.named(name)
            .description(description)
            .runFor(Duration.ofMinutes(5))
            .at(Duration.ofMinutes(1))
            .closeTclo()
            .build();
    SvgDocument picture = draw(s);
    List<Element> title = find(picture.root(), "text", "title");
    List<Element> words = find(picture.root(), "text", "description");
    List<Element> facts = find(picture.root(), "text", "facts");
    assertThat(title).hasSizeGreaterThan(1);
    assertThat(words).hasSizeGreaterThan(1);
    List<Element> header = new ArrayList<>(title);
    header.addAll(words);
    header.addAll(facts);
    for (int i = 0; i < header.size(); i++) {
      double[] a = box(header.get(i));
      assertThat(a[2]).isLessThanOrEqualTo(TimelineSvg.WIDTH - 16);
      for (int j = i + 1; j < header.size(); j++) {
        assertThat(overlap(a, box(header.get(j))))
            .as("%s and %s", header.get(i).getTextContent(), header.get(j).getTextContent())
            .isFalse();
      }
    }
    String shown = String.join("", title.stream().map(Element::getTextContent).toList());
    assertThat(shown).isEqualTo(name);
    // the lanes start below the header
    double headerBottom = header.stream().mapToDouble(e -> box(e)[3]).max().orElseThrow();
    for (Element label : find(picture.root(), "text", "host-label")) {
      assertThat(box(label)[1]).isGreaterThan(headerBottom);
    }
  }

  private static void assertLabelsApart(String scenario, SvgDocument picture) {
    List<Element> labels = find(picture.root(), "text", "host-label");
    for (int i = 0; i < labels.size(); i++) {
      for (int j = i + 1; j < labels.size(); j++) {
        double[] a = box(labels.get(i));
        double[] b = box(labels.get(j));
        assertThat(overlap(a, b))
            .as(
                "%s: '%s' %s and '%s' %s",
                scenario,
                labels.get(i).getTextContent(),
                Arrays.toString(a),
                labels.get(j).getTextContent(),
                Arrays.toString(b))
            .isFalse();
      }
    }
  }
}
