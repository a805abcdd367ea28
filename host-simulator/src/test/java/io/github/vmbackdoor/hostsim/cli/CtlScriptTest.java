package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs src/test/sh/ctl-checkpoint.sh with bash (skipped when there is none) against a real {@code
 * serve --admin-port}. The jar is not built yet when tests run, so the script runs the CLI as
 * {@code java -cp <the test classpath> io.github.vmbackdoor.hostsim.cli.Main}, the jar's main
 * class.
 */
class CtlScriptTest {

  @TempDir Path dir;

  private static boolean hasBash() {
    try {
      Process p = new ProcessBuilder("bash", "-c", "true").start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Test
  void ctlDrivesACheckpointFromAShellScript() throws Exception {
    assumeTrue(hasBash(), "bash is not installed");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    try (RunningServe serve = new RunningServe("--vm", "vm1", "--admin-port", "0")) {
      ProcessBuilder pb =
          new ProcessBuilder(
                  "bash", Path.of("src/test/sh/ctl-checkpoint.sh").toAbsolutePath().toString())
              .directory(dir.toFile())
              .redirectErrorStream(true);
      pb.environment().put("VMBACKDOOR", java + " -cp " + classpath + " " + Main.class.getName());
      pb.environment().put("ADMIN", serve.admin().toString());
      pb.environment()
          .put(
              "GUEST",
              java
                  + " -cp "
                  + classpath
                  + " "
                  + CtlGuest.class.getName()
                  + " "
                  + serve.host()
                  + " "
                  + serve.port());
      Process script = pb.start();
      String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(script.waitFor(3, TimeUnit.MINUTES)).isTrue();
      assertThat(script.exitValue()).as(output).isZero();
      assertThat(output).contains("ctl-checkpoint: ok");
      assertThat(Files.readString(dir.resolve("err.txt"))).hasLineCount(1);
    }
  }
}
