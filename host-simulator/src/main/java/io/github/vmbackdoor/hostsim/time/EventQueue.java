package io.github.vmbackdoor.hostsim.time;

import java.util.Arrays;

/**
 * The simulation's event queue: a binary min-heap ordered by a primary order key, then by due time,
 * then by sequence number. The simulation's primary key is the event's window and lane (see {@link
 * Simulation#newLane()}; for a simulation without lanes it grows with the due time, so the order is
 * due time, then sequence). The keys live in {@code long} arrays beside the items, so sifting
 * compares numbers in contiguous memory instead of following a pointer to each event (a {@code
 * PriorityQueue} of events reads one event object per comparison, a cache miss each once the queue
 * outgrows the cache).
 *
 * <p>An item that comes before everything queued is kept in a slot in front of the heap instead of
 * being sifted in: with lanes that is the usual case (a VM's next tick is the next event of its
 * window), so most events never touch the heap.
 *
 * <p>An item that comes after everything in the <em>run</em> is appended to it instead: the run is
 * a queue (a ring of the same four arrays) of items in order, so its head is its least. With lanes,
 * each lane's first event of the next window is scheduled in lane order as the window runs, so the
 * whole fleet's next window is one run, appended and then taken in order, reading contiguous
 * memory; a heap of a million events would take twenty levels of cache misses to add each and to
 * take it again. Without lanes, ticks of one period are likewise mostly scheduled in their order.
 * The heap keeps the rest (a VM's host events, drawn at random times). The head is the least of the
 * front slot, the heap's head and the run's head. Not thread-safe: the simulation guards it.
 */
final class EventQueue<T> {

  private long[] order = new long[16];
  private long[] due = new long[16];
  private long[] sequence = new long[16];
  private Object[] items = new Object[16];
  private int size;

  // The run: items in order, in a ring from runHead, runSize of them; its arrays grow by doubling.
  private long[] runOrder = new long[16];
  private long[] runDue = new long[16];
  private long[] runSequence = new long[16];
  private Object[] runItems = new Object[16];
  private int runHead;
  private int runSize;

  /**
   * The slot in front of the heap and the run: when full, its item comes before every item in them.
   */
  private Object front;

  private long frontOrder;
  private long frontDue;
  private long frontSequence;

  int size() {
    return size + runSize + (front == null ? 0 : 1);
  }

  boolean isEmpty() {
    return front == null && size == 0 && runSize == 0;
  }

  /** The due time of the head; only when not empty. */
  long headDue() {
    return front != null ? frontDue : runFirst() ? runDue[runHead] : due[0];
  }

  /** The sequence number of the head; only when not empty. */
  long headSequence() {
    return front != null ? frontSequence : runFirst() ? runSequence[runHead] : sequence[0];
  }

  /** The primary order key of the head; only when not empty. */
  long headOrder() {
    return front != null ? frontOrder : runFirst() ? runOrder[runHead] : order[0];
  }

  /**
   * Without the front slot: whether the run's head comes before the heap's (or the heap is empty).
   */
  private boolean runFirst() {
    return runSize > 0
        && (size == 0
            || before(
                runOrder[runHead],
                runDue[runHead],
                runSequence[runHead],
                order[0],
                due[0],
                sequence[0]));
  }

  /** Adds an item with primary key zero. */
  void add(long dueNanos, long seq, T item) {
    add(0, dueNanos, seq, item);
  }

  void add(long orderKey, long dueNanos, long seq, T item) {
    if (front != null) {
      if (!before(orderKey, dueNanos, seq, frontOrder, frontDue, frontSequence)) {
        behindFront(orderKey, dueNanos, seq, item);
        return;
      }
      behindFront(frontOrder, frontDue, frontSequence, front);
    } else if ((size > 0 && !before(orderKey, dueNanos, seq, 0))
        || (runSize > 0
            && !before(
                orderKey,
                dueNanos,
                seq,
                runOrder[runHead],
                runDue[runHead],
                runSequence[runHead]))) {
      behindFront(orderKey, dueNanos, seq, item);
      return;
    }
    front = item;
    frontOrder = orderKey;
    frontDue = dueNanos;
    frontSequence = seq;
  }

  /**
   * Queues an item that is not the head: at the run's end when it comes after it, else in the heap.
   */
  private void behindFront(long orderKey, long dueNanos, long seq, Object item) {
    if (runSize == 0) {
      runHead = 0;
      runAppend(orderKey, dueNanos, seq, item);
      return;
    }
    int last = (runHead + runSize - 1) & (runItems.length - 1);
    if (!before(orderKey, dueNanos, seq, runOrder[last], runDue[last], runSequence[last])) {
      runAppend(orderKey, dueNanos, seq, item);
    } else {
      heapAdd(orderKey, dueNanos, seq, item);
    }
  }

  private void runAppend(long orderKey, long dueNanos, long seq, Object item) {
    if (runSize == runItems.length) {
      growRun();
    }
    int i = (runHead + runSize++) & (runItems.length - 1);
    runOrder[i] = orderKey;
    runDue[i] = dueNanos;
    runSequence[i] = seq;
    runItems[i] = item;
  }

  /** Doubles the run's arrays, its items moved to the start in order. */
  private void growRun() {
    int n = runItems.length;
    runOrder = unwrap(runOrder, n * 2);
    runDue = unwrap(runDue, n * 2);
    runSequence = unwrap(runSequence, n * 2);
    Object[] items = new Object[n * 2];
    System.arraycopy(runItems, runHead, items, 0, n - runHead);
    System.arraycopy(runItems, 0, items, n - runHead, runHead);
    runItems = items;
    runHead = 0;
  }

  private long[] unwrap(long[] ring, int length) {
    long[] grown = new long[length];
    System.arraycopy(ring, runHead, grown, 0, ring.length - runHead);
    System.arraycopy(ring, 0, grown, ring.length - runHead, runHead);
    return grown;
  }

  private void heapAdd(long orderKey, long dueNanos, long seq, Object item) {
    if (size == items.length) {
      int n = size * 2;
      order = Arrays.copyOf(order, n);
      due = Arrays.copyOf(due, n);
      sequence = Arrays.copyOf(sequence, n);
      items = Arrays.copyOf(items, n);
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(orderKey, dueNanos, seq, parent)) {
        break;
      }
      move(parent, i);
      i = parent;
    }
    put(i, orderKey, dueNanos, seq, item);
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
    long o = order[last];
    long d = due[last];
    long s = sequence[last];
    Object item = items[last];
    items[last] = null;
    if (last > 0) {
      int i = 0;
      int half = last >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        int right = child + 1;
        if (right < last && before(order[right], due[right], sequence[right], child)) {
          child = right;
        }
        if (!before(order[child], due[child], sequence[child], o, d, s)) {
          break;
        }
        move(child, i);
        i = child;
      }
      put(i, o, d, s, item);
    }
    return head;
  }

  /** Whether the keys (o, d, s) come before the entry at index {@code j}. */
  private boolean before(long o, long d, long s, int j) {
    return before(o, d, s, order[j], due[j], sequence[j]);
  }

  private static boolean before(long o1, long d1, long s1, long o2, long d2, long s2) {
    if (o1 != o2) {
      return o1 < o2;
    }
    return d1 < d2 || (d1 == d2 && s1 < s2);
  }

  private void move(int from, int to) {
    order[to] = order[from];
    due[to] = due[from];
    sequence[to] = sequence[from];
    items[to] = items[from];
  }

  private void put(int i, long o, long d, long s, Object item) {
    order[i] = o;
    due[i] = d;
    sequence[i] = s;
    items[i] = item;
  }
}
