package io.github.vmbackdoor.hostsim.scenario;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.TcloListener;

/**
 * A user's guest code under a scenario: started once, before the simulation runs, it schedules its
 * own work on the simulation (for a {@code ToolsService}, a {@code TickScheduler} over {@link
 * Simulation#schedule}) and reports its log lines and TCLO events to the listener, from which the
 * run is classified.
 */
@FunctionalInterface
public interface GuestCode {

  /** Starts the guest on this backdoor (the scenario host's in-process transport). */
  void start(Backdoor backdoor, Simulation simulation, TcloListener listener);
}
