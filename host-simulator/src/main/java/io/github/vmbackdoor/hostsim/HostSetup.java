package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.time.Simulation;
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * What a host reads but does not own, and the hosts of a fleet share: its policy, its time sources
 * (the simulation, the uptime its records are stamped with, the clock GETTIME reads), where its
 * cookies come from, where its warnings go, who is told of a fault's extra time, and whether one
 * thread drives it. A host holds one reference to it instead of one per part, and the hosts built
 * alike in a row share one ({@link #of}). Immutable.
 */
final class HostSetup {

  /**
   * The setup {@link #of} made last, held weakly: the next host built with the same parts gets it
   * too, so a fleet built with one builder's settings holds one.
   */
  private static volatile WeakReference<HostSetup> last = new WeakReference<>(null);

  /** The host's policy: HB, cookies, the limits, the table's size and idle timeout. */
  final HostPolicy policy;

  /** The simulation the host reads its time from, or null when given a clock and a ticker. */
  final Simulation simulation;

  /** The host's uptime, which its parts stamp times with. */
  final HostUptime time;

  /** The host clock GETTIME and GETTIMEFULL read. */
  final Clock clock;

  /** Where the channels' cookies come from, with the host's seed. */
  final CookieSource cookies;

  /** Where the host's warnings go. */
  final Consumer<String> warnings;

  /** Who is told of a fault's extra time on the in-process transport, outside the host's lock. */
  final Consumer<Duration> delayer;

  /** Whether one thread at a time drives the host, its calls taking no lock. */
  final boolean singleThreaded;

  private HostSetup(
      HostPolicy policy,
      Simulation simulation,
      HostUptime time,
      Clock clock,
      CookieSource cookies,
      Consumer<String> warnings,
      Consumer<Duration> delayer,
      boolean singleThreaded) {
    this.policy = policy;
    this.simulation = simulation;
    this.time = time;
    this.clock = clock;
    this.cookies = cookies;
    this.warnings = warnings;
    this.delayer = delayer;
    this.singleThreaded = singleThreaded;
  }

  /**
   * A setup of these parts: the one made last when its parts are the same objects (it is then equal
   * in every way), else a new one.
   */
  static HostSetup of(
      HostPolicy policy,
      Simulation simulation,
      HostUptime time,
      Clock clock,
      CookieSource cookies,
      Consumer<String> warnings,
      Consumer<Duration> delayer,
      boolean singleThreaded) {
    HostSetup p = last.get();
    if (p != null
        && p.policy == policy
        && p.simulation == simulation
        && p.time == time
        && p.clock == clock
        && p.cookies == cookies
        && p.warnings == warnings
        && p.delayer == delayer
        && p.singleThreaded == singleThreaded) {
      return p;
    }
    HostSetup made =
        new HostSetup(policy, simulation, time, clock, cookies, warnings, delayer, singleThreaded);
    last = new WeakReference<>(made);
    return made;
  }
}
