package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.HostReplay;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.TcloMachines;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line on input a user really has: each case's exit code and its one-line message. */
class BadInputTest {

  @TempDir Path dir;

  private final Cli cli = new Cli().stdin(new byte[0]);

  private byte[] log(String name) throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/logs/" + name)) {
      return in.readAllBytes();
    }
  }

  private Path shortScenario() throws IOException {
    Path file = dir.resolve("closes.scenario");
    Files.writeString(
        file, BuiltInScenarios.hostClosesTclo().withLength(Duration.ofMinutes(15)).toText());
    return file;
  }

  @Test
  void aLogWithALatin1ByteIsImportedAndTheLineNoted() throws IOException {
    byte[] log = log("netbsd10-ping-loop.log");
    byte[] mixed = new byte[log.length + 12];
    byte[] odd = "kernel: \u00e9t\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(odd, 0, mixed, 0, odd.length);
    System.arraycopy(log, 0, mixed, odd.length, log.length);
    Path file = dir.resolve("mixed.log");
    Files.write(file, java.util.Arrays.copyOf(mixed, odd.length + log.length));

    assertThat(cli.run("import-log", file.toString())).isZero();
    assertThat(cli.err())
        .contains(
            "vmbackdoor import-log: "
                + file
                + ": 1 line is not UTF-8 and read as Latin-1 (line 1)");
    assertThat(cli.out()).contains("scenario mixed").contains("invalidate-tclo");
  }

  @Test
  void aDashReadsStandardInput() throws IOException {
    cli.stdin(log("netbsd10-ping-loop.log"));
    assertThat(cli.run("import-log", "-")).isZero();
    assertThat(cli.out()).contains("scenario stdin").contains("invalidate-tclo");

    cli.stdin(Files.readAllBytes(shortScenario()));
    assertThat(cli.run("replay", "--scenario", "-", "--machine", "fixed")).isZero();
    assertThat(cli.out()).contains("scenario host-closes-tclo").contains("fixed");

    Scenario scenario =
        BuiltInScenarios.checkpointInStateChange().withLength(Duration.ofMinutes(2));
    Path trace = dir.resolve("run.trace");
    try (TraceWriter writer = TraceWriter.create(trace, HostReplay.header(scenario, "legacy"))) {
      ScenarioRunner.prepare(scenario, TcloMachines.LEGACY, writer).run();
    }
    cli.stdin(Files.readAllBytes(trace));
    assertThat(cli.run("replay", "--trace", "-")).isZero();
    assertThat(cli.out()).contains("-: ").contains("every answer is as recorded");
  }

  @Test
  void aByteOrderMarkIsSkipped() throws IOException {
    Path file = dir.resolve("bom.scenario");
    byte[] text = Files.readAllBytes(shortScenario());
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] both = java.util.Arrays.copyOf(bom, bom.length + text.length);
    System.arraycopy(text, 0, both, bom.length, text.length);
    Files.write(file, both);
    assertThat(cli.run("replay", "--scenario", file.toString(), "--machine", "fixed")).isZero();
    assertThat(cli.out()).startsWith("scenario host-closes-tclo");

    cli.stdin(both);
    assertThat(cli.run("replay", "--scenario", "-", "--machine", "fixed")).isZero();
    assertThat(Scenario.parse(new String(both, StandardCharsets.UTF_8)).name())
        .isEqualTo("host-closes-tclo");
  }

  @Test
  void anOutputThatCannotBeWrittenFailsWithOneLine() throws IOException {
    Writer full =
        new Writer() {
          @Override
          public void write(char[] c, int off, int len) throws IOException {
            throw new IOException("No space left on device");
          }

          @Override
          public void flush() throws IOException {
            throw new IOException("No space left on device");
          }

          @Override
          public void close() {}
        };
    Path log = dir.resolve("ping.log");
    Files.write(log, log("netbsd10-ping-loop.log"));
    assertThat(cli.run(full, "import-log", log.toString())).isEqualTo(1);
    assertThat(cli.err()).endsWith("vmbackdoor: cannot write standard output\n");
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void aFullDiskFailsWithOneLine() throws IOException {
    Path log = dir.resolve("ping.log");
    Files.write(log, log("netbsd10-ping-loop.log"));
    assertThat(cli.run("import-log", log.toString(), "-o", "/dev/full")).isEqualTo(1);
    assertThat(cli.err())
        .endsWith("vmbackdoor import-log: cannot write /dev/full: No space left on device\n");
    assertThat(cli.run("replay", "--scenario", shortScenario().toString(), "--svg", "/dev/full"))
        .isEqualTo(1);
    assertThat(cli.err())
        .endsWith("vmbackdoor replay: cannot write /dev/full: No space left on device\n");
  }

  @Test
  void aTruncatedTraceIsReportedInOurWordsWithFileAndLine() throws IOException {
    Path trace = dir.resolve("cut.trace");
    Files.writeString(
        trace,
        "{\"format\":\"vmbackdoor-trace\",\"version\":1,\"vm\":{\"vm\":\"a\"}}\n"
            + "{\"t\":500,\"op\":\"in\",\"in\":\"564d5868 c9435052 0000001e 00005658");
    assertThat(cli.run("replay", "--trace", trace.toString())).isEqualTo(2);
    assertThat(cli.err())
        .isEqualTo(
            "vmbackdoor replay: "
                + trace
                + ": line 2: call line ends inside its JSON object (is the trace cut"
                + " short?)\n");

    Files.writeString(trace, "{\"format\":\"vmbackdoor-trace\",\"vm\":{");
    assertThat(cli.run("replay", "--trace", trace.toString())).isEqualTo(2);
    assertThat(cli.err())
        .isEqualTo(
            "vmbackdoor replay: "
                + trace
                + ": line 1: header line ends inside its JSON object (is the trace cut"
                + " short?)\n");

    Files.writeString(trace, "{\"format\":\"vmbackdoor-trace\",,}\n");
    assertThat(cli.run("replay", "--trace", trace.toString())).isEqualTo(2);
    assertThat(cli.err())
        .isEqualTo(
            "vmbackdoor replay: " + trace + ": line 1: header is not valid JSON at column 30\n");
  }

  @Test
  void aTraceThatIsNotUtf8OrHasAnotherHeaderShapeIsRefusedWithFileAndLine() throws IOException {
    Path trace = dir.resolve("odd.trace");
    String header = "{\"format\":\"vmbackdoor-trace\",\"version\":1,\"vm\":{\"vm\":\"";
    byte[] latin1 = (header + "caf\u00e9\"}}\n").getBytes(StandardCharsets.ISO_8859_1);
    Files.write(trace, latin1);
    assertThat(cli.run("replay", "--trace", trace.toString())).isEqualTo(2);
    assertThat(cli.err())
        .isEqualTo(
            "vmbackdoor replay: "
                + trace
                + ": line 1: not valid UTF-8: byte "
                + (header.length() + 4)
                + " of the line is 0xe9\n");

    String[][] cases = {
      {
        "{\"format\":\"vmbackdoor-trace\",\"version\":1,\"vm\":{},\"extra\":{\"vm\":{}}}",
        "line 1: header field extra holds an object (vm is the header's only object)"
      },
      {
        "{\"format\":\"vmbackdoor-trace\",\"version\":1,\"vm\":{\"seed\":{\"n\":1}}}",
        "line 1: vm.seed is not a string"
      },
      {
        "\n{\"format\":\"vmbackdoor-trace\",\"version\":1,\"vm\":{\"seed\":\"x\"}}",
        "line 2: vm.seed is not a whole number of 64 bits: x"
      },
      {
        "{\"format\":\"vmbackdoor-trace\",\"version\":1,\"vm\":{\"scenario\":\"scenario x\\nat 1m"
            + " explode\\n\"}}",
        "line 1: vm.scenario, line 2: unknown action 'explode'"
      },
      {
        "{\"format\":\"vmbackdoor-trace\",\"version\":1,\"start\":\"\\u001b[2J\\u202e\"}",
        "line 1: start is not an ISO-8601 instant: \\u001b[2J\\u202e"
      },
      {
        "{\"format\":\"vmbackdoor-trace\",\"version\":1}\n{\"t\":1,\"op\":\"outs\",\"in\":\"564d5868"
            + " 10000 4 25659 0 0 0\",\"out\":\"0 0 0 0 0 0 0\",\"bytes\":\"cGk=\"}",
        "line 2: ecx 4 must equal the byte count 2"
      },
    };
    for (String[] c : cases) {
      Files.writeString(trace, c[0] + "\n");
      assertThat(cli.run("replay", "--trace", trace.toString())).as(c[0]).isEqualTo(2);
      assertThat(cli.err()).isEqualTo("vmbackdoor replay: " + trace + ": " + c[1] + "\n");
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--read-timeout 0                 | --read-timeout must be more than 0",
        "--read-timeout 10q               | bad duration '10q'",
        "--read-timeout -5s               | bad duration '-5s'",
        "--max-connections-per-address 0  | --max-connections-per-address must be at least 1",
        "--max-connections-per-address x  | --max-connections-per-address",
        "--max-connections 0              | --max-connections must be at least 1",
        "--spin-before-park 2s            | --spin-before-park must be between 0s and 1s",
        "--spin-before-park soon          | bad duration 'soon'",
      })
  void badConnectionBoundsOfServeAreUsageErrors(String option, String message) {
    assertThat(cli.run(("serve " + option).split(" "))).isEqualTo(2);
    assertThat(cli.err()).startsWith("vmbackdoor serve: ").contains(message);
    assertThat(cli.err().lines()).hasSize(2);
  }

  @Test
  void aBrokenScenarioIsReportedWithFileAndLine() throws IOException {
    Path bad = dir.resolve("bad.scenario");
    Files.writeString(bad, "scenario x\nat 1m explode\n");
    assertThat(cli.run("replay", "--scenario", bad.toString())).isEqualTo(2);
    assertThat(cli.err())
        .isEqualTo("vmbackdoor replay: " + bad + ": line 2: unknown action 'explode'\n");
  }

  @Test
  void aMissingFileIsOneLineNamingItAndTheReason() {
    assertThat(cli.run("serve", "--scenario", "/nonexistent")).isEqualTo(1);
    assertThat(cli.err()).isEqualTo("vmbackdoor serve: cannot read /nonexistent: no such file\n");
    assertThat(cli.run("serve", "--vm-config", "/nonexistent")).isEqualTo(1);
    assertThat(cli.err()).isEqualTo("vmbackdoor serve: cannot read /nonexistent: no such file\n");
    assertThat(cli.run("replay", "--trace", "/nonexistent")).isEqualTo(1);
    assertThat(cli.err()).isEqualTo("vmbackdoor replay: cannot read /nonexistent: no such file\n");
    assertThat(cli.run("import-log", "/nonexistent")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo("vmbackdoor import-log: cannot read /nonexistent: no such file\n");
  }

  @Test
  void aUsageErrorIsOneLineAndWhereTheHelpIs() {
    assertThat(cli.run("replay", "--bogus")).isEqualTo(2);
    assertThat(cli.err())
        .isEqualTo(
            "vmbackdoor replay: Unknown option: '--bogus'\n"
                + "see 'java -jar vmbackdoor.jar replay --help'\n");
    assertThat(cli.run("replay")).isEqualTo(2);
    assertThat(cli.err().lines()).hasSize(2);
    assertThat(cli.run("serve", "--port", "70000")).isEqualTo(2);
    assertThat(cli.err())
        .isEqualTo(
            "vmbackdoor serve: --port 70000 is outside 0..65535\n"
                + "see 'java -jar vmbackdoor.jar serve --help'\n");
    assertThat(cli.run("import-log")).isEqualTo(2);
    assertThat(cli.err().lines()).hasSize(2);
    assertThat(cli.run("demo", "--lines", "x")).isEqualTo(2);
    assertThat(cli.err().lines())
        .hasSize(2)
        .last()
        .isEqualTo("see 'java -jar vmbackdoor.jar demo --help'");
    assertThat(cli.run("frobnicate")).isEqualTo(2);
    assertThat(cli.err())
        .isEqualTo(
            "vmbackdoor: Unmatched argument at index 0: 'frobnicate'\n"
                + "see 'java -jar vmbackdoor.jar --help'\n");
    assertThat(cli.run("replay", "--scenario", "x", "--expect", "fine")).isEqualTo(2);
    assertThat(cli.err())
        .startsWith(
            "vmbackdoor replay: --expect is recovered, unaffected, stuck or flapping, not 'fine'\n");
  }

  @Test
  void expectFailsTheRunWhenAMachineEndsOtherwise() throws IOException {
    String file = shortScenario().toString();
    assertThat(cli.run("replay", "--scenario", file, "--machine", "legacy", "--expect", "stuck"))
        .isZero();
    assertThat(
            cli.run("replay", "--scenario", file, "--machine", "legacy", "--expect", "recovered"))
        .isEqualTo(1);
    assertThat(cli.err()).endsWith("vmbackdoor replay: legacy ended stuck, expected recovered\n");
    assertThat(cli.run("replay", "--scenario", file, "--expect", "recovered")).isEqualTo(1);
    assertThat(cli.err())
        .contains("vmbackdoor replay: legacy ended stuck, expected recovered\n")
        .doesNotContain("fixed ended")
        .doesNotContain("proposed-patch ended");
  }

  @Test
  void replayAndImportLogPrintJson() throws IOException {
    String file = shortScenario().toString();
    assertThat(cli.run("replay", "--scenario", file, "--json", "--expect", "recovered"))
        .isEqualTo(1);
    String json = cli.out();
    assertThat(json.lines()).hasSize(1);
    assertThat(json)
        .startsWith("{\"scenario\":\"host-closes-tclo\",\"seed\":")
        .contains("\"runLengthSeconds\":900.0")
        .contains("{\"machine\":\"fixed\",\"outcome\":\"recovered\",\"asExpected\":true,")
        .contains("{\"machine\":\"legacy\",\"outcome\":\"stuck\",\"asExpected\":false,")
        .contains("\"timeToRecoverSeconds\":null");

    Path log = dir.resolve("ping.log");
    Files.write(log, log("netbsd10-ping-loop.log"));
    assertThat(cli.run("import-log", log.toString(), "--json")).isZero();
    assertThat(cli.out().lines()).hasSize(1);
    assertThat(cli.out())
        .startsWith("{\"log\":\"ping.log\",\"flavor\":\"NetBSD 10+\",\"vmtLines\":25,")
        .contains("\"latin1Lines\":[],\"skipped\":[],\"reproduced\":24,\"reproducedAll\":true,")
        .contains("\"scenario\":\"# ");
  }

  @Test
  void everyCommandHelpNamesOnlyCommandsThatRun() {
    Pattern name = Pattern.compile("vmbackdoor(\\.jar)?");
    for (List<String> args :
        List.of(
            List.of("--help"),
            List.of("serve", "--help"),
            List.of("demo", "--help"),
            List.of("replay", "--help"),
            List.of("import-log", "--help"))) {
      assertThat(cli.run(args.toArray(String[]::new))).isZero();
      Matcher m = name.matcher(cli.out());
      int found = 0;
      while (m.find()) {
        found++;
        assertThat(m.group(1)).as("'vmbackdoor' in %s help at %d", args, m.start()).isNotNull();
        assertThat(cli.out().substring(Math.max(0, m.start() - 10), m.start()))
            .isEqualTo("java -jar ");
      }
      assertThat(found).as("names in %s", args).isPositive();
    }
  }
}
