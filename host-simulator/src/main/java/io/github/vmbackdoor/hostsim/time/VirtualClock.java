package io.github.vmbackdoor.hostsim.time;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

/** A clock that reads a simulation's virtual time, in a zone of its own. */
final class VirtualClock extends Clock {
  private final Simulation simulation;
  private final ZoneId zone;

  VirtualClock(Simulation simulation, ZoneId zone) {
    this.simulation = simulation;
    this.zone = zone;
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new VirtualClock(simulation, zone);
  }

  @Override
  public Instant instant() {
    return simulation.now();
  }
}
