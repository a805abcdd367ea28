package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VersionTest {

  @Test
  void versionIsTheBuildsProjectVersion() {
    Cli cli = new Cli();
    assertThat(cli.run("--version")).isZero();
    assertThat(cli.err()).isEmpty();
    // The build passes its own version to the tests; the jar's resource was filtered with it.
    String expected = System.getProperty("vmbackdoor.project.version");
    assertThat(expected).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(cli.out()).isEqualTo("vmbackdoor " + expected + System.lineSeparator());
  }

  @Test
  void shortFormPrintsTheSameLine() {
    Cli cli = new Cli();
    assertThat(cli.run("-V")).isZero();
    assertThat(cli.out()).startsWith("vmbackdoor ").doesNotContain("${");
  }
}
