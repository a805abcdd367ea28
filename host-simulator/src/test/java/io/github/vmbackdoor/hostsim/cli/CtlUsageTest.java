package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ctl}'s help needs no {@code --admin}, for the command and for each verb; its errors are
 * one line that names the problem once.
 */
class CtlUsageTest {

  @TempDir Path dir;

  private final Cli cli = new Cli();

  @Test
  void everyVerbHasHelpWithoutAdmin() {
    List<String> verbs = List.copyOf(new CommandLine(new CtlCommand()).getSubcommands().keySet());
    assertThat(verbs).contains("fault", "scenario", "checkpoint");
    for (String verb : verbs) {
      assertThat(cli.run("ctl", verb, "--help")).as("ctl %s --help: %s", verb, cli.err()).isZero();
      assertThat(cli.out()).startsWith("Usage: java -jar vmbackdoor.jar ctl " + verb);
      assertThat(cli.err()).isEmpty();
    }
    assertThat(cli.run("ctl", "--help")).isZero();
    assertThat(cli.out()).contains("--admin=HOST:PORT");
  }

  @Test
  void aVerbWithoutAdminSaysSoInOneLine() {
    assertThat(cli.run("ctl", "vms")).isEqualTo(2);
    assertThat(cli.err().lines().findFirst().orElseThrow())
        .endsWith(
            ": --admin HOST:PORT is required (where serve's admin API listens:"
                + " what it printed after 'admin API on')");
  }

  @Test
  void aMissingFileIsNamedOnce() {
    String missing = dir.resolve("missing.scenario").toString();
    assertThat(cli.run("ctl", "--admin", "127.0.0.1:1", "scenario", "vm1", missing)).isEqualTo(1);
    assertThat(cli.err()).isEqualTo("vmbackdoor ctl: cannot read " + missing + ": no such file\n");
  }
}
