package io.github.vmbackdoor.hostsim.report;

import static io.github.vmbackdoor.hostsim.report.SvgDocument.find;
import static io.github.vmbackdoor.hostsim.report.SvgDocument.number;
import static io.github.vmbackdoor.hostsim.report.SvgDocument.one;
import static io.github.vmbackdoor.hostsim.report.SvgDocument.title;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloMachines;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/** The SVG's structure: lanes, marks and markers at the x their virtual times give. */
class TimelinePictureTest {

  private static final Scenario HOST_CLOSES = BuiltInScenarios.hostClosesTclo();
  private static final String SENDING_LENGTH_FAILED =
      "vmware: sending length failed, eax=0, ecx=0x40000";

  private static List<ScenarioOutcome> runs;
  private static String svg;
  private static SvgDocument doc;

  @BeforeAll
  static void drawHostClosesTclo() {
    runs = List.copyOf(ScenarioRunner.compare(HOST_CLOSES).values());
    svg = TimelinePicture.of(HOST_CLOSES, runs).svg();
    doc = SvgDocument.parse(svg);
  }

  /** The x of {@code t} on {@code picture}'s lanes: the plot spans 720 pixels from x = 150. */
  private static double x(SvgDocument picture, long runMillis, Duration t) {
    long[] drawn = picture.drawn(runMillis);
    return 150 + 720.0 * (t.toMillis() - drawn[0]) / (drawn[1] - drawn[0]);
  }

  /** The x of {@code t} on host-closes-tclo's lanes. */
  private static double x(Duration t) {
    return x(doc, Duration.ofHours(1).toMillis(), t);
  }

  /** The x of {@code t} on a whole hour (the overview strip, or an axis not zoomed). */
  private static double hourX(Duration t) {
    return 150 + 720.0 * t.toMillis() / Duration.ofHours(1).toMillis();
  }

  private static double useX(Element mark, int i) {
    return number(find(mark, "use").get(i), "x");
  }

  @Test
  void oneLanePerMachineInTheOrderRun() {
    List<String> lanes =
        find(doc.root(), "g", "lane").stream()
            .map(l -> l.getAttribute("data-machine"))
            .collect(Collectors.toList());
    assertThat(lanes).containsExactly("fixed", "legacy", "proposed-patch");
  }

  @Test
  void theHostClosingTheChannelIsOneMarkerAcrossAllLanesAtTenMinutes() {
    Element marker = one(doc.root(), "g", "host-event");
    assertThat(marker.getAttribute("data-at-ms")).isEqualTo("600000");
    Element line = one(marker, "line");
    assertThat(number(line, "x1")).isCloseTo(x(Duration.ofMinutes(10)), within(0.05));
    assertThat(number(line, "x2")).isEqualTo(number(line, "x1"));
    Element lastLane = doc.lane("proposed-patch");
    Element poll = find(lastLane, "rect", "poll").get(0);
    double laneBottom = number(poll, "y") + number(poll, "height");
    assertThat(number(line, "y2")).isGreaterThanOrEqualTo(laneBottom);
    assertThat(one(marker, "text").getTextContent()).isEqualTo("close-tclo");
    assertThat(title(marker)).startsWith("at 10m close-tclo").contains("AMD-V");
  }

  @Test
  void theLanesZoomOnTheStoryAroundTenMinutesAndTheStripShowsTheHour() {
    assertThat(doc.drawn(3_600_000)).containsExactly(597_500, 605_500);
    Element frame = one(doc.root(), "rect", "zoom-frame");
    assertThat(number(frame, "x")).isCloseTo(hourX(Duration.ofMillis(597_500)), within(0.05));
    assertThat(find(doc.root(), "text", "overview-tick").stream().map(Element::getTextContent))
        .containsExactly("0s", "10m", "20m", "30m", "40m", "50m", "1h");
    assertThat(one(doc.root(), "text", "facts").getTextContent())
        .contains("lanes zoomed on 9m57.5s to 10m5.5s, where the story happens");
  }

