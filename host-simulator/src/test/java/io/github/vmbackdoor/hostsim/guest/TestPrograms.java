package io.github.vmbackdoor.hostsim.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.junit.VmSimulator;
import io.github.vmbackdoor.hostsim.record.GuestInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What the real-guest tests run: C test programs compiled with the system's {@code cc}, and
 * open-vm-tools, found where {@code .ci/run} extracts it ({@value #TOOLS_ENV}) or installed. A
 * missing compiler or missing tools skip the test, or fail it where {@link Trap#REQUIRED_ENV} is 1.
 */
public final class TestPrograms {

  /** The root of an extracted open-vm-tools package (usr/bin, usr/lib/...), set by .ci/run. */
  public static final String TOOLS_ENV = "VMBACKDOOR_OPEN_VM_TOOLS";

  private TestPrograms() {}

  /** Skips the test with {@code reason}, or fails it where the trap is required. */
  public static void unavailable(String reason) {
    if (Trap.required()) {
      Assertions.fail(reason + " (" + Trap.REQUIRED_ENV + "=1 requires it)");
    }
    Assumptions.abort(reason);
  }

  /** Compiles {@code src/test/c/NAME.c} into {@code dir}; returns the program. */
  public static Path compile(String name, Path dir) throws IOException, InterruptedException {
    Path source = Path.of("src/test/c", name + ".c").toAbsolutePath();
    Path program = dir.resolve(name);
    Process cc;
    try {
      cc =
          new ProcessBuilder("cc", "-O2", "-o", program.toString(), source.toString())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      unavailable("no C compiler (cc) to build " + source.getFileName());
      throw e;
    }
    String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(cc.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(cc.exitValue()).as("cc %s: %s", source, out).isZero();
    return program;
  }

  /** Runs {@code command} as it is, without the trap: the baseline a trapped run must equal. */
  public static GuestRun untrapped(List<String> command) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("vmbackdoor-untrapped-");
    try {
      Path out = dir.resolve("out");
      Path err = dir.resolve("err");
      Process p =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      return new GuestRun(
          command,
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      RealGuest.deleteTree(dir);
    }
  }

  /** open-vm-tools: its programs and the libraries of its package. */
  public record OpenVmTools(Path root) {

    /** The tools of {@value #TOOLS_ENV}, or installed ones; skips or fails where there are none. */
    public static OpenVmTools find() {
      String env = System.getenv(TOOLS_ENV);
      Path root = env != null && !env.isEmpty() ? Path.of(env) : Path.of("/");
      if (!Files.isExecutable(root.resolve("usr/bin/vmware-rpctool"))) {
        unavailable(
            "no open-vm-tools ("
                + (env != null
                    ? TOOLS_ENV + "=" + env + " has no usr/bin/vmware-rpctool"
                    : "not installed, and " + TOOLS_ENV + " not set")
                + ")");
      }
      return new OpenVmTools(root);
    }

    /** A program of the package: {@code usr/bin/NAME}. */
    public String bin(String name) {
      return root.resolve("usr/bin").resolve(name).toString();
    }

    /** The plugins of {@code vmtoolsd}'s {@code vmsvc} service. */
    public Path plugin(String file) {
      return root.resolve("usr/lib/x86_64-linux-gnu/open-vm-tools/plugins/vmsvc").resolve(file);
    }

    /** The library path of the package's libraries (and the machine's). */
    public String libraryPath() {
      return root.resolve("usr/lib/x86_64-linux-gnu") + ":" + root.resolve("lib/x86_64-linux-gnu");
    }

    /**
     * The command line of {@code vmtoolsd}'s {@code vmsvc} service with a private configuration in
     * {@code dir} (logging to standard error) and the safe plugins only: guestInfo alone, in a
     * plugin directory of its own; no powerOps, timeSync, vmbackup, deployPkg (docs/real-guests.md,
     * "vmtoolsd safely").
     */
    public String[] vmtoolsd(Path dir) throws IOException {
      Files.createDirectories(dir.resolve("common"));
      Files.createDirectories(dir.resolve("plugins"));
      Files.createSymbolicLink(dir.resolve("plugins/libguestInfo.so"), plugin("libguestInfo.so"));
      Path config =
          Files.writeString(
              dir.resolve("tools.conf"),
              "[logging]\nlog = true\nvmsvc.level = message\nvmsvc.handler = std\n");
      return new String[] {
        bin("vmtoolsd"),
        "-n",
        "vmsvc",
        "-c",
        config.toString(),
        "--common-path",
        dir.resolve("common").toString(),
        "-p",
        dir.resolve("plugins").toString()
      };
    }

    /**
     * Runs {@code vmtoolsd} ({@link #vmtoolsd}, configured in {@code dir}) on {@code guest} until
     * the guest view of {@code vm}'s host is {@code complete}, then stops it: a view not complete
     * within 60 s, or an exit other than 0 on SIGTERM, fails the test with what vmtoolsd said.
     */
    public void vmtoolsdUntil(
        RealGuest guest, VmSimulator vm, Path dir, Predicate<GuestInfo> complete)
        throws IOException {
      try (GuestProcess vmtoolsd = on(guest).start(vmtoolsd(dir))) {
        assertThat(
                vm.await(() -> complete.test(vm.host().records().guest()), Duration.ofSeconds(60)))
            .as(
                "guest view %s; vmtoolsd said: %s",
                vm.host().records().guest(), vmtoolsd.stderrSoFar())
            .isTrue();
        GuestRun stopped = vmtoolsd.stop();
        assertThat(stopped.exitCode()).as(stopped.stderr()).isZero();
      }
    }

    /** {@code guest} with the package's libraries on the library path, in UTC. */
    public RealGuest on(RealGuest guest) {
      return guest.withEnvironment("LD_LIBRARY_PATH", libraryPath()).withEnvironment("TZ", "UTC");
    }
  }
}
