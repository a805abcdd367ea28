package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ctl}'s help needs no {@code --admin}, for the command and for each verb; its errors are
 * one line that names the problem once.
 */
class CtlUsageTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return Main.run(
        new PrintWriter(out, true),
        new PrintWriter(err, true),
        new ServeCommand(new CountDownLatch(1)),
        args);
  }

  @Test
  void everyVerbHasHelpWithoutAdmin() {
    List<String> verbs = List.copyOf(new CommandLine(new CtlCommand()).getSubcommands().keySet());
    assertThat(verbs).contains("fault", "scenario", "checkpoint");
    for (String verb : verbs) {
      assertThat(run("ctl", verb, "--help")).as("ctl %s --help: %s", verb, err).isZero();
      assertThat(out.toString()).startsWith("Usage: java -jar vmbackdoor.jar ctl " + verb);
      assertThat(err.toString()).isEmpty();
    }
    assertThat(run("ctl", "--help")).isZero();
    assertThat(out.toString()).contains("--admin=HOST:PORT");
  }

  @Test
  void aVerbWithoutAdminSaysSoInOneLine() {
    assertThat(run("ctl", "vms")).isEqualTo(2);
    assertThat(err.toString().lines().findFirst().orElseThrow())
        .endsWith(
            ": --admin HOST:PORT is required (where serve's admin API listens:"
                + " what it printed after 'admin API on')");
  }

  @Test
  void aMissingFileIsNamedOnce() {
    String missing = dir.resolve("missing.scenario").toString();
    assertThat(run("ctl", "--admin", "127.0.0.1:1", "scenario", "vm1", missing)).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo("vmbackdoor ctl: cannot read " + missing + ": no such file\n");
  }
}
