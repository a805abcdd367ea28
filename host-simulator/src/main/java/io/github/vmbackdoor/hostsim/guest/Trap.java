package io.github.vmbackdoor.hostsim.guest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The trap helper ({@code vmbackdoor-trap}, a small native program) and whether this machine can
 * run programs under it.
 *
 * <p>The helper is found, in this order, at the path of the system property {@value
 * #HELPER_PROPERTY}, or in this library's jar as the resource {@code linux-x86-64/vmbackdoor-trap}
 * next to this class (built with {@code cc} on Linux x86-64), copied once per JVM into a private
 * directory (mode 0700) that is deleted when the JVM exits.
 */
public final class Trap {

  /** A system property naming the helper to use instead of the one in the jar. */
  public static final String HELPER_PROPERTY = "vmbackdoor.trap.helper";

  /**
   * An environment variable that, set to {@code 1}, turns "this machine cannot trap" from a skipped
   * test into a failed one ({@code .ci/run} sets it, so that CI really runs the real-guest tests).
   */
  public static final String REQUIRED_ENV = "VMBACKDOOR_REQUIRE_TRAP";

  private static final String RESOURCE = "linux-x86-64/vmbackdoor-trap";

  private Trap() {}

  /**
   * Why programs cannot run under the trap here (not Linux x86-64, no helper, no ptrace, a KVM or
   * Xen machine without CPUID faulting, ...), or empty when they can. Checked once per JVM.
   */
  public static Optional<String> unavailableReason() {
    return Holder.REASON;
  }

  /** Whether {@link #REQUIRED_ENV} asks that the trap be available. */
  public static boolean required() {
    return "1".equals(System.getenv(REQUIRED_ENV));
  }

  /**
   * The helper's path.
   *
   * @throws IllegalStateException with the reason, where programs cannot run under the trap
   */
  public static Path helper() {
    unavailableReason()
        .ifPresent(
            reason -> {
              throw new IllegalStateException("cannot trap here: " + reason);
            });
    return Holder.HELPER.path;
  }

  /** The helper found (or why none was), and what its probe said; once per JVM. */
  private static final class Holder {
    static final Found HELPER = find();
    static final Optional<String> REASON =
        HELPER.problem != null ? Optional.of(HELPER.problem) : probe(HELPER.path);
  }

  private record Found(Path path, String problem) {}

  private static Found find() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return new Found(
          null, "programs run under the trap on Linux x86-64 only, not " + os + " " + arch);
    }
    String property = System.getProperty(HELPER_PROPERTY);
    if (property != null) {
      Path path = Path.of(property);
      return Files.isExecutable(path)
          ? new Found(path, null)
          : new Found(
              null, HELPER_PROPERTY + " names " + path + ", which is not an executable file");
    }
    try (InputStream in = Trap.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return new Found(
            null,
            "this build has no trap helper (it is built where cc exists on Linux x86-64;"
                + " see docs/real-guests.md)");
      }
      Path dir =
          Files.createTempDirectory(
              "vmbackdoor-trap-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path helper = dir.resolve("vmbackdoor-trap");
      Files.copy(in, helper, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
      dir.toFile().deleteOnExit();
      helper.toFile().deleteOnExit();
      return new Found(helper, null);
    } catch (IOException e) {
      return new Found(null, "cannot copy the trap helper out of the jar: " + e.getMessage());
    }
  }

  /** Runs {@code helper --probe}: empty when it says {@code ok}, else its one line. */
  private static Optional<String> probe(Path helper) {
    try {
      Process p =
          new ProcessBuilder(helper.toString(), "--probe").redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      }
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.of("the trap helper's probe did not finish");
      }
      if (p.exitValue() == 0) {
        return Optional.empty();
      }
      return Optional.of(out.startsWith("cannot trap: ") ? out.substring(13) : out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run the trap helper " + helper, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while probing the trap");
    }
  }
}
