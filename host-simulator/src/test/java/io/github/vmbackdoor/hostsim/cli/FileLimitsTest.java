package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Absurd sizes a file can ask for are refused before any work starts: exit 2, one line naming the
 * line and the limit, within 2 seconds; {@code --allow-large} lifts the limits.
 */
class FileLimitsTest {

  @TempDir Path dir;

  private final Cli cli = new Cli();

  @BeforeAll
  static void warmUp() {
    // class loading and picocli's first start are not the command's work
    new Cli().run("replay", "--help");
  }

  /** Runs {@code command}, which must finish within 2 seconds. */
  private static int timed(IntSupplier command) {
    long started = System.nanoTime();
    int code = command.getAsInt();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    return code;
  }

  private String errLines() {
    return cli.err().strip();
  }

  private void assertRefused(int code, String line, String limit) {
    assertThat(code).as("exit code; err: %s", cli.err()).isEqualTo(2);
    assertThat(errLines()).doesNotContain("\n").contains(line).contains(limit);
    assertThat(errLines()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(cli.out()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "every 1ns checkpoint                       | line 3 | 1000 events a virtual second",
        "run 100000d                                | line 3 | limit of 7d",
        "every 0.000000001s checkpoint              | line 3 | 1000 events a virtual second",
        "run 7d ; every 1ms host-reset               | line 4 | limit of 1000000 events",
        "every 1s until 100000d host-reset ; run 100000d | line 4 | limit of 7d",
        "at 1s fault slow delay=100000d             | line 3 | limit of 1h",
      })
  @Timeout(value = 10)
  void anAbsurdScenarioLineIsRefusedAtOnce(String line, String where, String limit)
      throws IOException {
    Path file = dir.resolve("absurd.scenario");
    Files.writeString(
        file,
        "scenario absurd\nseed 1\n" + line.replace(" ; ", "\n") + "\n",
        StandardCharsets.UTF_8);
    assertRefused(timed(() -> cli.run("replay", "--scenario", file.toString())), where, limit);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "every 1ns checkpoint | line 2",
        "run 100000d          | line 2",
        "at 1s fault slow delay=100000d | line 2",
      })
  @Timeout(value = 10)
  void aTracesEmbeddedScenarioIsHeldToTheSameLimits(String line, String where) throws IOException {
    String scenario = "scenario absurd\\n" + line + "\\n";
    Path trace = dir.resolve("absurd.trace");
    Files.writeString(
        trace,
        "{\"format\":\"vmbackdoor-trace\",\"version\":1,\"vm\":{\"vm\":\"t\",\"scenario\":\""
            + scenario
            + "\"},\"start\":\"2026-01-02T03:04:05Z\"}\n",
        StandardCharsets.UTF_8);
    int code = timed(() -> cli.run("replay", "--trace", trace.toString()));
    assertThat(code).as("err: %s", cli.err()).isEqualTo(2);
    assertThat(errLines()).doesNotContain("\n").contains("scenario").contains(where);
  }

  @ParameterizedTest
  @CsvSource({"1e-300", "0", "-1", "169", "NaN", "Infinity"})
  @Timeout(value = 10)
  void absurdHoursExitTwo(String hours) throws IOException {
    Path file = dir.resolve("small.scenario");
    Files.writeString(file, "scenario small\nat 1s checkpoint\n", StandardCharsets.UTF_8);
    assertThat(timed(() -> cli.run("replay", "--scenario", file.toString(), "--hours", hours)))
        .isEqualTo(2);
    assertThat(errLines()).contains("--hours");
  }

  @ParameterizedTest
  @CsvSource({"every 10ms checkpoint, 168h"})
  @Timeout(value = 10)
  void aLongerRunGivenOnTheCommandLineIsCheckedToo(String line, String length) throws IOException {
    Path file = dir.resolve("dense.scenario");
    Files.writeString(file, "scenario dense\n" + line + "\n", StandardCharsets.UTF_8);
    assertRefused(
        timed(() -> cli.run("replay", "--scenario", file.toString(), "--run", length)),
        "timeline entry 1",
        "limit of 1000000 events");
  }

  @ParameterizedTest
  @CsvSource({"run 8d"})
  void allowLargeLiftsTheLimits(String line) throws IOException {
    Path file = dir.resolve("long.scenario");
    Files.writeString(file, "scenario long\n" + line + "\n", StandardCharsets.UTF_8);
    long started = System.nanoTime();
    assertThat(
            cli.run("replay", "--scenario", file.toString(), "--machine", "fixed", "--run", "1m"))
        .isEqualTo(2);
    assertThat(errLines()).contains("line 2").contains("limit of 7d");
    assertThat(
            cli.run(
                "replay",
                "--scenario",
                file.toString(),
                "--machine",
                "fixed",
                "--run",
                "1m",
                "--allow-large"))
        .as("err: %s", cli.err())
        .isZero();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void serveTakesAllowLargeToo() throws Exception {
    Path file = dir.resolve("long.scenario");
    Files.writeString(file, "scenario long\nrun 8d\nat 1s checkpoint\n", StandardCharsets.UTF_8);
    assertThat(cli.run("serve", "--scenario", file.toString())).isEqualTo(2);
    assertThat(errLines())
        .isEqualTo(
            "vmbackdoor serve: --scenario "
                + file
                + ": line 2: run 8d is longer than the limit of 7d (--allow-large raises it)\n"
                + "see 'java -jar vmbackdoor.jar serve --help'");
    try (RunningServe serve = new RunningServe("--scenario", file.toString(), "--allow-large")) {
      assertThat(serve.nextLine()).isEqualTo("serving VM vm1");
      assertThat(serve.nextLine()).startsWith("playing scenario long");
    }
  }
}
