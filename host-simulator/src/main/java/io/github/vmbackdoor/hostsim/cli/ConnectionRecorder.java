package io.github.vmbackdoor.hostsim.cli;

import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.RecordingBackdoor;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceHeader;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import io.github.vmbackdoor.hostsim.scenario.HostReplay;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioEvent;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import java.io.Closeable;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code serve --record DIR}: one trace per guest connection, {@code DIR/<vm>-<n>.jsonl} (n counts
 * the server's connections from 1). The header carries what {@code replay --trace} needs to rebuild
 * the VM's host with no edits: its seed and host settings, as a scenario with no timeline ({@link
 * HostReplay#SCENARIO_KEY}).
 */
final class ConnectionRecorder {

  private final Path directory;
  private final Ticker ticker;
  private final Clock clock;
  private final AtomicInteger connections = new AtomicInteger();

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
    this.directory = directory;
    this.ticker = ticker;
    this.clock = clock;
  }

  /**
   * A new connection's host side: {@code host}, recorded into a new trace that is closed when the
   * connection is.
   */
  Backdoor connection(String vm, long seed, HostSettings settings, Backdoor host) {
    int n = connections.incrementAndGet();
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
                HostReplay.SCENARIO_KEY,
                scenario.toText()),
            clock.instant());
    String file = vm.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + n + ".jsonl";
    TraceWriter trace = TraceWriter.create(directory.resolve(file), header);
    return new Recording(RecordingBackdoor.wrap(host, trace, ticker::read), trace);
  }

  /** A recorded connection: the server closes it, and so the trace, with the connection. */
  private record Recording(Backdoor recorded, TraceWriter trace) implements Backdoor, Closeable {
    @Override
    public Registers in(Registers registers) {
      return recorded.in(registers);
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      return recorded.outs(registers, bytes);
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      return recorded.ins(registers, into);
    }

    @Override
    public void close() {
      trace.close();
    }
  }
}
