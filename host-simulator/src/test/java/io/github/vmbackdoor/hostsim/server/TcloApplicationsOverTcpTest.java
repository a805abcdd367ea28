package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.ConnectionPolicy;
import io.github.vmbackdoor.hostsim.Simulation;
import io.github.vmbackdoor.hostsim.TcloExchange;
import io.github.vmbackdoor.hostsim.ToolsLoops;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.admin.ServedVm;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several TCLO channels in one VM, one per application, over TCP: the guests' tools loops run in
 * other "processes" (each its own {@link RemoteBackdoor} connection) against the server as {@code
 * serve} builds it (a {@link ServedVm} of a real {@link VirtualHost}, one guest connection per
 * client), all in the virtual time of one {@link Simulation}: the loops' ticks, the host's clock
 * and the server's read timeout.
 */
class TcloApplicationsOverTcpTest {

  private final Simulation sim = Simulation.create(5);

  /** As serve's hosts: idle channels close after five minutes. */
  private final ServedVm vm =
      ServedVm.of(
          "vm1",
          () -> VirtualHost.builder().simulation(sim).idleTimeout(Duration.ofMinutes(5)).build());

  private final AtomicInteger connections = new AtomicInteger();
  private final SimulatorServer server =
      SimulatorServer.builder(
              name ->
                  name.equals("vm1")
                      ? vm.connect(
                          "connection " + connections.incrementAndGet() + " to vm1",
                          ConnectionPolicy.DEFAULTS)
                      : null)
          .ticker(sim.ticker())
          .start();

  private final List<RemoteBackdoor> guests = new ArrayList<>();
  private final List<ToolsService> loops = new ArrayList<>();

  @AfterEach
  void stop() {
    loops.forEach(ToolsService::stop);
    guests.forEach(RemoteBackdoor::close);
    server.close();
  }

  private VirtualHost host() {
    return vm.host();
  }

  /**
   * A tools loop for {@code app} in a guest process of its own (its own connection); the commands
   * it receives go to {@code received}. Not started.
   */
  private ToolsService loop(String app, List<String> received) {
    RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm1");
    guests.add(guest);
    ToolsService service = ToolsLoops.loop(guest, sim, app, received);
    loops.add(service);
    return service;
  }

  /** The commands the host saw answered on TCLO channel {@code id}. */
  private List<String> answeredOn(Optional<Integer> id) {
    assertThat(id).as("an active channel").isPresent();
    return host().tcloExchanges().stream()
        .filter(e -> e.channelId() == id.get())
        .filter(e -> e.outcome() == TcloExchange.Outcome.ANSWERED)
        .map(e -> e.command().orElseThrow())
        .toList();
  }

  @Test
  void toolboxAndToolboxDndEachReceiveTheirOwnPingsForAnHour() {
    List<String> toolbox = new ArrayList<>();
    List<String> dnd = new ArrayList<>();
    loop("toolbox", toolbox).start();
    loop("toolbox-dnd", dnd).start();
    int minutes = 60;
    for (int m = 1; m <= minutes; m++) {
      int n = m;
      sim.schedule(Duration.ofMinutes(m), () -> host().enqueueTclo("ping"));
      sim.schedule(
          Duration.ofMinutes(m).plusSeconds(20), () -> host().enqueueTclo("toolbox-dnd", "ping"));
      sim.schedule(
          Duration.ofMinutes(m).plusSeconds(40),
          () -> host().enqueueTclo("toolbox-dnd", "Set_Option dnd " + n));
    }
    sim.runFor(Duration.ofMinutes(minutes).plusMinutes(1));

    assertThat(sim.elapsed()).isEqualTo(Duration.ofMinutes(61));
    // Each loop got exactly the commands queued for its application, each one once.
    assertThat(toolbox).filteredOn("ping"::equals).hasSize(minutes);
    assertThat(dnd).filteredOn("ping"::equals).hasSize(minutes);
    assertThat(toolbox).noneMatch(c -> c.startsWith("Set_Option dnd"));
    assertThat(dnd).filteredOn(c -> c.startsWith("Set_Option dnd")).hasSize(minutes);
    // Each loop was reset once, at its start: neither knocked the other out, over the wire.
    assertThat(toolbox).filteredOn("reset"::equals).hasSize(1);
    assertThat(dnd).filteredOn("reset"::equals).hasSize(1);
    // The host talks to two channels, one per application, and answered each one's commands there.
    Optional<Integer> toolboxChannel = host().activeTcloChannel("toolbox");
    Optional<Integer> dndChannel = host().activeTcloChannel("toolbox-dnd");
    assertThat(toolboxChannel).isPresent().isNotEqualTo(dndChannel);
    assertThat(answeredOn(toolboxChannel)).filteredOn("ping"::equals).hasSize(minutes);
    assertThat(answeredOn(dndChannel)).filteredOn("ping"::equals).hasSize(minutes);
    assertThat(answeredOn(dndChannel)).filteredOn(c -> c.startsWith("Set_Option")).hasSize(minutes);
    assertThat(host().pendingTcloCommands("toolbox")).isEmpty();
    assertThat(host().pendingTcloCommands("toolbox-dnd")).isEmpty();
    assertThat(server.rejectionCount()).isZero();
  }

  @Test
  void aCommandForToolboxDndReachesOnlyThatLoop() {
    List<String> toolbox = new ArrayList<>();
    List<String> dnd = new ArrayList<>();
    loop("toolbox", toolbox).start();
    loop("toolbox-dnd", dnd).start();
    sim.runFor(Duration.ofSeconds(5));
    assertThat(toolbox).containsExactly("reset");
    assertThat(dnd).containsExactly("reset");

    assertThat(host().enqueueTclo("toolbox-dnd", "Set_Option copypaste 1")).isTrue();
    sim.runFor(Duration.ofSeconds(10));

    assertThat(dnd).containsExactly("reset", "Set_Option copypaste 1");
    assertThat(toolbox).containsExactly("reset");
    assertThat(answeredOn(host().activeTcloChannel("toolbox-dnd")))
        .containsExactly("reset", "Set_Option copypaste 1");
    assertThat(answeredOn(host().activeTcloChannel("toolbox"))).containsExactly("reset");
  }

  @Test
  void aSecondChannelOfTheSameApplicationTakesOverOnlyThatApplication() {
    List<String> vmsvc = new ArrayList<>();
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    loop("toolbox", vmsvc).start();
    loop("toolbox-dnd", first).start();
    sim.runFor(Duration.ofSeconds(5));
    assertThat(first).containsExactly("reset");
    Optional<Integer> toolboxChannel = host().activeTcloChannel("toolbox");

    loop("toolbox-dnd", second).start();
    sim.runFor(Duration.ofSeconds(30));

    // The newer toolbox-dnd channel displaced the older one (takeover policy host-closed), whose
    // loop reopened and was reset again; the toolbox loop and its channel were not touched.
    assertThat(second).contains("reset");
    assertThat(first).filteredOn("reset"::equals).hasSizeGreaterThan(1);
    assertThat(vmsvc).containsExactly("reset");
    assertThat(host().activeTcloChannel("toolbox")).isEqualTo(toolboxChannel);
    assertThat(host().activeTcloChannel("toolbox-dnd")).isPresent();
  }
}
