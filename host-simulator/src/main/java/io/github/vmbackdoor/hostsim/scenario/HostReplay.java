package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.core.TraceEntry;
import io.github.vmbackdoor.core.TraceFormatException;
import io.github.vmbackdoor.core.TraceHeader;
import io.github.vmbackdoor.core.TraceHostEvent;
import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.time.Simulation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * Host-facing replay: drives a trace's recorded guest calls into a fresh {@link VirtualHost} and
 * reports the first answer that differs from the recording. This checks the host model against
 * recordings (and a recording against the model).
 *
 * <p>The host is rebuilt from the trace header: when its {@code vm} object has a {@value
 * #SCENARIO_KEY} entry (the text form of the scenario the run was recorded under, as {@link
 * #header} writes it), the host gets that scenario's seed and policies, and its timeline is
 * scheduled on the simulation so host events fall between the same calls as when recorded;
 * otherwise the host has the defaults and the seed of the {@value #SEED_KEY} entry (42 when
 * absent). Before each call, virtual time moves on to the call's recorded time {@code t}. Each
 * call's answer registers are compared in full, and for {@code ins} the bytes received too.
 */
public final class HostReplay {

  /** The header's vm entry holding the scenario text. */
  public static final String SCENARIO_KEY = "scenario";

  /** The header's vm entry holding the seed when there is no scenario. */
  public static final String SEED_KEY = "seed";

  /**
   * The header entry of the secret the recorded host's cookies were derived from ({@code
   * VirtualHostBuilder.cookieKey}), a whole number of 64 bits; without it, cookies come from the
   * seed.
   */
  public static final String COOKIE_KEY = "cookieKey";

  private HostReplay() {}

  /** A trace header for a run of {@code scenario} by {@code guest}: replayable host-facing. */
  public static TraceHeader header(Scenario scenario, String guest) {
    return TraceHeader.of(
        ImmutableMap.of("vm", scenario.name(), "guest", guest, SCENARIO_KEY, scenario.toText()),
        Simulation.DEFAULT_START);
  }

  /**
   * The header's vm entry naming the recording session a trace is part of: the traces of one VM's
   * connections to one host ({@code serve --record}), replayed together in the order of their time
   * stamps, which are the host's time.
   */
  public static final String SESSION_KEY = "session";

  /** The header's vm entry holding the host time (ns) of the trace's first line, in a session. */
  public static final String OPENED_KEY = "opened";

  /** The header's vm entry holding the connection's number ({@code serve --record}). */
  public static final String CONNECTION_KEY = "connection";

  /** What a host-facing replay found. */
  public static final class Result {
    private final int calls;
    private final int events;
    private final List<String> traces;
    private final int callIndex;
    private final long lineNumber;
    private final String trace;
    private final String connection;
    private final String difference;
    private String hint;

    private Result(
        int calls,
        int events,
        List<String> traces,
        int callIndex,
        long lineNumber,
        String trace,
        String connection,
        String difference) {
      this.calls = calls;
      this.events = events;
      this.traces = List.copyOf(traces);
      this.callIndex = callIndex;
      this.lineNumber = lineNumber;
      this.trace = trace;
      this.connection = connection;
      this.difference = difference;
    }

    /** Whether every answer matched the recording. */
    public boolean matches() {
      return difference == null;
    }

    /**
     * How many calls were driven (up to and including the first divergent one), over every trace of
     * the session.
     */
    public int calls() {
      return calls;
    }

    /** How many recorded host events were applied. */
    public int hostEvents() {
      return events;
    }

    /**
     * The file names of the traces replayed together, in the order of their connections: the one
     * given alone, or the session's traces up to it.
     */
    public List<String> traces() {
      return traces;
    }

    /** The 1-based index of the first divergent call within its trace. */
    public Optional<Integer> divergentCall() {
      return matches() ? Optional.empty() : Optional.of(callIndex);
    }

    /** The line of the first divergent call in its trace. */
    public Optional<Long> divergentLine() {
      return matches() ? Optional.empty() : Optional.of(lineNumber);
    }

    /** The file name of the trace holding the first divergent call. */
    public Optional<String> divergentTrace() {
      return matches() ? Optional.empty() : Optional.ofNullable(trace);
    }

    /** The connection number of the trace holding the first divergent call, when it has one. */
    public Optional<String> divergentConnection() {
      return matches() ? Optional.empty() : Optional.ofNullable(connection);
    }

    /**
     * When the trace differs and is a later part of a recording session replayed alone (the
     * session's earlier traces were not beside it): one line saying so.
     */
    public Optional<String> hint() {
      return Optional.ofNullable(hint);
    }

    /** The recorded and the host's answer side by side, or empty when everything matched. */
    public Optional<String> difference() {
      return Optional.ofNullable(difference);
    }

    /** Where the first divergent call is, in one phrase: trace, connection, line, call. */
    public Optional<String> where() {
      if (matches()) {
        return Optional.empty();
      }
      return Optional.of(
          (trace == null ? "" : trace + ", ")
              + (connection == null ? "" : "connection " + connection + ", ")
              + "line "
              + lineNumber
              + " (call #"
              + callIndex
              + ")");
    }

    @Override
    public String toString() {
      return matches()
          ? calls + " calls, every answer as recorded"
          : where().orElseThrow() + ": " + difference;
    }
  }

  /** Replays a trace file (with its session's others); its scenario within the default limits. */
  public static Result replay(Path trace) {
    return replay(trace, ScenarioLimits.DEFAULTS);
  }

  /**
   * Replays a trace file; its scenario is read within {@code limits}. A trace that is part of a
   * session ({@value #SESSION_KEY}) is replayed with the session's traces in its directory that
   * began before it ended, on one host, in the order of their time stamps, up to its own last line.
   */
  public static Result replay(Path trace, ScenarioLimits limits) {
    try (TraceReader reader = TraceReader.open(trace)) {
      return replay(reader, trace, limits);
    }
  }

  /** Replays the calls of an open trace (from its current position), within the default limits. */
  public static Result replay(TraceReader reader) {
    return replay(reader, ScenarioLimits.DEFAULTS);
  }

  /**
   * Replays the calls of an open trace (from its current position), alone.
   *
   * @throws TraceFormatException naming the line when the header's seed or scenario, or a call,
   *     cannot be what it claims (a scenario over {@code limits} is a {@link
   *     ScenarioLimitException})
   */
  public static Result replay(TraceReader reader, ScenarioLimits limits) {
    return replay(reader, null, limits);
  }

  /**
   * Replays the calls of an open trace read from {@code file} (null: from a stream, replayed
   * alone); a trace of a session with the session's traces beside it, as {@link #replay(Path,
   * ScenarioLimits)} does.
   *
   * @throws TraceFormatException naming the line when the header's seed or scenario, or a call,
   *     cannot be what it claims, in this trace or one of its session
   */
  public static Result replay(TraceReader reader, Path file, ScenarioLimits limits) {
    Preconditions.checkNotNull(reader, "reader");
    Scenario scenario = headerScenario(reader, limits);
    Simulation simulation = Simulation.create(scenario.seed());
    // a call log of one: the host's own words for the call that differs
    VirtualHostBuilder builder =
        scenario.configure(
            Extensions.installed()
                .configure(VirtualHost.builder().simulation(simulation).callLogLimit(1)));
    String cookieKey = reader.header().vm().get(COOKIE_KEY);
    if (cookieKey != null) {
      try {
        builder.cookieKey(Long.parseLong(cookieKey));
      } catch (NumberFormatException e) {
        throw new TraceFormatException(
            reader.lineNumber(),
            "vm." + COOKIE_KEY + " is not a whole number of 64 bits: " + cookieKey,
            e);
      }
    }
    VirtualHost host = builder.build();
    scenario.scheduleTimeline(host, simulation::schedule);
    ReplayTrace target =
        new ReplayTrace(reader, file == null ? null : ReplayTrace.fileName(file), reader.header());
    List<ReplayTrace> parts = file == null ? List.of(target) : ReplayTrace.session(target, file);
    try {
      Result result = drive(host, simulation, parts, target);
      String session = target.header.vm().get(SESSION_KEY);
      if (!result.matches() && parts.size() == 1 && session != null && target.opened > 0) {
        result.hint =
            (target.connection() == null ? "this trace" : "connection " + target.connection())
                + " began at host time "
                + Durations.format(Duration.ofNanos(target.opened))
                + " of session "
                + session
                + ", whose earlier traces were not found beside it: the host it met held their"
                + " state";
      }
      return result;
    } finally {
      for (ReplayTrace p : parts) {
        if (p != target) {
          p.close();
        }
      }
    }
  }

  /**
   * Drives the lines of {@code parts} into {@code host} in the order of their time stamps (a host
   * event that several traces hold, once), up to the last line of {@code target}.
   */
  private static Result drive(
      VirtualHost host, Simulation simulation, List<ReplayTrace> parts, ReplayTrace target) {
    PriorityQueue<ReplayTrace> active =
        new PriorityQueue<>(Comparator.comparingLong((ReplayTrace p) -> p.head.timeNanos()));
    List<String> names = new ArrayList<>();
    int next = 0;
    int calls = 0;
    int events = 0;
    long lastEvent = -1;
    Map<String, Fault> faults = new HashMap<>();
    while (true) {
      while (next < parts.size()
          && (active.isEmpty() || parts.get(next).opened <= active.peek().head.timeNanos())) {
        ReplayTrace p = parts.get(next++);
        if (p.name != null) {
          names.add(p.name);
        }
        if (p.advance()) {
          active.add(p);
        } else if (p == target) {
          return new Result(calls, events, names, 0, 0, null, null, null);
        }
      }
      ReplayTrace p = active.poll();
      if (p == null) {
        return new Result(calls, events, names, 0, 0, null, null, null);
      }
      TraceEntry entry = p.head;
      long line = p.reader.lineNumber();
      Duration at = Duration.ofNanos(entry.timeNanos());
      if (at.compareTo(simulation.elapsed()) > 0) {
        simulation.runFor(at.minus(simulation.elapsed()));
      }
      if (entry instanceof TraceHostEvent e) {
        if (e.timeNanos() != lastEvent) {
          lastEvent = e.timeNanos();
          HostEvent event;
          try {
            event = HostEvent.parse(e.event());
          } catch (IllegalArgumentException bad) {
            TraceFormatException f =
                new TraceFormatException(
                    line, "host event '" + e.event() + "': " + bad.getMessage(), bad);
            throw p.path == null ? f : p.inThis(f);
          }
          host.exclusively(
              h -> {
                event.apply(h, faults);
                return null;
              });
          events++;
        }
      } else {
        TraceCall call = (TraceCall) entry;
        calls++;
        p.calls++;
        String difference;
        try {
          difference = ReplayedCall.difference(host, call, p.calls);
        } catch (IllegalArgumentException e) {
          // A call no guest could make, such as a transfer whose ecx is not its byte count.
          TraceFormatException f = new TraceFormatException(line, e.getMessage(), e);
          throw p.path == null ? f : p.inThis(f);
        }
        if (difference != null) {
          return new Result(
              calls, events, names, p.calls, line, p.name, p.connection(), difference);
        }
      }
      if (p.advance()) {
        active.add(p);
      } else if (p == target) {
        return new Result(calls, events, names, 0, 0, null, null, null);
      }
    }
  }

  /** The scenario the header names, or the defaults with its seed; read before any call. */
  static Scenario headerScenario(TraceReader reader, ScenarioLimits limits) {
    Map<String, String> vm = reader.header().vm();
    long line = reader.lineNumber();
    if (vm.containsKey(SCENARIO_KEY)) {
      try {
        return Scenario.parse(vm.get(SCENARIO_KEY), limits);
      } catch (ScenarioLimitException e) {
        throw e;
      } catch (ScenarioParseException e) {
        throw new TraceFormatException(line, "vm." + SCENARIO_KEY + ", " + e.getMessage(), e);
      }
    }
    String seed = vm.getOrDefault(SEED_KEY, Long.toString(Scenario.DEFAULT_SEED));
    try {
      return Scenario.named("trace").seed(Long.parseLong(seed)).build();
    } catch (NumberFormatException e) {
      throw new TraceFormatException(
          line, "vm." + SEED_KEY + " is not a whole number of 64 bits: " + seed, e);
    }
  }
}
