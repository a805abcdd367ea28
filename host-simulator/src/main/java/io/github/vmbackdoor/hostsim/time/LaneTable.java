package io.github.vmbackdoor.hostsim.time;

import java.time.Duration;
import java.util.Arrays;

/**
 * A simulation's lanes (see {@link Simulation#newLane()}): the window, each lane's own time, and
 * the order key an event gets from its due time and lane. Lane 0 is the events outside any lane.
 * Guarded by the simulation's lock.
 */
final class LaneTable {

  /** Lane numbers take the low bits of an event's order key, its window the bits above them. */
  private static final int LANE_BITS = 24;

  /** The most lanes a simulation can have (lane 0 not counted). */
  static final int MAX_LANES = (1 << LANE_BITS) - 1;

  private static final long MAX_WINDOW_INDEX = (1L << (63 - LANE_BITS)) - 1;

  private static final long LANE_MASK = (1L << LANE_BITS) - 1;

  private long windowNanos = Duration.ofMinutes(1).toNanos();

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

  /** Sets the window; only before any event is queued and any lane made. */
  void window(Duration window) {
    windowNanos =
        window.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : window.toNanos();
  }

  /** The window of {@code dueNanos} in the high bits, the lane in the low ones. */
  long orderKey(long dueNanos, int lane) {
    return Math.min(dueNanos / windowNanos, MAX_WINDOW_INDEX) << LANE_BITS | lane;
  }

  /** The window part of an order key. */
  static long windowOf(long orderKey) {
    return orderKey >>> LANE_BITS;
  }

  /** The lane part of an order key. */
  static int laneOf(long orderKey) {
    return (int) (orderKey & LANE_MASK);
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
