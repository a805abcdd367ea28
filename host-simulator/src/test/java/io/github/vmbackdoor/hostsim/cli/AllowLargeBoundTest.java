package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --allow-large} lifts the file limits but never lets a run exhaust memory: a timeline
 * {@code every 1ns} for {@code 100000d} is refused up front, in one line with exit 2, by a JVM of
 * the default heap (it once ran two minutes and died of an {@code OutOfMemoryError} at 6.4 GB).
 */
class AllowLargeBoundTest {

  /** How long the JVM may take at most; it answers in about a second when the machine is quiet. */
  private static final long DEADLINE_SECONDS = 60;

  @TempDir Path dir;

  @Test
  void aTimelineBeyondWhatTheHeapHoldsIsRefusedInOneLine() throws Exception {
    Path file = dir.resolve("fast.scenario");
    Files.writeString(file, "scenario fast\nrun 100000d\nevery 1ns checkpoint\n");
    Path err = dir.resolve("err.txt");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "io.github.vmbackdoor.hostsim.cli.Main",
                "replay",
                "--scenario",
                file.toString(),
                "--machine",
                "legacy",
                "--allow-large")
            .redirectError(err.toFile())
            .redirectOutput(dir.resolve("out.txt").toFile())
            .start();
    long started = System.nanoTime();
    boolean ended = p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    assertThat(ended).as("replay ended within %d s", DEADLINE_SECONDS).isTrue();
    System.out.printf("replay refused in %.1f s%n", (System.nanoTime() - started) / 1e9);
    assertThat(p.exitValue()).isEqualTo(2);
    List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0))
        .startsWith("vmbackdoor replay: " + file + ": line 3: the timeline would fire more than")
        .contains("events in 100000d (what this JVM's heap of ")
        .endsWith(" MiB holds; a larger -Xmx raises it)");
  }
}
