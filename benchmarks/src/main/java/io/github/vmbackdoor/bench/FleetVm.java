package io.github.vmbackdoor.bench;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TickScheduler;
import io.github.vmbackdoor.rpc.ToolsService;

/**
 * One VM of the fleet tools ({@link SimulationScale}, {@link HostEventCost}): a host built as a
 * simulation of many VMs builds it (call log and histories off, single-threaded, seeded from the
 * simulation) and a guest service running the fixed machine on it, not started.
 */
record FleetVm(VirtualHost host, ToolsService guest) {

  /** Call log and histories off: one policy for every host of a fleet. */
  static final HostPolicy POLICY = HostPolicy.DEFAULTS.withCallLogLimit(0).withHistoryLimit(0);

  /** A VM on {@code sim}; its guest shares the fleet's scheduler, options and listener. */
  static FleetVm build(
      Simulation sim, TickScheduler scheduler, TcloOptions options, TcloListener listener) {
    VirtualHost host =
        VirtualHost.builder()
            .simulation(sim)
            .seed(sim.random().nextLong())
            .policy(POLICY)
            .singleThreaded()
            .build();
    ToolsService guest =
        ToolsService.builder(host.backdoor())
            .scheduler(scheduler)
            .options(options)
            .listener(listener)
            .build();
    return new FleetVm(host, guest);
  }

  /** A listener that counts the guests' events by type into {@code counts}, and keeps nothing. */
  static TcloListener counting(long[] counts) {
    return new TcloListener() {
      @Override
      public void onEvent(TcloEvent event) {
        counts[event.type().ordinal()]++;
      }
    };
  }

  /** Invalidates the host's open TCLO channel, if it has one, in the given way. */
  static void invalidateTclo(VirtualHost host, Invalidation kind) {
    host.records().activeTcloChannel().ifPresent(id -> host.invalidateChannel(id, kind));
  }
}
