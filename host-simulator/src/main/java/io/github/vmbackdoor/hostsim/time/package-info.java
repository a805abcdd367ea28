/**
 * Virtual time: a deterministic discrete-event {@link io.github.vmbackdoor.hostsim.time.Simulation}
 * with its clock, event queue and lanes, and {@link
 * io.github.vmbackdoor.hostsim.time.SimulationTickScheduler}, which runs a guest's ticks as its
 * events. Imports nothing of the host.
 */
package io.github.vmbackdoor.hostsim.time;