  @Test
  void legacysHourOfFailuresIsOneRepeatInTheStripAndOneMarkASecondInTheLane() {
    long failures =
        runs.get(1).events().stream()
            .filter(e -> e.event().type() == TcloEvent.Type.TCLO_FAILURE)
            .count();
    assertThat(failures).isEqualTo(3001);
    Element strip =
        find(doc.root(), "g", "overview-lane").stream()
            .filter(l -> l.getAttribute("data-machine").equals("legacy"))
            .findFirst()
            .orElseThrow();
    Element repeat = one(strip, "g", "mark", "tclo-failure");
    assertThat(repeat.getAttribute("class")).contains("repeat");
    assertThat(repeat.getAttribute("data-count")).isEqualTo("3001");
    Element bar = find(repeat, "rect").get(0);
    assertThat(number(bar, "x")).isCloseTo(hourX(Duration.ofMinutes(10)), within(0.05));
    assertThat(number(bar, "x") + number(bar, "width"))
        .isCloseTo(hourX(Duration.ofHours(1)), within(0.05));
    assertThat(title(repeat))
        .startsWith("\u00d73,001 from 10m to 1h, every 1s")
        .contains(SENDING_LENGTH_FAILED)
        .contains("vmt0: failed to send TCLO outgoing ping");

    Element legacy = doc.lane("legacy");
    List<Element> marks = find(legacy, "g", "mark", "tclo-failure");
    assertThat(marks).as("one a second from 10m to 10m5s").hasSize(6);
    for (int k = 0; k < marks.size(); k++) {
      assertThat(marks.get(k).getAttribute("class")).doesNotContain("repeat");
      assertThat(useX(marks.get(k), 0)).isCloseTo(x(Duration.ofSeconds(600 + k)), within(0.05));
    }
    assertThat(title(marks.get(0))).startsWith("10m \u2014 TCLO failure");
    assertThat(one(legacy, "g", "outcome").getAttribute("class")).isEqualTo("outcome stuck");
    assertThat(one(legacy, "g", "outcome").getTextContent())
        .contains("no successful poll after the")
        .contains("failures");
  }

  @Test
  void fixedFailsResetsAndReopensOnceAndRecoversInOneSecond() {
    Element fixed = doc.lane("fixed");
    Element failure = one(fixed, "g", "mark", "tclo-failure");
    assertThat(failure.getAttribute("class")).doesNotContain("repeat");
    assertThat(useX(failure, 0)).isCloseTo(x(Duration.ofMinutes(10)), within(0.05));
    assertThat(title(failure))
        .isEqualTo(
            "10m \u2014 TCLO failure: failed to send TCLO outgoing ping\n"
                + SENDING_LENGTH_FAILED
                + "\nvmt0: failed to send TCLO outgoing ping\nvmt0: resetting rpc");
    assertThat(useX(one(fixed, "g", "mark", "reset"), 0))
        .isCloseTo(x(Duration.ofMinutes(10)), within(0.05));
    Element reopen = one(fixed, "g", "mark", "reopen");
    assertThat(useX(reopen, 0)).isCloseTo(x(Duration.ofSeconds(601)), within(0.05));
    assertThat(one(fixed, "g", "outcome").getAttribute("class")).isEqualTo("outcome recovered");
    assertThat(one(fixed, "g", "outcome").getTextContent()).contains("recovers in 1s");
  }

  @Test
  void thePollBandStopsWhereLegacyStopsPolling() {
    Element legacyPolls = one(doc.lane("legacy"), "rect", "poll");
    assertThat(number(legacyPolls, "x") + number(legacyPolls, "width"))
        .isCloseTo(x(Duration.ofSeconds(599)), within(0.05));
    assertThat(title(legacyPolls)).isEqualTo("polling from 1s to 9m59s: 600 successful polls");
    List<Element> fixedPolls = find(doc.lane("fixed"), "rect", "poll");
    assertThat(fixedPolls).hasSize(2);
    assertThat(number(fixedPolls.get(1), "x")).isCloseTo(x(Duration.ofSeconds(601)), within(0.05));
    assertThat(number(fixedPolls.get(1), "x") + number(fixedPolls.get(1), "width"))
        .isCloseTo(150 + 720, within(0.05));
  }

