package io.github.vmbackdoor.hostsim.guest;

import com.google.common.base.Preconditions;
import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.hostsim.internal.VmName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs unmodified Linux x86-64 programs (VMware Tools' {@code vmware-rpctool}, {@code vmtoolsd},
 * ...) against one simulated VM: each runs under the trap helper ({@link Trap}), which answers its
 * backdoor instructions from the VM over the wire protocol, one connection per guest process.
 *
 * <pre>{@code
 * RealGuest guest = RealGuest.builder(server.address(), "vm1").build();
 * GuestRun run = guest.run("vmware-rpctool", "info-get guestinfo.ip");
 * }</pre>
 *
 * <p>Every program runs in a sandbox of its own (docs/real-guests.md): all file systems read-only
 * but a private scratch directory (its {@code HOME} and {@code TMPDIR}) and the directories given
 * to {@link Builder#writable}; an empty {@code /run}; the calls that halt, reboot or re-clock the
 * machine refused; {@code socket(AF_VSOCK)} failing, so that VMware Tools use the backdoor.
 */
public final class RealGuest implements AutoCloseable {

  private final HostAndPort server;
  private final String vmName;
  private final Map<String, String> environment;
  private final List<Path> writable;
  private final Path directory;
  private final boolean inheritIo;
  private final Duration timeout;
  private final Duration spinBeforePark;
  private final boolean sharedMemory;
  private final Consumer<GuestRun> listener;
  private final Set<GuestProcess> running;

  private RealGuest(Builder b, Set<GuestProcess> running) {
    this.running = running;
    this.server = b.server;
    this.vmName = b.vmName;
    this.environment = Map.copyOf(b.environment);
    this.writable = List.copyOf(b.writable);
    this.directory = b.directory;
    this.inheritIo = b.inheritIo;
    this.timeout = b.timeout;
    this.spinBeforePark = b.spinBeforePark;
    this.sharedMemory = b.sharedMemory;
    this.listener = b.listener;
  }

  /** A builder for programs talking to VM {@code vmName} of the simulator at {@code server}. */
  public static Builder builder(InetSocketAddress server, String vmName) {
    return builder(
        HostAndPort.fromParts(server.getAddress().getHostAddress(), server.getPort()), vmName);
  }

  /** A builder for programs talking to VM {@code vmName} of the simulator at {@code server}. */
  public static Builder builder(HostAndPort server, String vmName) {
    return new Builder(server, vmName);
  }

  /**
   * This launcher with one more environment variable for its programs (after {@code HOME} and
   * {@code TMPDIR}); {@link #close()} of either stops the programs of both.
   */
  public RealGuest withEnvironment(String name, String value) {
    Builder b = new Builder(server, vmName);
    b.environment.putAll(environment);
    b.environment(name, value);
    b.writable.addAll(writable);
    b.directory = directory;
    b.inheritIo = inheritIo;
    b.timeout = timeout;
    b.spinBeforePark = spinBeforePark;
    b.sharedMemory = sharedMemory;
    b.listener = listener;
    return new RealGuest(b, running);
  }

  /** The VM the programs talk to. */
  public String vmName() {
    return vmName;
  }

  /**
   * Runs {@code command} under the trap and waits for it to end (up to the builder's timeout, one
   * minute by default; then it is stopped and this throws).
   *
   * @throws IllegalStateException where this machine cannot trap (with the reason), or when the
   *     program outlives the timeout
   */
  public GuestRun run(String... command) {
    return run(List.of(command));
  }

  /** {@link #run(String...)} of a command given as a list. */
  public GuestRun run(List<String> command) {
    GuestProcess p = start(command);
    try {
      return p.waitFor(timeout);
    } catch (IllegalStateException e) {
      GuestRun stopped = p.stop(Duration.ofSeconds(5));
      throw new IllegalStateException(e.getMessage() + "; stopped: " + stopped.summary(), e);
    }
  }

  /**
   * Starts {@code command} under the trap and returns at once; {@link GuestProcess#stop()} ends it.
   *
   * @throws IllegalStateException where this machine cannot trap (with the reason)
   */
  public GuestProcess start(String... command) {
    return start(List.of(command));
  }

  /** {@link #start(String...)} of a command given as a list. */
  public GuestProcess start(List<String> command) {
    Preconditions.checkArgument(!command.isEmpty(), "no program to run");
    Path helper = Trap.helper();
    Path dir = null;
    try {
      dir =
          Files.createTempDirectory(
              "vmbackdoor-guest-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path scratch = Files.createDirectory(dir.resolve("scratch"));
      List<String> line = new ArrayList<>();
      line.add(helper.toString());
      line.add("--connect");
      line.add(server.toString());
      line.add("--vm");
      line.add(vmName);
      line.add("--scratch");
      line.add(scratch.toString());
      for (Path w : writable) {
        line.add("--writable");
        line.add(w.toAbsolutePath().toString());
      }
      if (!spinBeforePark.isZero()) {
        line.add("--spin-before-park");
        line.add(Long.toString(spinBeforePark.toNanos()));
      }
      if (!sharedMemory) {
        line.add("--shm");
        line.add("off");
      }
      line.add("--");
      line.addAll(command);
      ProcessBuilder pb = new ProcessBuilder(line);
      pb.environment().put("HOME", scratch.toString());
      pb.environment().put("TMPDIR", scratch.toString());
      pb.environment().putAll(environment);
      if (directory != null) {
        pb.directory(directory.toFile());
      }
      Path out = null;
      Path err = null;
      if (inheritIo) {
        pb.inheritIO();
      } else {
        out = dir.resolve("stdout");
        err = dir.resolve("stderr");
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      }
      Process process = pb.start();
      GuestProcess[] started = new GuestProcess[1];
      started[0] =
          new GuestProcess(
              command,
              process,
              dir,
              out,
              err,
              run -> {
                running.remove(started[0]);
                listener.accept(run);
              });
      running.add(started[0]);
      return started[0];
    } catch (IOException e) {
      if (dir != null) {
        deleteTree(dir);
      }
      throw new UncheckedIOException("cannot start " + command.get(0) + " under the trap", e);
    }
  }

  /** Stops every program started here that still runs (SIGTERM, then SIGKILL after 10 s). */
  @Override
  public void close() {
    for (GuestProcess p : List.copyOf(running)) {
      p.stop();
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover private directory under the temp directory: nothing else to do
    }
  }

  @Override
  public String toString() {
    return "RealGuest{" + vmName + " at " + server + "}";
  }

  /** Builds a {@link RealGuest}. */
  public static final class Builder {
    private final HostAndPort server;
    private final String vmName;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final List<Path> writable = new ArrayList<>();
    private Path directory;
    private boolean inheritIo;
    private Duration timeout = Duration.ofMinutes(1);
    private Duration spinBeforePark = Duration.ZERO;
    private boolean sharedMemory = true;
    private Consumer<GuestRun> listener = r -> {};

    private Builder(HostAndPort server, String vmName) {
      this.server = Preconditions.checkNotNull(server, "server");
      VmName.problem(vmName)
          .ifPresent(
              p -> {
                throw new IllegalArgumentException(p);
              });
      this.vmName = vmName;
    }

    /** Sets an environment variable of the programs (after {@code HOME} and {@code TMPDIR}). */
    public Builder environment(String name, String value) {
      environment.put(Preconditions.checkNotNull(name), Preconditions.checkNotNull(value));
      return this;
    }

    /** A directory the programs may write (everything else but their scratch is read-only). */
    public Builder writable(Path dir) {
      Preconditions.checkArgument(Files.isDirectory(dir), "not a directory: %s", dir);
      Preconditions.checkArgument(writable.size() < 16, "at most 16 writable directories");
      writable.add(dir);
      return this;
    }

    /** The programs' working directory. Default: this process's. */
    public Builder directory(Path dir) {
      this.directory = Preconditions.checkNotNull(dir);
      return this;
    }

    /** Whether the programs share this process's standard input and output. Default false. */
    public Builder inheritIo(boolean inherit) {
      this.inheritIo = inherit;
      return this;
    }

    /** How long {@link #run} waits for a program. Default one minute. */
    public Builder timeout(Duration timeout) {
      Preconditions.checkArgument(
          !timeout.isNegative() && !timeout.isZero(), "timeout %s", timeout);
      this.timeout = timeout;
      return this;
    }

    /**
     * How long the trap polls the simulator's connection for an answer before it sleeps (at most
     * one second). Default zero: it sleeps at once. An answer that comes within the spin costs no
     * wake-up of the trap, for a CPU kept busy while the program waits for the simulator; it pays
     * where the simulator's threads spin too ({@code serve --spin-before-park}), on a machine with
     * a core to spare (docs/real-guests.md).
     */
    public Builder spinBeforePark(Duration spin) {
      Preconditions.checkArgument(
          !spin.isNegative() && spin.compareTo(Duration.ofSeconds(1)) <= 0,
          "spin must be between 0 and 1 s: %s",
          spin);
      this.spinBeforePark = spin;
      return this;
    }

    /**
     * Whether the trap offers the simulator a shared-memory region for its calls where the
     * simulator is on this machine (a loopback address). Default true: a simulator that maps it
     * answers there, polled, instead of over its socket (docs/wire-protocol.md §12); one that does
     * not keeps the socket. False: always the socket.
     */
    public Builder sharedMemory(boolean offer) {
      this.sharedMemory = offer;
      return this;
    }

    /** Called with every run that ended (the JUnit extension keeps them for its diagnosis). */
    public Builder onEnded(Consumer<GuestRun> listener) {
      this.listener = Preconditions.checkNotNull(listener);
      return this;
    }

    /** The launcher. */
    public RealGuest build() {
      return new RealGuest(this, ConcurrentHashMap.newKeySet());
    }
  }
}
