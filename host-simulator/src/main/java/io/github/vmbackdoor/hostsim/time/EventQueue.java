package io.github.vmbackdoor.hostsim.time;

import java.util.Arrays;
import java.util.function.LongUnaryOperator;

/**
 * The simulation's event queue: a binary min-heap ordered by two {@code long} keys, a high one and
 * then a low one, compared as signed numbers. The simulation packs an event's window, lane, due
 * time and sequence number into the two ({@link EventKeys}). The keys live in one {@code long}
 * array beside the items, an entry's two side by side, so sifting compares numbers in contiguous
 * memory (one cache line for both children's keys) instead of following a pointer to each event (a
 * {@code PriorityQueue} of events reads one event object per comparison, a cache miss each once the
 * queue outgrows the cache).
 *
 * <p>An item that comes before everything queued is kept in a slot in front of the heap instead of
 * being sifted in: with lanes that is the usual case (a VM's next tick is the next event of its
 * window), so most events never touch the heap.
 *
 * <p>An item that comes after everything in the <em>run</em> is appended to it instead: the run is
 * a queue (a ring of the same two arrays) of items in order, so its head is its least. With lanes,
 * each lane's first event of the next window is scheduled in lane order as the window runs, so the
 * whole fleet's next window is one run, appended and then taken in order, reading contiguous
 * memory; a heap of a million events would take twenty levels of cache misses to add each and to
 * take it again. Without lanes, ticks of one period are likewise mostly scheduled in their order.
 * The heap keeps the rest (a VM's host events, drawn at random times). The head is the least of the
 * front slot, the heap's head and the run's head. Not thread-safe: the simulation guards it.
 *
 * <p>{@link #add(long, long, long, Object)} and the {@code head...} methods of three keys (order,
 * due time, sequence) are the same queue for keys of which due time and sequence take 32 bits each
 * (the low key is the due time above the sequence): small keys, as a test gives.
 */
final class EventQueue<T> {

  // The heap: entry i's keys at 2i (high) and 2i + 1 (low).
  private long[] keys = new long[32];
  private Object[] items = new Object[16];
  private int size;

  // The run: items in order, in a ring from runHead, runSize of them; its arrays grow by doubling.
  private long[] runKeys = new long[32];
  private Object[] runItems = new Object[16];
  private int runHead;
  private int runSize;

  /**
   * The slot in front of the heap and the run: when full, its item comes before every item in them.
   */
  private Object front;

  private long frontHigh;
  private long frontLow;

  int size() {
    return size + runSize + (front == null ? 0 : 1);
  }

  boolean isEmpty() {
    return front == null && size == 0 && runSize == 0;
  }

  /** The high key of the head; only when not empty. */
  long headHigh() {
    return front != null ? frontHigh : runFirst() ? runKeys[2 * runHead] : keys[0];
  }

  /** The low key of the head; only when not empty. */
  long headLow() {
    return front != null ? frontLow : runFirst() ? runKeys[2 * runHead + 1] : keys[1];
  }

  /**
   * Without the front slot: whether the run's head comes before the heap's (or the heap is empty).
   */
  private boolean runFirst() {
    return runSize > 0
        && (size == 0 || before(runKeys[2 * runHead], runKeys[2 * runHead + 1], keys[0], keys[1]));
  }

  /** Adds an item with three small keys; see the class comment. */
  void add(long orderKey, long dueNanos, long seq, T item) {
    if (dueNanos != (int) dueNanos || seq >>> 32 != 0) {
      throw new IllegalArgumentException("keys past 32 bits: " + dueNanos + ", " + seq);
    }
    addKeys(orderKey, dueNanos << 32 | seq, item);
  }

  /** Adds an item with three small keys, order key zero. */
  void add(long dueNanos, long seq, T item) {
    add(0, dueNanos, seq, item);
  }

  /** The order key of the head, as given to {@link #add(long, long, long, Object)}. */
  long headOrder() {
    return headHigh();
  }

  /** The due time of the head, as given to {@link #add(long, long, long, Object)}. */
  long headDue() {
    return headLow() >> 32;
  }

  /** The sequence number of the head, as given to {@link #add(long, long, long, Object)}. */
  long headSequence() {
    return headLow() & 0xFFFF_FFFFL;
  }

