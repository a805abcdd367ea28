package io.github.vmbackdoor.hostsim.time;

import java.util.Arrays;

/**
 * A simulation's lanes (see {@link Simulation#newLane()}): each lane's own time. Lane 0 is the
 * events outside any lane. Guarded by the simulation's lock.
 */
final class LaneTable {

  /** The most lanes a simulation can have (lane 0 not counted): as many as event keys can tell. */
  static final int MAX_LANES = EventKeys.MAX_LANES;

  /** Each lane's own time, lane 0 first; null until the first lane. */
  private long[] now;

  private int count;

  /** Whether any lane was made: until then every event is lane 0's and time is one. */
  boolean any() {
    return now != null;
  }

  /** The lanes made so far. */
  int count() {
    return count;
  }

  /** A new lane whose time starts at {@code nowNanos}; returns its number (from 1). */
  int add(long nowNanos) {
    if (now == null) {
      now = new long[16];
      now[0] = nowNanos;
    }
    int id = ++count;
    if (id == now.length) {
      now = Arrays.copyOf(now, Math.min(2 * id, MAX_LANES + 1));
    }
    now[id] = nowNanos;
    return id;
  }

  /** Lane {@code lane}'s own time; only when {@link #any()}. */
  long timeOf(int lane) {
    return now[lane];
  }

  /** Lane {@code lane} reached {@code nanos}; only when {@link #any()}. */
  void reached(int lane, long nanos) {
    now[lane] = nanos;
  }
}
