package io.github.vmbackdoor.hostsim.time;

import io.github.vmbackdoor.hostsim.internal.Durations;
import java.time.Duration;
import java.util.Arrays;

/**
 * A simulation's virtual time: the time now (the running lane's inside an event, the frontier
 * outside), the frontier (the latest time any event has reached), and each lane's own time (see
 * {@link Simulation#newLane()}; lane 0 is the events outside any lane). Which event runs when is
 * the {@link Simulation}'s and its {@link Agenda}'s. Guarded by the simulation's lock; {@link
 * #now()} may be read from any thread.
 */
final class VirtualTime {

  /** The most lanes a simulation can have (lane 0 not counted): as many as event keys can tell. */
  static final int MAX_LANES = EventKeys.MAX_LANES;

  /**
   * Virtual time now: the running lane's inside an event, the frontier outside. Written under the
   * lock; volatile so that the clock and ticker read it from any thread without taking the lock.
   */
  private volatile long nowNanos;

  /** The latest time any event has reached: the simulation's time outside events. */
  private long frontierNanos;

  /** Each lane's own time, lane 0 first; null until the first lane. */
  private long[] laneNanos;

  private int lanes;

  /** The lane of the event running; 0 outside events and for events outside any lane. */
  private int currentLane;

  /** Virtual nanoseconds since the start. */
  long now() {
    return nowNanos;
  }

  /** The lane of the event running; 0 outside events and for events outside any lane. */
  int currentLane() {
    return currentLane;
  }

  /** Whether any lane was made: until then every event is lane 0's and time is one. */
  boolean anyLanes() {
    return laneNanos != null;
  }

  /** The lanes made so far. */
  int lanes() {
    return lanes;
  }

  /** A new lane whose time starts now; returns its number (from 1). */
  int addLane() {
    if (laneNanos == null) {
      laneNanos = new long[16];
      laneNanos[0] = nowNanos;
    }
    int id = ++lanes;
    if (id == laneNanos.length) {
      laneNanos = Arrays.copyOf(laneNanos, Math.min(2 * id, MAX_LANES + 1));
    }
    laneNanos[id] = nowNanos;
    return id;
  }

  /**
   * Virtual time {@code delay} after now, in nanoseconds.
   *
   * @throws IllegalArgumentException when that is past the end of virtual time (about 292 years
   *     after the start)
   */
  long later(Duration delay) {
    try {
      return Math.addExact(nowNanos, delay.toNanos());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "virtual time would pass its end (about 292 years): now "
              + Durations.format(Duration.ofNanos(nowNanos))
              + " plus "
              + delay,
          e);
    }
  }

  /** Now plus {@code span}, or the end of virtual time: how far a run may go. */
  long until(Duration span) {
    long nanos =
        span.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : span.toNanos();
    return nanos > Long.MAX_VALUE - nowNanos ? Long.MAX_VALUE : nowNanos + nanos;
  }

  /** Moves now forward by {@code duration} (not negative), the frontier with it. */
  void advance(Duration duration) {
    nowNanos = later(duration);
    frontierNanos = Math.max(frontierNanos, nowNanos);
  }

  /**
   * An event of {@code lane} due at {@code dueNanos} runs: time moves to its lane's time, or its
   * due time if later.
   */
  void enter(int lane, long dueNanos) {
    currentLane = lane;
    long base = laneNanos != null ? laneNanos[lane] : nowNanos;
    nowNanos = Math.max(base, dueNanos);
    frontierNanos = Math.max(frontierNanos, nowNanos);
  }

  /**
   * After an event of {@code lane} ran: with lanes, the lane keeps the time it reached and the
   * clock shows the frontier again.
   */
  void leave(int lane) {
    if (laneNanos != null) {
      laneNanos[lane] = nowNanos;
      nowNanos = frontierNanos;
    }
    currentLane = 0;
  }

  /** A run to {@code endNanos} is over: time is its end, or the frontier if later. */
  void ranTo(long endNanos) {
    nowNanos = Math.max(frontierNanos, endNanos);
    frontierNanos = nowNanos;
  }
}
