package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Python client of {@code src/test/python/wire_client.py}, written from {@code
 * docs/wire-protocol.md} alone, runs the page's examples against {@code serve}. Skipped where no
 * {@code python3} is on the path.
 */
class PythonWireClientTest {

  private static final Path CLIENT =
      Path.of(System.getProperty("user.dir")).resolve("src/test/python/wire_client.py");

  @BeforeAll
  static void needsPython() {
    assumeTrue(python3Runs(), "python3 is not available");
  }

  private static boolean python3Runs() {
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Exit code, then the lines of standard output and error. */
  private record Run(int exit, List<String> out, String err) {}

  private static Run client(int port, String... options) throws Exception {
    assertThat(CLIENT).exists();
    List<String> command = new ArrayList<>(List.of("python3", CLIENT.toString()));
    command.addAll(List.of("--port", Integer.toString(port)));
    command.addAll(List.of(options));
    Path err = Files.createTempFile("wire_client", ".err");
    try {
      Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the client ends").isTrue();
      return new Run(
          p.exitValue(), out.lines().toList(), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(err);
    }
  }

  @Test
  void theClientRunsThePagesExamples() throws Exception {
    try (RunningServe serve = new RunningServe()) {
      Run run = client(serve.port());
      assertThat(run.err()).isEmpty();
      assertThat(run.exit()).isZero();
      assertThat(run.out())
          .containsExactly(
              "GETVERSION: version 6, product type 2",
              "RPCI over HB: info-set -> '1 ', info-get -> '1 10.0.0.7'",
              "RPCI over 4-byte: info-set -> '1 ', info-get -> '1 10.0.0.8'",
              "TCLO: received 'reset'",
              "ok");
    }
  }

  @Test
  void theClientReportsTheServersErrorFrame() throws Exception {
    try (RunningServe serve = new RunningServe()) {
      Run run = client(serve.port(), "--vm", "vm9");
      assertThat(run.exit()).isEqualTo(1);
      assertThat(run.out()).isEmpty();
      assertThat(run.err()).isEqualTo("wire_client: server error 6: no VM named \"vm9\"\n");
    }
  }
}
