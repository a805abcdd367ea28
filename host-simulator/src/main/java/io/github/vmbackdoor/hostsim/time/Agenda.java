package io.github.vmbackdoor.hostsim.time;

import com.google.common.base.Preconditions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A simulation's pending events: the event queue, each event's place in it (window, lane, due time
 * and the sequence number it was scheduled with, packed by {@link EventKeys}), and the events that
 * the runs going on set aside. What runs when, and virtual time, are the {@link Simulation}'s; this
 * keeps the order. Guarded by the simulation's lock.
 */
final class Agenda {

  private final EventQueue<Event> queue = new EventQueue<>();

  /**
   * How events' windows, lanes, due times and sequence numbers are packed into the queue's keys.
   */
  private EventKeys keys = EventKeys.forWindow(Duration.ofMinutes(1).toNanos());

  private long sequence;

  /** Where the sequence numbers are renumbered (see {@link #renumber()}); lower only in tests. */
  private long renumberAt = keys.sequenceLimit();

  /** The events of the runs going on (one list per run) set aside, to be put back as they end. */
  private final List<Aside> asides = new ArrayList<>(1);

  /** Events queued; not those set aside. */
  int size() {
    return queue.size();
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** Sets the window; only while nothing is queued. */
  void window(long windowNanos) {
    keys = EventKeys.forWindow(windowNanos);
    renumberAt = Math.min(renumberAt, keys.sequenceLimit());
  }

  /** Sequence numbers are renumbered when they reach {@code limit}: for tests. */
  void renumberAt(long limit) {
    Preconditions.checkArgument(limit >= 1 && limit <= keys.sequenceLimit(), "limit %s", limit);
    renumberAt = limit;
  }

  /**
   * Queues {@code e} in {@code lane}, due at {@code dueNanos}, after every event scheduled so far.
   */
  void add(int lane, long dueNanos, Event e) {
    if (sequence >= renumberAt) {
      renumber();
    }
    long window = keys.windowOf(dueNanos);
    queue.addKeys(
        keys.high(window, lane, dueNanos), keys.low(window, lane, dueNanos, sequence++), e);
  }

  /**
   * Time enters the head event (its lane's time, or its due time if later), before it is polled;
   * returns its lane. Only when not empty.
   */
  int enterHead(VirtualTime time) {
    long high = queue.headHigh();
    long low = queue.headLow();
    int lane = keys.lane(high, low);
    time.enter(lane, keys.due(high, low));
    return lane;
  }

  /** Removes and returns the head, or null when empty. */
  Event poll() {
    return queue.poll();
  }

  /** A run's events set aside: those of its last window due after its end. */
  static final class Aside {
    private final List<Entry> entries = new ArrayList<>();

    private Aside() {}
  }

  /**
   * An event set aside with its keys, to put back (its sequence number renumbered meanwhile if need
   * be).
   */
  private static final class Entry {
    final long high;
    long low;
    final Event event;

    Entry(long high, long low, Event event) {
      this.high = high;
      this.low = low;
      this.event = event;
    }
  }

  /** A run begins: where it sets aside the events of its last window due after its end. */
  Aside beginRun() {
    Aside aside = new Aside();
    asides.add(aside);
    return aside;
  }

  /**
   * The run of {@code aside} ends (the latest run begun): its events set aside are queued again.
   */
  void endRun(Aside aside) {
    asides.remove(asides.size() - 1);
    for (Entry a : aside.entries) {
      queue.addKeys(a.high, a.low, a.event);
    }
  }

  /**
   * Whether the head is due by {@code end}; with lanes, first sets aside into {@code aside} the
   * events of the end's window that are due after it (other lanes' events of that window may still
   * be due before it).
   */
  boolean headDueBy(long end, boolean lanes, Aside aside) {
    while (!queue.isEmpty()) {
      long high = queue.headHigh();
      long low = queue.headLow();
      if (keys.due(high, low) <= end) {
        return true;
      }
      if (!lanes || keys.window(high, low) > keys.windowOf(end)) {
        return false;
      }
      aside.entries.add(new Entry(high, low, queue.poll()));
    }
    return false;
  }

  /**
   * Renumbers the pending events' sequence numbers 0, 1, ... in their order, so that the next
   * number fits its bits again (after 2^38 events or more; see {@link EventKeys}). Sequence numbers
   * only break ties, and every pending one keeps its rank, so no event's place changes: neither
   * among the queued and set-aside events nor against those scheduled later, numbered after them.
   */
  private void renumber() {
    int pending = queue.size();
    for (Aside aside : asides) {
      pending += aside.entries.size();
    }
    long[] used = new long[pending];
    int[] n = new int[1];
    queue.replaceLowKeys(
        low -> {
          used[n[0]++] = keys.sequence(low);
          return low;
        });
    for (Aside aside : asides) {
      for (Entry a : aside.entries) {
        used[n[0]++] = keys.sequence(a.low);
      }
    }
    Arrays.sort(used);
    queue.replaceLowKeys(low -> keys.withSequence(low, rank(used, keys.sequence(low))));
    for (Aside aside : asides) {
      for (Entry a : aside.entries) {
        a.low = keys.withSequence(a.low, rank(used, keys.sequence(a.low)));
      }
    }
    sequence = pending;
  }

  private static long rank(long[] sorted, long sequence) {
    return Arrays.binarySearch(sorted, sequence);
  }
}