  @Test
  void ticksAreRoundTimesAtTheirX() {
    List<Element> ticks = find(doc.root(), "text", "tick");
    assertThat(ticks.stream().map(Element::getTextContent))
        .containsExactly("9m58s", "9m59s", "10m", "10m1s", "10m2s", "10m3s", "10m4s", "10m5s");
    for (Element tick : ticks) {
      Duration at = Duration.ofMillis(Long.parseLong(tick.getAttribute("data-at-ms")));
      assertThat(number(tick, "x")).isCloseTo(x(at), within(0.05));
    }
  }

  @Test
  void theSameRunsGiveTheSameBytes() {
    List<ScenarioOutcome> again = List.copyOf(ScenarioRunner.compare(HOST_CLOSES).values());
    TimelinePicture picture = TimelinePicture.of(HOST_CLOSES, again);
    assertThat(picture.svg()).isEqualTo(svg);
    assertThat(picture.html()).isEqualTo(TimelinePicture.of(HOST_CLOSES, runs).html());
  }

  @Test
  void aRepeatedHostEventHasALineAtEachTimeAndOneLabel() {
    Scenario leaking = BuiltInScenarios.leakingCloses();
    List<ScenarioOutcome> all = List.copyOf(ScenarioRunner.compare(leaking).values());
    SvgDocument picture = SvgDocument.parse(TimelinePicture.of(leaking, all).svg());
    assertThat(find(picture.root(), "g", "zoom")).as("fixed's failures from 26m on").isEmpty();
    Element resets =
        find(picture.root(), "g", "host-event").stream()
            .filter(e -> e.getAttribute("data-count").equals("24"))
            .findFirst()
            .orElseThrow();
    List<Element> lines = find(resets, "line");
    assertThat(lines).hasSize(24);
    for (int k = 0; k < 24; k++) {
      assertThat(number(lines.get(k), "x1"))
          .isCloseTo(hourX(Duration.ofMinutes(12 + 2 * k)), within(0.05));
    }
    assertThat(one(resets, "text").getTextContent()).isEqualTo("host-reset \u00d724");
    ScenarioOutcome patch = all.get(2);
    long channelResets =
        patch.events().stream().filter(e -> e.event().type() == TcloEvent.Type.RESETTING).count();
    Element repeat = one(picture.lane("proposed-patch"), "g", "mark", "reset");
    assertThat(repeat.getAttribute("data-count")).isEqualTo(String.valueOf(channelResets));
  }

  @Test
  void aRepeatedHostEventOutsideTheZoomIsInTheStrip() {
    Scenario leaking = BuiltInScenarios.leakingCloses();
    ScenarioOutcome patch = ScenarioRunner.run(leaking, TcloMachines.PROPOSED_PATCH);
    SvgDocument picture = SvgDocument.parse(TimelinePicture.of(leaking, List.of(patch)).svg());
    long[] drawn = picture.drawn(3_600_000);
    assertThat(drawn[1] - drawn[0]).isLessThan(1_800_000);
    Element strip =
        find(picture.root(), "g", "overview-host-event").stream()
            .filter(e -> e.getAttribute("data-count").equals("24"))
            .findFirst()
            .orElseThrow();
    List<Element> lines = find(strip, "line");
    assertThat(lines).hasSize(24);
    for (int k = 0; k < 24; k++) {
      assertThat(number(lines.get(k), "x1"))
          .isCloseTo(hourX(Duration.ofMinutes(12 + 2 * k)), within(0.05));
    }
    Element resets =
        find(picture.root(), "g", "host-event").stream()
            .filter(e -> e.getAttribute("data-count").equals("24"))
            .findFirst()
            .orElseThrow();
    assertThat(one(resets, "text").getTextContent()).isEqualTo("host-reset \u00d724");
    for (Element line : find(resets, "line")) {
      assertThat(number(line, "x1")).isBetween(150.0, 870.0);
    }
  }

