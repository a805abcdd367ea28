package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replay --scenario F --html/--svg} and {@code demo --html} write the timeline picture
 * ({@code replay --trace F --html/--svg}: {@code TracePictureTest}).
 */
class PictureOptionsTest {

  @TempDir Path dir;

  private final Cli cli = new Cli();

  @Test
  void replayWritesTheHtmlPageAndTheSvgOfTheRunsMachines() throws Exception {
    Path scenario = dir.resolve("s.scenario");
    Files.writeString(scenario, BuiltInScenarios.hostClosesTclo().toText());
    Path html = dir.resolve("report.html");
    Path svg = dir.resolve("report.svg");
    assertThat(
            cli.run(
                "replay",
                "--scenario",
                scenario.toString(),
                "--machine",
                "legacy",
                "--html",
                html.toString(),
                "--svg",
                svg.toString()))
        .isZero();
    assertThat(cli.out()).contains("wrote " + html).contains("wrote " + svg);
    assertThat(cli.err()).isEmpty();
    String picture = Files.readString(svg);
    assertThat(picture).startsWith("<svg ").contains("data-machine=\"legacy\"");
    assertThat(picture.split("class=\"lane\"", -1)).hasSize(2);
    assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains(picture);
  }

  @Test
  void anUnwritableFileIsOneLineAndExitOne() throws Exception {
    Path scenario = dir.resolve("s.scenario");
    Files.writeString(scenario, BuiltInScenarios.hostClosesTclo().toText());
    Path html = dir.resolve("no/such/dir/report.html");
    assertThat(
            cli.run(
                "replay",
                "--scenario",
                scenario.toString(),
                "--hours",
                "0.25",
                "--html",
                html.toString()))
        .isEqualTo(1);
    assertThat(cli.err().strip())
        .isEqualTo("vmbackdoor replay: cannot write " + html + ": no such directory");
  }

  @Test
  void runOptionsGoWithScenariosNotTraces() {
    assertThat(cli.run("replay", "--trace", "t.jsonl", "--svg", "x.svg", "--run", "1h"))
        .isEqualTo(2);
    assertThat(cli.err())
        .contains(
            "--machine, --hours, --run, --expect and --record go with --scenario, not --trace");
  }

  @Test
  void demoOffersThePictureAndWritesOnePageOfItsScenarios() throws Exception {
    assertThat(cli.run("demo")).isZero();
    assertThat(cli.out())
        .contains("See it as a picture: java -jar vmbackdoor.jar demo --html demo.html");
    Path html = dir.resolve("demo.html");
    assertThat(cli.run("demo", "--html", html.toString())).isZero();
    assertThat(cli.out()).contains("wrote " + html).doesNotContain("See it as a picture");
    String page = Files.readString(html);
    for (String name : new String[] {"host-closes-tclo", "checkpoint-in-state-change"}) {
      assertThat(page).contains("<figure id=\"scenario-" + name + "\">");
    }
    assertThat(page.split("class=\"lane\"", -1)).hasSize(10);
  }
}
