package io.github.vmbackdoor.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suite 6 (native safety): on a machine that is not VMware every {@link NativeBackdoor} entry point
 * refuses without executing a port instruction. A forked JVM calls them all, from several threads,
 * and must exit cleanly with every call refused and no instance created; a control JVM that does
 * execute the port instruction (past the gate, through the opt-in) must die of it, so a clean exit
 * is evidence that none ran.
 */
class NativeSafetyTest {

  @TempDir Path dir;

  private static boolean linuxX8664() {
    return System.getProperty("os.name").startsWith("Linux")
        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
  }

  private static Optional<String> vendor() {
    return linuxX8664() ? NativeBackdoor.hypervisorVendor() : Optional.empty();
  }

  /** Runs {@link NativeEntryPointsMain} in a new JVM; returns exit value and output. */
  private Fork fork(String mode) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command =
        new ArrayList<>(
            List.of(
                java.toString(),
                "-Xshare:off",
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                "-XX:-CreateCoredumpOnCrash",
                "-cp",
                System.getProperty("java.class.path"),
                NativeEntryPointsMain.class.getName()));
    command.add(mode);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out;
    try (var stdout = p.getInputStream()) {
      out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("forked JVM finished").isTrue();
    List<Path> crashLogs;
    try (Stream<Path> files = Files.list(dir)) {
      crashLogs = files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList();
    }
    return new Fork(p.exitValue(), out, crashLogs);
  }

  record Fork(int exitValue, String output, List<Path> crashLogs) {}

  @Test
  void everyEntryPointRefusesInAForkedJvmThatExitsCleanly() throws Exception {
    assumeFalse(
        vendor().equals(Optional.of(BackdoorProtocol.CPUID_VENDOR_VMWARE)),
        "running inside VMware");
    Fork fork = fork("refuse");
    int calls = NativeEntryPointsMain.THREADS * NativeEntryPointsMain.CALLS_PER_THREAD;
    System.out.println(
        "[reliability] native safety: forked JVM, "
            + calls
            + " open() calls "
            + "and as many vendor queries from "
            + NativeEntryPointsMain.THREADS
            + " threads: "
            + fork.output().trim()
            + ", exit "
            + fork.exitValue());
    assertThat(fork.exitValue()).as(fork.output()).isZero();
    assertThat(fork.crashLogs()).isEmpty();
    assertThat(fork.output())
        .startsWith(
            "REFUSED "
                + calls
                + " "
                + (linuxX8664() ? "NotVmwareException" : "UnsupportedPlatformException"));
  }

  @Test
  void aPortInstructionOutsideVmwareKillsTheProcessSoACleanExitMeansNoneRan() throws Exception {
    assumeTrue(linuxX8664());
    assumeFalse(
        vendor().equals(Optional.of(BackdoorProtocol.CPUID_VENDOR_VMWARE)),
        "running inside VMware");
    Fork fork = fork("execute");
    assertThat(fork.output()).doesNotContain("RETURNED");
    assertThat(fork.exitValue()).as(fork.output()).isNotZero();
    assertThat(fork.crashLogs()).as("the JVM's fatal error log").isNotEmpty();
  }
}