  /** Adds an item by its high and low keys. */
  void addKeys(long high, long low, T item) {
    if (front != null) {
      if (!before(high, low, frontHigh, frontLow)) {
        behindFront(high, low, item);
        return;
      }
      behindFront(frontHigh, frontLow, front);
    } else if ((size > 0 && !before(high, low, keys[0], keys[1]))
        || (runSize > 0 && !before(high, low, runKeys[2 * runHead], runKeys[2 * runHead + 1]))) {
      behindFront(high, low, item);
      return;
    }
    front = item;
    frontHigh = high;
    frontLow = low;
  }

  /**
   * Queues an item that is not the head: at the run's end when it comes after it, else in the heap.
   */
  private void behindFront(long high, long low, Object item) {
    if (runSize == 0) {
      runHead = 0;
      runAppend(high, low, item);
      return;
    }
    int last = (runHead + runSize - 1) & (runItems.length - 1);
    if (!before(high, low, runKeys[2 * last], runKeys[2 * last + 1])) {
      runAppend(high, low, item);
    } else {
      heapAdd(high, low, item);
    }
  }

  private void runAppend(long high, long low, Object item) {
    if (runSize == runItems.length) {
      growRun();
    }
    int i = (runHead + runSize++) & (runItems.length - 1);
    runKeys[2 * i] = high;
    runKeys[2 * i + 1] = low;
    runItems[i] = item;
  }

  /** Doubles the run's arrays, its items moved to the start in order. */
  private void growRun() {
    int n = runItems.length;
    long[] grownKeys = new long[4 * n];
    System.arraycopy(runKeys, 2 * runHead, grownKeys, 0, 2 * (n - runHead));
    System.arraycopy(runKeys, 0, grownKeys, 2 * (n - runHead), 2 * runHead);
    runKeys = grownKeys;
    Object[] grownItems = new Object[2 * n];
    System.arraycopy(runItems, runHead, grownItems, 0, n - runHead);
    System.arraycopy(runItems, 0, grownItems, n - runHead, runHead);
    runItems = grownItems;
    runHead = 0;
  }

  private void heapAdd(long high, long low, Object item) {
    if (size == items.length) {
      keys = Arrays.copyOf(keys, 4 * size);
      items = Arrays.copyOf(items, 2 * size);
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(high, low, keys[2 * parent], keys[2 * parent + 1])) {
        break;
      }
      move(parent, i);
      i = parent;
    }
    put(i, high, low, item);
  }

  /** Removes and returns the head, or null when empty. */
  @SuppressWarnings("unchecked")
  T poll() {
    if (front != null) {
      T head = (T) front;
      front = null;
      return head;
    }
    if (runFirst()) {
      T head = (T) runItems[runHead];
      runItems[runHead] = null;
      runHead = (runHead + 1) & (runItems.length - 1);
      runSize--;
      return head;
    }
    if (size == 0) {
      return null;
    }
    T head = (T) items[0];
    int last = --size;
    long h = keys[2 * last];
    long l = keys[2 * last + 1];
    Object item = items[last];
    items[last] = null;
    if (last > 0) {
      int i = 0;
      int half = last >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        int right = child + 1;
        if (right < last
            && before(keys[2 * right], keys[2 * right + 1], keys[2 * child], keys[2 * child + 1])) {
          child = right;
        }
        if (!before(keys[2 * child], keys[2 * child + 1], h, l)) {
          break;
        }
        move(child, i);
        i = child;
      }
      put(i, h, l, item);
    }
    return head;
  }

  /**
   * Replaces every queued item's low key by {@code f} of it. The order must not change: {@code f}
   * keeps the order of any two low keys whose high keys are equal (as renumbering sequence numbers
   * by rank does), so the heap and the run stay in order.
   */
  void replaceLowKeys(LongUnaryOperator f) {
    if (front != null) {
      frontLow = f.applyAsLong(frontLow);
    }
    for (int i = 0; i < size; i++) {
      keys[2 * i + 1] = f.applyAsLong(keys[2 * i + 1]);
    }
    for (int k = 0; k < runSize; k++) {
      int i = (runHead + k) & (runItems.length - 1);
      runKeys[2 * i + 1] = f.applyAsLong(runKeys[2 * i + 1]);
    }
  }

  /** Whether the keys (h1, l1) come before (h2, l2). */
  private static boolean before(long h1, long l1, long h2, long l2) {
    return h1 < h2 || (h1 == h2 && l1 < l2);
  }

  private void move(int from, int to) {
    keys[2 * to] = keys[2 * from];
    keys[2 * to + 1] = keys[2 * from + 1];
    items[to] = items[from];
  }

  private void put(int i, long high, long low, Object item) {
    keys[2 * i] = high;
    keys[2 * i + 1] = low;
    items[i] = item;
  }
}