  @Test
  void labelsOfEventsAtTheSameTimeGetRowsOfTheirOwn() {
    Scenario cpt = BuiltInScenarios.checkpointInStateChange();
    ScenarioOutcome fixed = ScenarioRunner.run(cpt, TcloMachines.FIXED);
    SvgDocument picture = SvgDocument.parse(TimelinePicture.of(cpt, List.of(fixed)).svg());
    List<Element> labels = find(picture.root(), "text", "host-label");
    assertThat(labels).hasSize(4);
    assertThat(labels.get(0).getTextContent())
        .isEqualTo("fault cpt-in-reply protocol=rpci step=recv-hb nth=1 checkpoint");
    assertThat(labels.get(0).getAttribute("y")).isNotEqualTo(labels.get(1).getAttribute("y"));
    assertThat(labels.get(2).getAttribute("y")).isNotEqualTo(labels.get(3).getAttribute("y"));
  }

  @Test
  void ticksSuitTheRunLength() {
    assertThat(new TimeScale(Duration.ofSeconds(90), 0, 100).ticks().stream().map(TimeScale::label))
        .containsExactly("0s", "15s", "30s", "45s", "1m", "1m15s", "1m30s");
    assertThat(new TimeScale(Duration.ofHours(24), 0, 100).step()).isEqualTo(Duration.ofHours(3));
    assertThat(new TimeScale(Duration.ofMillis(700), 0, 100).step())
        .isEqualTo(Duration.ofMillis(100));
    assertThat(TimeScale.label(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(TimeScale.label(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(TimeScale.label(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(TimeScale.label(Duration.ofSeconds(3599))).isEqualTo("59m59s");
  }

  @Test
  void aQuietShortRunHasNoHostEventsAndPollsThroughout() {
    Scenario quiet = Scenario.named("quiet").runFor(Duration.ofSeconds(90)).build();
    ScenarioOutcome fixed = ScenarioRunner.run(quiet, TcloMachines.FIXED);
    SvgDocument picture = SvgDocument.parse(TimelinePicture.of(quiet, List.of(fixed)).svg());
    assertThat(find(picture.root(), "g", "host-event")).isEmpty();
    assertThat(find(picture.root(), "g", "mark")).isEmpty();
    assertThat(find(picture.root(), "text", "tick").stream().map(Element::getTextContent))
        .containsExactly("0s", "15s", "30s", "45s", "1m", "1m15s", "1m30s");
    Element polls = one(picture.lane("fixed"), "rect", "poll");
    assertThat(number(polls, "x")).isEqualTo(150);
    assertThat(number(polls, "width")).isEqualTo(720);
    assertThat(one(picture.lane("fixed"), "g", "outcome").getAttribute("class"))
        .isEqualTo("outcome unaffected");
  }

  @Test
  void theHtmlPageHoldsThePictureAndFetchesNothing() {
    String html = TimelinePicture.of(HOST_CLOSES, runs).html();
    assertThat(html).startsWith("<!DOCTYPE html>").contains(svg).doesNotContain("<script");
    assertThat(html.replace("http://www.w3.org/", "")).doesNotContain("http:", "https:", "src=");
  }

  @Test
  void aRunOfAnotherScenarioIsRefused() {
    assertThatThrownBy(
            () -> TimelinePicture.of(BuiltInScenarios.cookiesInvalidated(), List.of(runs.get(0))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a run of 'host-closes-tclo' in the picture of 'cookies-invalidated'");
  }
}
