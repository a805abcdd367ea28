package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The text, the JSON and the picture of {@code replay --scenario} give one verdict, and it does not
 * flip with the run length: the legacy machine's reset loop in {@code rejects-unsolicited-replies}
 * (written out as a file) once read stuck at 1h, flapping at 1h1s and 1h2s, stuck at 1h3s.
 */
class VerdictAgreementTest {

  @TempDir Path dir;

  private final Cli cli = new Cli();

  @ParameterizedTest
  @ValueSource(strings = {"1h", "1h1s", "1h2s", "1h3s"})
  void textJsonAndPictureSayFlappingAtEveryRunLength(String length) throws IOException {
    Path scenario = dir.resolve("s.scenario");
    Files.writeString(scenario, BuiltInScenarios.rejectsUnsolicitedReplies().toText());
    Path svg = dir.resolve("s.svg");
    String[] common = {
      "replay", "--scenario", scenario.toString(), "--machine", "legacy", "--run", length
    };

    assertThat(cli.run(concat(common, "--svg", svg.toString(), "--expect", "flapping"))).isZero();
    assertThat(cli.out())
        .contains("legacy          flapping (polling, but failures keep coming back)")
        .doesNotContain("stuck")
        .doesNotContain("the story settles at");
    assertThat(Files.readString(svg))
        .contains("<g class=\"outcome flapping\">")
        .contains(">FLAPPING<")
        .doesNotContain("STUCK");

    assertThat(cli.run(concat(common, "--json"))).isZero();
    JsonNode json = new ObjectMapper().readTree(cli.out());
    JsonNode legacy = json.get("machines").get(0);
    assertThat(legacy.get("outcome").asText()).isEqualTo("flapping");
    assertThat(legacy.get("settled").asBoolean()).isTrue();
    assertThat(legacy.get("timeToRecoverSeconds").isNull()).isTrue();
    assertThat(json.get("settlesAtSeconds").asDouble()).isEqualTo(20 * 60 + 5);
  }

  @Test
  void aRunThatEndsBeforeTheStorySettlesSaysSo() throws IOException {
    String length = "10m30s";
    Path scenario = dir.resolve("s.scenario");
    Files.writeString(scenario, BuiltInScenarios.hostClosesTclo().toText());
    assertThat(
            cli.run(
                "replay",
                "--scenario",
                scenario.toString(),
                "--machine",
                "legacy",
                "--run",
                length))
        .isZero();
    assertThat(cli.out())
        .contains("stuck (no successful poll after the failures)")
        .contains(
            "the story settles at 20:00.000, after this run ends: a longer run may end otherwise");
    assertThat(
            cli.run(
                "replay",
                "--scenario",
                scenario.toString(),
                "--machine",
                "legacy",
                "--run",
                length,
                "--json"))
        .isZero();
    assertThat(cli.out()).contains("\"settled\":false");
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
