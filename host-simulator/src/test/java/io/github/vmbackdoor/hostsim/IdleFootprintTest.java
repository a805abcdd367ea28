package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.hostsim.time.SimulationTickScheduler;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TickScheduler;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * What an idle VM holds of its own, as {@code simulation-scale} builds a fleet (docs/benchmarks.md,
 * figure 8a): a host with call log and histories off and a guest running the fixed machine, polling
 * with nothing to do. The VM's own objects are those reachable from its host and its guest service
 * that a second VM of the same simulation does not reach (the simulation itself, and all that VMs
 * share, are left out). Histories, stores, queues and fault records are made on first use, so an
 * idle VM holds none of them, and no collection of the JDK's at all.
 */
class IdleFootprintTest {

  /**
   * The guard per idle VM, host and guest, by the size estimate of {@link Footprint}: 496 B now
   * (docs/benchmarks.md, 10o: the guest keeps no RPCI client, log or listener fan-out of its own,
   * and its tick runner's state is one field; the host's state is one object, its command-port
   * answers and transport hold none of their own, the open channel's protocol is implied by its
   * class, and the endpoints' histories and queue count take no field; the pending tick's event is
   * 16 B), with room for one more small object.
   */
  private static final long GOAL_BYTES = 512;

  /** Call log and histories off: one policy for the fleet, as the tool shares it. */
  private static final HostPolicy POLICY =
      HostPolicy.DEFAULTS.withCallLogLimit(0).withHistoryLimit(0);

  private static final class Vm {
    final VirtualHost host;
    final ToolsService guest;

    Vm(Simulation sim, TickScheduler scheduler, TcloOptions options, TcloListener listener) {
      host =
          VirtualHost.builder()
              .simulation(sim)
              .seed(sim.random().nextLong())
              .policy(POLICY)
              .singleThreaded()
              .build();
      guest =
          ToolsService.builder(host.backdoor())
              .scheduler(scheduler)
              .options(options)
              .listener(listener)
              .build();
      guest.start();
    }
  }

  private final Simulation sim = Simulation.create(5);
  private final TickScheduler scheduler = SimulationTickScheduler.of(sim);
  private final TcloOptions options = TcloOptions.defaults().withUptime(sim::elapsed);
  private static final TcloListener LISTENER = new TcloListener() {};
  private final Vm vm = new Vm(sim, scheduler, options, LISTENER);
  private final Vm other = new Vm(sim, scheduler, options, LISTENER);

  /** The objects {@link #vm} holds that {@link #other} does not reach. */
  private List<Object> own() {
    Predicate<Object> stop = o -> o instanceof Simulation || o == this;
    List<Object> own =
        Footprint.of(stop, vm.host, vm.guest).without(Footprint.of(stop, other.host, other.guest));
    assertThat(own).contains(vm.host, vm.guest).doesNotContain(other.host);
    return own;
  }

  private void idle() {
    // The channel is open, the first reset answered (with its RPCI), and the guest polls.
    sim.runFor(Duration.ofSeconds(3));
    assertThat(vm.host.records().tcloCommandsSent()).isEmpty();
    assertThat(vm.host.records().activeTcloChannel()).isPresent();
    assertThat(vm.host.records().pendingTcloCommands()).isEmpty();
  }

  @Test
  void anIdleVmHoldsOnlyItsOwnPartsWithinTheGoal() {
    idle();
    List<Object> own = own();
    String listing = Footprint.describe(own);
    assertThat(own).as(listing).allMatch(Footprint::ours);
    assertThat(own)
        .as(listing)
        .noneMatch(
            o ->
                o instanceof History
                    || o instanceof GuestStore
                    || o instanceof FaultBook
                    || o instanceof PowerOperations);
    assertThat(Footprint.bytes(own)).as(listing).isLessThanOrEqualTo(GOAL_BYTES);
  }

  @Test
  void whatFirstUseMakesIsDroppedOrKeptAsItShouldBe() {
    idle();
    List<Object> idle = own();
    // Host commands are queued, delivered and answered: their queue goes with them.
    vm.host.enqueueTclo("ping");
    vm.host.enqueueTclo("ping");
    vm.host.hostReset();
    assertThat(vm.host.records().pendingTcloCommands()).containsExactly("reset", "ping", "ping");
    sim.runFor(Duration.ofSeconds(3));
    assertThat(vm.host.records().pendingTcloCommands()).isEmpty();
    assertThat(Footprint.describe(own())).isEqualTo(Footprint.describe(idle));
    assertThat(vm.host.records().tcloReplies()).isEmpty(); // answered, but no history is kept
    // Stores and faults are made with their first value and then kept, with what they hold.
    vm.host.putGuestInfo("ip", "10.0.0.1");
    vm.host.installFault(Fault.builder().step(Step.OPEN).nth(1000).clearSuccess().build());
    List<Object> used = own();
    assertThat(used).anyMatch(o -> o instanceof GuestStore);
    assertThat(used).anyMatch(o -> o instanceof FaultBook);
    assertThat(vm.host.records().guestInfo("ip")).hasValue("10.0.0.1");
  }

  @Test
  void theSizeEstimateCountsFieldsAsHotSpotLaysThemOut() {
    // A header, a reference and a long: 24. An int[3]: 16 + 12 = 28, aligned to 32.
    assertThat(Footprint.size(new HostUptime(sim.ticker()))).isEqualTo(24);
    assertThat(Footprint.size(new int[3])).isEqualTo(32);
    assertThat(Footprint.size(new Object[2])).isEqualTo(24);
  }
}
