package io.github.vmbackdoor.hostsim.cli;

import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.RecordingBackdoor;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceHeader;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.scenario.HostReplay;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import java.io.Closeable;
import java.nio.file.Path;
import java.time.Clock;
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
    Scenario scenario =
        Scenario.named(scenarioName)
            .description("VM " + vm + " as serve ran it")
            .seed(seed)
            .hostSettings(settings)
            .build();
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
