package io.github.vmbackdoor.hostsim.cli;

import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.core.TraceHeader;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import io.github.vmbackdoor.hostsim.scenario.HostReplay;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioEvent;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code serve --record DIR}: one trace per guest connection, {@code DIR/<vm>-<n>.jsonl} (n counts
 * the server's connections from 1, skipping names that exist: a trace is a new file, never one
 * overwritten, never written through a link), readable by its owner alone, bounded in size. The
 * header carries what {@code replay --trace} needs to rebuild the VM's host with no edits: its seed
 * and host settings, as a scenario with no timeline ({@link HostReplay#SCENARIO_KEY}).
 */
final class ConnectionRecorder {

  private static final Logger logger = LoggerFactory.getLogger(ConnectionRecorder.class);

  /** Default of the bound on one recording: 64 MiB. */
  static final long DEFAULT_LIMIT = 64L << 20;

  /** Default of the bound on all of a server's recordings together: 1 GiB. */
  static final long DEFAULT_TOTAL_LIMIT = 1L << 30;

  /** How many names in a row may exist before a connection goes unrecorded. */
  private static final int MAX_NAME_TRIES = 10_000;

  private final Path directory;
  private final Ticker ticker;
  private final Clock clock;
  private final long limit;
  private final long totalLimit;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong written = new AtomicLong();
  private volatile boolean full;

  /** The most occurrences of a served timeline a trace header carries. */
  static final int MAX_EVENTS = 100_000;

  private volatile Scenario served;
  private volatile long servedStart;

  /**
   * The scenario serve plays, from {@code start} ({@link Ticker} nanoseconds): each trace's header
   * then carries its timeline as the connection met it, so that its faults replay.
   */
  void timeline(Scenario scenario, long start) {
    this.servedStart = start;
    this.served = scenario;
  }

  /**
   * The served timeline as a connection that began {@code offset} after its start met it: each
   * occurrence from then on, {@code offset} earlier; the faults installed and removed before it, in
   * their order, at its start; the other events before it left out (they happened to no channel of
   * this connection). A timeline of more than {@value #MAX_EVENTS} occurrences is not carried (the
   * header then holds the host settings alone, as without a scenario).
   */
  static List<ScenarioEvent> asMetAt(Scenario scenario, Duration offset) {
    long total = scenario.events().stream().mapToLong(e -> e.count(scenario.length())).sum();
    if (total > MAX_EVENTS) {
      return List.of();
    }
    List<ScenarioEvent> before = new ArrayList<>();
    List<ScenarioEvent> after = new ArrayList<>();
    List<ScenarioEvent> occurrences = new ArrayList<>();
    for (ScenarioEvent e : scenario.events()) {
      for (Duration at : e.occurrences(scenario.length())) {
        occurrences.add(
            new ScenarioEvent(at, Optional.empty(), Optional.empty(), e.event(), List.of()));
      }
    }
    occurrences.sort(Comparator.comparing(ScenarioEvent::at));
    for (ScenarioEvent e : occurrences) {
      if (e.at().compareTo(offset) >= 0) {
        after.add(
            new ScenarioEvent(
                e.at().minus(offset), Optional.empty(), Optional.empty(), e.event(), List.of()));
      } else if (e.event() instanceof HostEvent.InstallFault
          || e.event() instanceof HostEvent.RemoveFault) {
        before.add(
            new ScenarioEvent(
                Duration.ZERO, Optional.empty(), Optional.empty(), e.event(), List.of()));
      }
    }
    before.addAll(after);
    return before;
  }

  ConnectionRecorder(Path directory, Ticker ticker, Clock clock) {
    this(directory, ticker, clock, DEFAULT_LIMIT, DEFAULT_TOTAL_LIMIT);
  }

  /**
   * A recorder into {@code directory}: each recording at most {@code limit} bytes, all of this
   * server's together at most {@code totalLimit}.
   */
  ConnectionRecorder(Path directory, Ticker ticker, Clock clock, long limit, long totalLimit) {
    this.directory = directory;
    this.ticker = ticker;
    this.clock = clock;
    this.limit = limit;
    this.totalLimit = totalLimit;
  }

  /** Bytes this server's recordings have written, together. */
  long written() {
    return written.get();
  }

  /**
   * A new connection's host side: {@code host}, recorded into a new trace that is closed when the
   * connection is; {@code host} alone when no new trace can be created (one log line says why).
   * {@code cookieKey} is the key the VM's cookies are derived from, which the trace keeps so that
   * it replays; the trace is readable by its owner alone.
   */
  Backdoor connection(String vm, long seed, long cookieKey, HostSettings settings, Backdoor host) {
    if (full) {
      return host;
    }
    String scenarioName = vm.matches("[A-Za-z0-9._-]+") ? vm : "vm";
    Scenario.Builder builder =
        Scenario.named(scenarioName)
            .description("VM " + vm + " as serve ran it")
            .seed(seed)
            .hostSettings(settings);
    Scenario timeline = served;
    if (timeline != null) {
      Duration offset = Duration.ofNanos(Math.max(0, ticker.read() - servedStart));
      builder.runFor(timeline.length());
      asMetAt(timeline, offset).forEach(builder::event);
    }
    Scenario scenario = builder.build();
    String prefix = vm.replaceAll("[^A-Za-z0-9._-]", "_") + "-";
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
            vm,
            file,
            e.toString());
        return host;
      }
      TraceHeader header =
          TraceHeader.of(
              ImmutableMap.of(
                  "vm",
                  vm,
                  "transport",
                  "tcp",
                  "connection",
                  Integer.toString(n),
                  HostReplay.SEED_KEY,
                  Long.toString(seed),
                  HostReplay.COOKIE_KEY,
                  Long.toString(cookieKey),
                  HostReplay.SCENARIO_KEY,
                  scenario.toText()),
              clock.instant());
      Bounded bounded = new Bounded(out, file);
      TraceWriter trace;
      try {
        trace = TraceWriter.create(bounded, header);
      } catch (RuntimeException e) {
        bounded.closeQuietly();
        logger.warn("not recording {}: {}", file, e.getMessage());
        return host;
      }
      return new Recording(host, trace, file, ticker.read());
    }
    logger.warn(
        "not recording a connection to VM {}: {} names in a row exist in {}",
        vm,
        MAX_NAME_TRIES,
        directory);
    return host;
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
   * A recorded connection: every call goes to the host, then into the trace; a trace that cannot be
   * written stops with one log line, and the guest's calls go on unrecorded. The server closes it,
   * and so the trace, with the connection.
   */
  private final class Recording implements Backdoor, Closeable {
    private final Backdoor host;
    private final TraceWriter trace;
    private final Path file;
    private final long start;
    private boolean stopped;

    Recording(Backdoor host, TraceWriter trace, Path file, long start) {
      this.host = host;
      this.trace = trace;
      this.file = file;
      this.start = start;
    }

    @Override
    public Registers in(Registers registers) {
      Registers answer = host.in(registers);
      record(TraceCall.Operation.IN, registers, answer, null);
      return answer;
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      Registers answer = host.outs(registers, bytes);
      record(TraceCall.Operation.OUTS, registers, answer, bytes);
      return answer;
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      Registers answer = host.ins(registers, into);
      record(TraceCall.Operation.INS, registers, answer, into);
      return answer;
    }

    private synchronized void record(
        TraceCall.Operation operation, Registers registers, Registers answer, byte[] bytes) {
      if (stopped) {
        return;
      }
      try {
        trace.write(
            TraceCall.of(Math.max(0, ticker.read() - start), operation, registers, answer, bytes));
      } catch (RuntimeException e) {
        stopped = true;
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        logger.warn("recording {} stopped: {}", file, cause.getMessage());
        try {
          trace.close();
        } catch (RuntimeException closing) {
          // the recording has stopped already
        }
      }
    }

    @Override
    public synchronized void close() {
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
