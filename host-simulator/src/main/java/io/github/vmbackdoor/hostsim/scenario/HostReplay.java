package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.core.TraceFormatException;
import io.github.vmbackdoor.core.TraceHeader;
import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.time.Simulation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

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
   * VirtualHost.Builder.cookieKey}), a whole number of 64 bits; without it, cookies come from the
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

  /** What a host-facing replay found. */
  public static final class Result {
    private final int calls;
    private final int callIndex;
    private final long lineNumber;
    private final String difference;

    private Result(int calls, int callIndex, long lineNumber, String difference) {
      this.calls = calls;
      this.callIndex = callIndex;
      this.lineNumber = lineNumber;
      this.difference = difference;
    }

    /** Whether every answer matched the recording. */
    public boolean matches() {
      return difference == null;
    }

    /** How many calls were driven (up to and including the first divergent one). */
    public int calls() {
      return calls;
    }

    /** The 1-based index of the first divergent call. */
    public Optional<Integer> divergentCall() {
      return matches() ? Optional.empty() : Optional.of(callIndex);
    }

    /** The trace line of the first divergent call. */
    public Optional<Long> divergentLine() {
      return matches() ? Optional.empty() : Optional.of(lineNumber);
    }

    /** The recorded and the host's answer side by side, or empty when everything matched. */
    public Optional<String> difference() {
      return Optional.ofNullable(difference);
    }

    @Override
    public String toString() {
      return matches()
          ? calls + " calls, every answer as recorded"
          : "line " + lineNumber + " (call #" + callIndex + "): " + difference;
    }
  }

  /** Replays a trace file; its scenario is read within the default limits. */
  public static Result replay(Path trace) {
    return replay(trace, ScenarioLimits.DEFAULTS);
  }

  /** Replays a trace file; its scenario is read within {@code limits}. */
  public static Result replay(Path trace, ScenarioLimits limits) {
    try (TraceReader reader = TraceReader.open(trace)) {
      return replay(reader, limits);
    }
  }

  /** Replays the calls of an open trace (from its current position), within the default limits. */
  public static Result replay(TraceReader reader) {
    return replay(reader, ScenarioLimits.DEFAULTS);
  }

  /**
   * Replays the calls of an open trace (from its current position).
   *
   * @throws TraceFormatException naming the line when the header's seed or scenario, or a call,
   *     cannot be what it claims (a scenario over {@code limits} is a {@link
   *     ScenarioLimitException})
   */
  public static Result replay(TraceReader reader, ScenarioLimits limits) {
    Preconditions.checkNotNull(reader, "reader");
    Scenario scenario = headerScenario(reader, limits);
    Simulation simulation = Simulation.create(scenario.seed());
    VirtualHost.Builder builder =
        scenario.configure(
            Extensions.installed()
                .configure(VirtualHost.builder().simulation(simulation).callLogLimit(0)));
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
    int index = 0;
    for (TraceCall call = reader.next(); call != null; call = reader.next()) {
      index++;
      Duration at = Duration.ofNanos(call.timeNanos());
      if (at.compareTo(simulation.elapsed()) > 0) {
        simulation.runFor(at.minus(simulation.elapsed()));
      }
      Registers answer;
      byte[] received = null;
      try {
        switch (call.operation()) {
          case IN:
            answer = host.backdoor().in(call.request());
            break;
          case OUTS:
            answer = host.backdoor().outs(call.request(), call.bytes());
            break;
          default:
            received = new byte[call.byteCount()];
            answer = host.backdoor().ins(call.request(), received);
            break;
        }
      } catch (IllegalArgumentException e) {
        // A call no guest could make, such as a transfer whose ecx is not its byte count.
        throw new TraceFormatException(reader.lineNumber(), e.getMessage(), e);
      }
      boolean bytesDiffer = received != null && !Arrays.equals(received, call.bytes());
      if (!answer.equals(call.answer()) || bytesDiffer) {
        return new Result(index, index, reader.lineNumber(), diff(index, call, answer, received));
      }
    }
    return new Result(index, 0, 0, null);
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

  private static String diff(int index, TraceCall call, Registers actual, byte[] received) {
    Registers e = call.answer();
    StringBuilder b = new StringBuilder();
    b.append("the host's answer to call #")
        .append(index)
        .append(" (")
        .append(call.operation().wireName())
        .append(") differs from the recording\n");
    b.append(String.format("  %-5s %-10s %-10s%n", "", "recorded", "host"));
    String[] names = {"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp"};
    int[] want = {e.eax(), e.ebx(), e.ecx(), e.edx(), e.esi(), e.edi(), e.ebp()};
    int[] got = {
      actual.eax(),
      actual.ebx(),
      actual.ecx(),
      actual.edx(),
      actual.esi(),
      actual.edi(),
      actual.ebp()
    };
    for (int i = 0; i < names.length; i++) {
      b.append(
          String.format(
              "  %-5s %-10s %-10s%s%n",
              names[i],
              Registers.hex(want[i]),
              Registers.hex(got[i]),
              want[i] != got[i] ? "  <-- differs" : ""));
    }
    if (received != null) {
      boolean differ = !Arrays.equals(received, call.bytes());
      b.append(
          String.format(
              "  %-5s %-10s %-10s%s%n",
              "bytes",
              call.byteCount() + " B",
              received.length + " B",
              differ ? "  <-- differs at offset " + Arrays.mismatch(received, call.bytes()) : ""));
    }
    return b.toString().stripTrailing();
  }
}
