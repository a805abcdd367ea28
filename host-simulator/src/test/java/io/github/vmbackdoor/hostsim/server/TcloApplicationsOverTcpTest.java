package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.ToolsLoops;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.admin.ServedVm;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import io.github.vmbackdoor.hostsim.settings.TcloTakeover;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  /** The default host: a newer channel of an application takes it over. */
  private final ServedVm vm = served("vm1", TcloTakeover.DEFAULT);

  /** A host that refuses a newer channel of an application while the older one lives. */
  private final ServedVm refusing = served("vm2", TcloTakeover.refuseNewer());

  private final Map<String, ServedVm> vms = Map.of("vm1", vm, "vm2", refusing);

  private final AtomicInteger connections = new AtomicInteger();
  private final SimulatorServer server =
      SimulatorServer.builder(
              name ->
                  vms.containsKey(name)
                      ? vms.get(name)
                          .connect(
                              "connection " + connections.incrementAndGet() + " to " + name,
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

  /** A VM served as serve's hosts are: idle channels close after five minutes. */
  private ServedVm served(String name, TcloTakeover takeover) {
    return ServedVm.of(
        name,
        () ->
            VirtualHost.builder()
                .simulation(sim)
                .idleTimeout(Duration.ofMinutes(5))
                .tcloTakeover(takeover)
                .build());
  }

  private VirtualHost host() {
    return vm.host();
  }

  /**
   * A tools loop for {@code app} of vm1 in a guest process of its own (its own connection); the
   * commands it receives go to {@code received}. Not started.
   */
  private ToolsService loop(String app, List<String> received) {
    return loop("vm1", app, received);
  }

  /** A tools loop for {@code app} of VM {@code vmName}, as {@link #loop(String, List)}. */
  private ToolsService loop(String vmName, String app, List<String> received) {
    RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", server.port(), vmName);
    guests.add(guest);
    ToolsService service = ToolsLoops.loop(guest, sim, app, received);
    loops.add(service);
    return service;
  }

  /** The commands vm1's host saw answered on TCLO channel {@code id}. */
  private List<String> answeredOn(Optional<Integer> id) {
    return answeredOn(host(), id);
  }

  /** The commands {@code host} saw answered on TCLO channel {@code id}. */
  private static List<String> answeredOn(VirtualHost host, Optional<Integer> id) {
    assertThat(id).as("an active channel").isPresent();
    return host.records().tcloExchanges().stream()
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
    Optional<Integer> toolboxChannel = host().records().activeTcloChannel("toolbox");
    Optional<Integer> dndChannel = host().records().activeTcloChannel("toolbox-dnd");
    assertThat(toolboxChannel).isPresent().isNotEqualTo(dndChannel);
    assertThat(answeredOn(toolboxChannel)).filteredOn("ping"::equals).hasSize(minutes);
    assertThat(answeredOn(dndChannel)).filteredOn("ping"::equals).hasSize(minutes);
    assertThat(answeredOn(dndChannel)).filteredOn(c -> c.startsWith("Set_Option")).hasSize(minutes);
    assertThat(host().records().pendingTcloCommands("toolbox")).isEmpty();
    assertThat(host().records().pendingTcloCommands("toolbox-dnd")).isEmpty();
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
    assertThat(answeredOn(host().records().activeTcloChannel("toolbox-dnd")))
        .containsExactly("reset", "Set_Option copypaste 1");
    assertThat(answeredOn(host().records().activeTcloChannel("toolbox"))).containsExactly("reset");
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
    Optional<Integer> toolboxChannel = host().records().activeTcloChannel("toolbox");

    loop("toolbox-dnd", second).start();
    sim.runFor(Duration.ofSeconds(30));

    // The newer toolbox-dnd channel displaced the older one (takeover policy host-closed), whose
    // loop reopened and was reset again; the toolbox loop and its channel were not touched.
    assertThat(second).contains("reset");
    assertThat(first).filteredOn("reset"::equals).hasSizeGreaterThan(1);
    assertThat(vmsvc).containsExactly("reset");
    assertThat(host().records().activeTcloChannel("toolbox")).isEqualTo(toolboxChannel);
    assertThat(host().records().activeTcloChannel("toolbox-dnd")).isPresent();
  }

  @Test
  void withRefuseNewerASecondToolboxDndLoopIsRefusedAndTheFirstKeepsItsPingsForAnHour() {
    VirtualHost host = refusing.host();
    List<String> vmsvc = new ArrayList<>();
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    ToolsLoops.Seen seen = new ToolsLoops.Seen();
    loop("vm2", "toolbox", vmsvc).start();
    loop("vm2", "toolbox-dnd", first).start();
    sim.runFor(Duration.ofSeconds(5));
    Optional<Integer> toolboxChannel = host.records().activeTcloChannel("toolbox");
    Optional<Integer> dndChannel = host.records().activeTcloChannel("toolbox-dnd");
    assertThat(dndChannel).isPresent().isNotEqualTo(toolboxChannel);

    ToolsService refused = loop("vm2", "toolbox-dnd", second);
    refused.addListener(seen);
    refused.start();
    int minutes = 60;
    for (int m = 1; m <= minutes; m++) {
      sim.schedule(Duration.ofMinutes(m), () -> host.enqueueTclo("ping"));
      sim.schedule(
          Duration.ofMinutes(m).plusSeconds(20), () -> host.enqueueTclo("toolbox-dnd", "ping"));
    }
    sim.runFor(Duration.ofMinutes(minutes).plusSeconds(30));

    // The first toolbox-dnd loop keeps its channel and gets every ping on it; toolbox is untouched.
    assertThat(first).filteredOn("ping"::equals).hasSize(minutes);
    assertThat(first).filteredOn("reset"::equals).hasSize(1);
    assertThat(host.records().activeTcloChannel("toolbox-dnd")).isEqualTo(dndChannel);
    assertThat(answeredOn(host, dndChannel)).filteredOn("ping"::equals).hasSize(minutes);
    assertThat(vmsvc).filteredOn("ping"::equals).hasSize(minutes);
    assertThat(vmsvc).filteredOn("reset"::equals).hasSize(1);
    assertThat(host.records().activeTcloChannel("toolbox")).isEqualTo(toolboxChannel);

    // The second loop sees what vmtoolsd would: each new channel brings "reset", and sending the
    // reset reply fails (the high-bandwidth send answered status 0). Like vmtoolsd's service,
    // and unlike its user session, which gives up after five such errors, our loop closes the
    // channel and tries again a second later, for the whole hour; it never gets a ping.
    int refusals =
        ToolsLoops.assertRefusedEverySecond(host, "toolbox-dnd", refused, second, seen, minutes);
    assertThat(seen.lines)
        .filteredOn(line -> line.startsWith("vmware: "))
        .hasSize(refusals)
        .allMatch(line -> line.matches("vmware: send failed, ebx=0+"), "a refused HB send");
    // Each refused channel was closed host-side, then by the loop: only three are in the table.
    assertThat(host.records().channels()).hasSizeLessThanOrEqualTo(3);
    assertThat(server.rejectionCount()).isZero();
  }
}
