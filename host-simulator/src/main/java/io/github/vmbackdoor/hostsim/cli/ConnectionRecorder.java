package io.github.vmbackdoor.hostsim.cli;

import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.core.TraceEntry;
import io.github.vmbackdoor.core.TraceHeader;
import io.github.vmbackdoor.core.TraceHostEvent;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.admin.ServedVm;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import io.github.vmbackdoor.hostsim.scenario.HostReplay;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code serve --record DIR}: one trace per guest connection, {@code DIR/<vm>-<n>.jsonl} (n counts
 * the server's connections from 1, skipping names that exist: a trace is a new file, never one
 * overwritten, never written through a link), readable by its owner alone, bounded in size.
 *
 * <p>The connections of one VM share its host, so each trace is one part of the VM's recording (a
 * <em>session</em>: the VM's host from its start, or from an admin API reset, to the end): its
 * header carries the session's id, the VM's seed, cookie key and host settings (as a scenario with
 * no timeline, {@link HostReplay#SCENARIO_KEY}), and its lines are stamped in the VM's host time,
 * strictly increasing over all of the session's traces, so that {@code replay --trace} can put the
 * session's traces back in the order the host saw them. The host events of the served scenario and
 * of the admin API are written, as they are applied, into every trace of the VM open at that
 * moment, or, when none is, at the head of the next one.
 */
final class ConnectionRecorder {

  private static final Logger logger = LoggerFactory.getLogger(ConnectionRecorder.class);

  /** Default of the bound on one recording: 64 MiB. */
  static final long DEFAULT_LIMIT = 64L << 20;

  /** Default of the bound on all of a server's recordings together: 1 GiB. */
  static final long DEFAULT_TOTAL_LIMIT = 1L << 30;

  /** How many names in a row may exist before a connection goes unrecorded. */
  private static final int MAX_NAME_TRIES = 10_000;

  /** The most host events held while no trace of a VM is open; older ones are dropped past it. */
  static final int MAX_PENDING = 100_000;

  private static final SecureRandom SESSIONS = new SecureRandom();

  private final Path directory;
  private final Clock clock;
  private final long limit;
  private final long totalLimit;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong written = new AtomicLong();
  private volatile boolean full;

  ConnectionRecorder(Path directory, Clock clock) {
    this(directory, clock, DEFAULT_LIMIT, DEFAULT_TOTAL_LIMIT);
  }

  /**
   * A recorder into {@code directory}: each recording at most {@code limit} bytes, all of this
   * server's together at most {@code totalLimit}.
   */
  ConnectionRecorder(Path directory, Clock clock, long limit, long totalLimit) {
    this.directory = directory;
    this.clock = clock;
    this.limit = limit;
    this.totalLimit = totalLimit;
  }

  /** Bytes this server's recordings have written, together. */
  long written() {
    return written.get();
  }

  /**
   * The recorder of one served VM: {@code settings} gives the host settings of its current host,
   * {@code cookieKey} is the key its cookies are derived from, which the traces keep so that they
   * replay.
   */
  Vm vm(ServedVm served, long seed, long cookieKey, Supplier<HostSettings> settings) {
    return new Vm(served, seed, cookieKey, settings);
  }

  /**
   * One VM's recordings. Its lines are written under the VM's host lock, so their order is the
   * order the host saw calls and events in.
   */
  final class Vm implements ServedVm.Listener {
    private final ServedVm served;
    private final String name;
    private final long seed;
    private final long cookieKey;
    private final Supplier<HostSettings> settings;

    // guarded by this
    private String session = newSession();
    private VirtualHost host;
    private long last = -1;
    private final List<Recording> open = new ArrayList<>();
    private final ArrayDeque<TraceHostEvent> pending = new ArrayDeque<>();
    private long dropped;

    Vm(ServedVm served, long seed, long cookieKey, Supplier<HostSettings> settings) {
      this.served = served;
      this.name = served.name();
      this.seed = seed;
      this.cookieKey = cookieKey;
      this.settings = settings;
      this.host = served.host();
    }

    private static String newSession() {
      return Long.toHexString(SESSIONS.nextLong() | Long.MIN_VALUE);
    }

    /** The next time stamp: the host's time now, and later than every stamp before it. */
    private synchronized long stamp() {
      last = Math.max(host.hostTime().toNanos(), last + 1);
      return last;
    }

    @Override
    public void applied(ServedVm vm, HostEvent event, String by) {
      event(event);
    }

    /**
     * A host event applied to the VM's host, under its lock: into every open trace, or held for the
     * next one.
     */
    void event(HostEvent event) {
      TraceHostEvent line;
      List<Recording> into;
      synchronized (this) {
        if (served.host() != host) {
          return; // an event of a host the VM has left
        }
        try {
          line = new TraceHostEvent(stamp(), event.text());
        } catch (IllegalArgumentException e) {
          logger.warn("not recording host event of VM {}: {}", name, e.getMessage());
          return;
        }
        if (open.isEmpty()) {
          if (pending.size() == MAX_PENDING) {
            pending.removeFirst();
            if (dropped++ == 0) {
              logger.warn(
                  "VM {}: over {} host events while no guest was connected; the oldest are not"
                      + " recorded",
                  name,
                  MAX_PENDING);
            }
          }
          pending.addLast(line);
          return;
        }
        into = List.copyOf(open);
      }
      into.forEach(r -> r.write(line));
    }

    @Override
    public void reset(ServedVm vm) {
      List<Recording> stopped;
      synchronized (this) {
        host = served.host();
        session = newSession();
        last = -1;
        pending.clear();
        stopped = List.copyOf(open);
        open.clear();
      }
      stopped.forEach(
          r -> r.stop("the admin API reset VM " + name + " (a fresh host); the trace ends here"));
    }

    /**
     * A new connection's host side: {@code connection}, recorded into a new trace that is closed
     * when the connection is; {@code connection} alone when no new trace can be created (one log
     * line says why).
     */
    Backdoor connection(Backdoor connection) {
      if (full) {
        return connection;
      }
      String scenarioName = name.matches("[A-Za-z0-9._-]+") ? name : "vm";
      String prefix = name.replaceAll("[^A-Za-z0-9._-]", "_") + "-";
      for (int tries = 0; tries < MAX_NAME_TRIES; tries++) {
        int n = connections.incrementAndGet();
        Path file = directory.resolve(prefix + n + ".jsonl");
        OutputStream out;
        try {
          out = newFile(file);
        } catch (FileAlreadyExistsException e) {
          continue; // a trace of an earlier run, or anything else by that name: never overwritten
        } catch (IOException | UnsupportedOperationException e) {
          logger.warn(
              "not recording connection {} to VM {}: cannot create {}: {}",
              n,
              name,
              file,
              e.toString());
          return connection;
        }
        Bounded bounded = new Bounded(out, file);
        synchronized (this) {
          Scenario scenario =
              Scenario.named(scenarioName)
                  .description("VM " + name + " as serve ran it")
                  .seed(seed)
                  .hostSettings(settings.get())
                  .build();
          long opened = pending.isEmpty() ? stamp() : pending.getFirst().timeNanos();
          TraceHeader header =
              TraceHeader.of(
                  ImmutableMap.<String, String>builder()
                      .put("vm", name)
                      .put("transport", "tcp")
                      .put("connection", Integer.toString(n))
                      .put(HostReplay.SESSION_KEY, session)
                      .put(HostReplay.OPENED_KEY, Long.toString(opened))
                      .put(HostReplay.SEED_KEY, Long.toString(seed))
                      .put(HostReplay.COOKIE_KEY, Long.toString(cookieKey))
                      .put(HostReplay.SCENARIO_KEY, scenario.toText())
                      .buildOrThrow(),
                  clock.instant());
          TraceWriter trace;
          try {
            trace = TraceWriter.create(bounded, header);
          } catch (RuntimeException e) {
            bounded.closeQuietly();
            logger.warn("not recording {}: {}", file, e.getMessage());
            return connection;
          }
          Recording recording = new Recording(this, connection, trace, file);
          pending.forEach(recording::write);
          pending.clear();
          open.add(recording);
          return recording;
        }
      }
      logger.warn(
          "not recording a connection to VM {}: {} names in a row exist in {}",
          name,
          MAX_NAME_TRIES,
          directory);
      return connection;
    }

    /** Runs a call under the VM's host lock, so that its line takes its place among the others. */
    <T> T exclusively(Supplier<T> call) {
      return served.host().exclusively(h -> call.get());
    }

    synchronized void closed(Recording recording) {
      open.remove(recording);
    }

    /** The next stamp, or -1 when {@code recording} is no longer one of the VM's open traces. */
    synchronized long stampFor(Recording recording) {
      return open.contains(recording) && served.host() == host ? stamp() : -1;
    }
  }

  /** A new file, created here or not at all; a link is not followed; owner-only. */
  private static OutputStream newFile(Path file) throws IOException {
    Set<OpenOption> options =
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return Channels.newOutputStream(
          Files.newByteChannel(
              file,
              options,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))));
    }
    return Channels.newOutputStream(Files.newByteChannel(file, options));
  }

  /**
   * A recording's file: what the trace writer writes is held until it flushes (one call, one line)
   * and then written whole, or not at all when it would take the recording past {@link #limit} or
   * all of them past {@link #totalLimit}.
   */
  private final class Bounded extends OutputStream {
    private final OutputStream out;
    private final Path file;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private long size;

    Bounded(OutputStream out, Path file) {
      this.out = out;
      this.file = file;
    }

    @Override
    public void write(int b) throws IOException {
      pending.write(b);
      check(0);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      check(len);
      pending.write(b, off, len);
    }

    private void check(int more) throws IOException {
      if (size + pending.size() + more > limit) {
        pending.reset();
        throw new IOException(
            "the recording reached its limit of " + limit + " bytes (--record-limit)");
      }
    }

    @Override
    public void flush() throws IOException {
      int n = pending.size();
      if (n == 0) {
        return;
      }
      if (written.addAndGet(n) > totalLimit) {
        written.addAndGet(-n);
        pending.reset();
        full = true;
        throw new IOException(
            "the recordings reached their limit of "
                + totalLimit
                + " bytes together (--record-limit); later connections are not recorded");
      }
      size += n;
      try {
        pending.writeTo(out);
        out.flush();
      } finally {
        pending.reset();
      }
    }

    @Override
    public void close() throws IOException {
      try {
        flush();
      } finally {
        out.close();
      }
    }

    void closeQuietly() {
      pending.reset();
      try {
        out.close();
      } catch (IOException e) {
        // nothing more to do
      }
    }
  }

  /**
   * A recorded connection: every call goes to the host, then into the trace, under the host's lock;
   * a trace that cannot be written stops with one log line, and the guest's calls go on unrecorded.
   * The server closes it, and so the trace, with the connection.
   */
  private final class Recording implements Backdoor, Closeable {
    private final Vm vm;
    private final Backdoor host;
    private final TraceWriter trace;
    private final Path file;
    private boolean stopped; // guarded by this

    Recording(Vm vm, Backdoor host, TraceWriter trace, Path file) {
      this.vm = vm;
      this.host = host;
      this.trace = trace;
      this.file = file;
    }

    @Override
    public Registers in(Registers registers) {
      return vm.exclusively(
          () -> {
            Registers answer = host.in(registers);
            record(TraceCall.Operation.IN, registers, answer, null);
            return answer;
          });
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      return vm.exclusively(
          () -> {
            Registers answer = host.outs(registers, bytes);
            record(TraceCall.Operation.OUTS, registers, answer, bytes);
            return answer;
          });
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      return vm.exclusively(
          () -> {
            Registers answer = host.ins(registers, into);
            record(TraceCall.Operation.INS, registers, answer, into);
            return answer;
          });
    }

    private void record(
        TraceCall.Operation operation, Registers registers, Registers answer, byte[] bytes) {
      long t = vm.stampFor(this);
      if (t >= 0) {
        write(TraceCall.of(t, operation, registers, answer, bytes));
      }
    }

    synchronized void write(TraceEntry entry) {
      if (stopped) {
        return;
      }
      try {
        trace.write(entry);
      } catch (RuntimeException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        stop(cause.getMessage());
      }
    }

    /** Stops the recording, saying why in one log line. */
    synchronized void stop(String why) {
      if (stopped) {
        return;
      }
      stopped = true;
      logger.warn("recording {} stopped: {}", file, why);
      try {
        trace.close();
      } catch (RuntimeException closing) {
        // the recording has stopped already
      }
    }

    @Override
    public void close() {
      vm.closed(this);
      synchronized (this) {
        if (!stopped) {
          stopped = true;
          try {
            trace.close();
          } catch (RuntimeException e) {
            logger.warn("recording {} stopped: {}", file, e.getMessage());
          }
        }
      }
    }
  }
}
