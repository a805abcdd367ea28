package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class VersionTest {

  @Test
  void versionIsTheBuildsProjectVersion() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            new ServeCommand(new CountDownLatch(1)),
            "--version");

    assertThat(code).isZero();
    assertThat(err.toString()).isEmpty();
    // The build passes its own version to the tests; the jar's resource was filtered with it.
    String expected = System.getProperty("vmbackdoor.project.version");
    assertThat(expected).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(out.toString()).isEqualTo("vmbackdoor " + expected + System.lineSeparator());
  }

  @Test
  void shortFormPrintsTheSameLine() {
    StringWriter out = new StringWriter();
    int code =
        Main.run(
            new PrintWriter(out, true),
            new PrintWriter(new StringWriter(), true),
            new ServeCommand(new CountDownLatch(1)),
            "-V");
    assertThat(code).isZero();
    assertThat(out.toString()).startsWith("vmbackdoor ").doesNotContain("${");
  }
}
