package io.github.vmbackdoor.hostsim.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A program running under the trap ({@link RealGuest#start}). {@link #stop()} ends it as a service
 * manager would, with SIGTERM (the trap passes it to the program); {@link #waitFor(Duration)} waits
 * for it to end by itself.
 */
public final class GuestProcess implements AutoCloseable {

  private final List<String> command;
  private final Process process;
  private final Path dir;
  private final Path stdout;
  private final Path stderr;
  private final Consumer<GuestRun> ended;
  private GuestRun run;

  GuestProcess(
      List<String> command,
      Process process,
      Path dir,
      Path stdout,
      Path stderr,
      Consumer<GuestRun> ended) {
    this.command = List.copyOf(command);
    this.process = process;
    this.dir = dir;
    this.stdout = stdout;
    this.stderr = stderr;
    this.ended = ended;
  }

  /** Whether the program is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** What the program has written to standard output so far. */
  public String stdoutSoFar() {
    return read(stdout);
  }

  /** What the program (and the trap) has written to standard error so far. */
  public String stderrSoFar() {
    return read(stderr);
  }

  /**
   * Waits up to {@code timeout} for the program to end.
   *
   * @throws IllegalStateException when it is still running after {@code timeout}
   */
  public GuestRun waitFor(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException(String.join(" ", command) + " still runs after " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("interrupted while waiting for " + command, e);
    }
    return finish();
  }

  /** Waits for the program to end, however long it runs. */
  public GuestRun waitFor() {
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("interrupted while waiting for " + command, e);
    }
    return finish();
  }

  /**
   * Sends SIGTERM (passed on to the program) and waits up to {@code grace} for it to end; after
   * that ends it with SIGKILL.
   */
  public GuestRun stop(Duration grace) {
    if (!process.isAlive()) {
      return finish();
    }
    process.destroy();
    try {
      if (!process.waitFor(grace.toNanos(), TimeUnit.NANOSECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    return finish();
  }

  /** {@link #stop(Duration)} with ten seconds' grace. */
  public GuestRun stop() {
    return stop(Duration.ofSeconds(10));
  }

  /** Stops the program if it still runs, and removes its private directory. */
  @Override
  public void close() {
    stop();
  }

  private synchronized GuestRun finish() {
    if (run == null) {
      run = new GuestRun(command, process.exitValue(), read(stdout), read(stderr));
      RealGuest.deleteTree(dir);
      ended.accept(run);
    }
    return run;
  }

  private static String read(Path file) {
    if (file == null || !Files.exists(file)) {
      return "";
    }
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
