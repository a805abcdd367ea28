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
 * The heap keeps the rest of the window that is running.
 *
 * <p>An item of a later <em>window</em> (its order key shifted right by the window bits, {@link
 * LaneTable}'s lane bits in a simulation) that fits neither the front slot nor the run waits in a
 * <em>bucket</em> of its window, unsorted: a VM's host events, drawn at random times, one pending
 * per VM. A bucket is appended to, as records of four {@code long}s (the three keys and the item's
 * index) in one array, and is sorted when its window comes (when nothing else queued comes before
 * the window), by a merge sort that reads and writes the records in order; it is then taken from in
 * order, as the run is. A heap of every VM's pending host event would instead take twenty levels of
 * cache misses to add each at a million VMs, and as many to take it. The head is the least of the
 * front slot, the run's head, the heap's head and the sorted bucket's head; every item still in a
 * bucket is of a later window than that. Not thread-safe: the simulation guards it.
 */
final class EventQueue<T> {

  /** Where the head is: the front slot, the run, the heap or the sorted bucket (or nowhere). */
  private static final int NONE = 0;

  private static final int FRONT = 1;
  private static final int RUN = 2;
  private static final int HEAP = 3;
  private static final int OPENED = 4;

  /** Where the head is behind the front slot, and its keys (see {@link #findHead()}). */
  private int headAt = NONE;

  private long headOrder;
  private long headDue;
  private long headSequence;

  /** An order key's window is the key shifted right by these bits. */
  private final int windowBits;

  /**
   * The latest window whose bucket was sorted (or that went to the heap): items of a window up to
   * this one are not put in a bucket.
   */
  private long openedWindow = Long.MIN_VALUE;

  /** The windows that have a bucket, in ascending order, and their buckets. */
  private long[] bucketWindows = new long[8];

  private Bucket[] buckets = new Bucket[8];
  private int bucketCount;

  /** The sorted bucket being taken from, from {@link #openedHead}; null when none. */
  private Bucket opened;

  private int openedHead;

  /** Buckets taken empty, to reuse; and the merge sort's second array. */
  private Bucket[] spare = new Bucket[8];

  private int spareCount;
  private long[] scratch = new long[0];

  /** A queue whose windows are order keys shifted right by {@link LaneTable}'s lane bits. */
  EventQueue() {
    this(LaneTable.LANE_BITS);
  }

  /** A queue whose windows are order keys shifted right by {@code windowBits}. */
  EventQueue(int windowBits) {
    this.windowBits = windowBits;
  }

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
    int n = size + runSize + (front == null ? 0 : 1);
    if (opened != null) {
      n += opened.size - openedHead;
    }
    for (int b = 0; b < bucketCount; b++) {
      n += buckets[b].size;
    }
    return n;
  }

  boolean isEmpty() {
    return front == null && size == 0 && runSize == 0 && opened == null && bucketCount == 0;
  }

  /** The due time of the head; only when not empty. */
  long headDue() {
    return front != null ? frontDue : headDue;
  }

  /** The sequence number of the head; only when not empty. */
  long headSequence() {
    return front != null ? frontSequence : headSequence;
  }

  /** The primary order key of the head; only when not empty. */
  long headOrder() {
    return front != null ? frontOrder : headOrder;
  }

  /**
   * Finds the head behind the front slot (where it is, and its keys) after the run, the heap or the
   * sorted bucket changed; first sorts the lowest bucket when its window has come (nothing else
   * queued comes before it). Kept in fields, so that reading the head's keys and taking it are
   * plain reads: the simulation's loop, which reads them for every event, stays small.
   */
  private void findHead() {
    int source = sortedHead();
    while (bucketCount > 0 && (source == NONE || (headOrder >> windowBits) >= bucketWindows[0])) {
      openLowestBucket();
      source = sortedHead();
    }
    headAt = source;
  }

  /**
   * The least of the run's, the heap's and the sorted bucket's heads, buckets aside; its keys are
   * left in the head's fields.
   */
  private int sortedHead() {
    int source = NONE;
    long o = 0;
    long d = 0;
    long s = 0;
    if (runSize > 0) {
      source = RUN;
      o = runOrder[runHead];
      d = runDue[runHead];
      s = runSequence[runHead];
    }
    if (size > 0 && (source == NONE || before(order[0], due[0], sequence[0], o, d, s))) {
      source = HEAP;
      o = order[0];
      d = due[0];
      s = sequence[0];
    }
    if (opened != null) {
      long[] r = opened.records;
      int k = 4 * openedHead;
      if (source == NONE || before(r[k], r[k + 1], r[k + 2], o, d, s)) {
        source = OPENED;
        o = r[k];
        d = r[k + 1];
        s = r[k + 2];
      }
    }
    headOrder = o;
    headDue = d;
    headSequence = s;
    return source;
  }

  /**
   * Sorts the lowest bucket, its window come; any sorted bucket before it is empty, since its
   * window was earlier.
   */
  private void openLowestBucket() {
    long window = bucketWindows[0];
    Bucket b = buckets[0];
    bucketCount--;
    System.arraycopy(bucketWindows, 1, bucketWindows, 0, bucketCount);
    System.arraycopy(buckets, 1, buckets, 0, bucketCount);
    buckets[bucketCount] = null;
    openedWindow = window;
    sort(b);
    opened = b;
    openedHead = 0;
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
    } else {
      // With buckets, the lowest is sorted if nothing else is queued: the head is never in one.
      if (headAt != NONE && !before(orderKey, dueNanos, seq, headOrder, headDue, headSequence)) {
        behindFront(orderKey, dueNanos, seq, item);
        return;
      }
    }
    front = item;
    frontOrder = orderKey;
    frontDue = dueNanos;
    frontSequence = seq;
  }

  /**
   * Queues an item that is not the head: at the run's end when it comes after it, else in its
   * window's bucket when that window has not come yet, else in the heap.
   */
  private void behindFront(long orderKey, long dueNanos, long seq, Object item) {
    if (runSize == 0) {
      runHead = 0;
      runAppend(orderKey, dueNanos, seq, item);
    } else {
      int last = (runHead + runSize - 1) & (runItems.length - 1);
      if (!before(orderKey, dueNanos, seq, runOrder[last], runDue[last], runSequence[last])) {
        runAppend(orderKey, dueNanos, seq, item);
        if (runSize > 1 && headAt != NONE) {
          // Appended after an item: the head is unchanged.
          return;
        }
      } else if ((orderKey >> windowBits) > openedWindow) {
        bucketAdd(orderKey >> windowBits, orderKey, dueNanos, seq, item);
      } else {
        heapAdd(orderKey, dueNanos, seq, item);
      }
    }
    findHead();
  }

  /** Appends an item to the bucket of {@code window}, made (or reused) if there is none. */
  private void bucketAdd(long window, long orderKey, long dueNanos, long seq, Object item) {
    int lo = 0;
    int hi = bucketCount - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long w = bucketWindows[mid];
      if (w < window) {
        lo = mid + 1;
      } else if (w > window) {
        hi = mid - 1;
      } else {
        buckets[mid].add(orderKey, dueNanos, seq, item);
        return;
      }
    }
    if (bucketCount == buckets.length) {
      bucketWindows = Arrays.copyOf(bucketWindows, 2 * bucketCount);
      buckets = Arrays.copyOf(buckets, 2 * bucketCount);
    }
    System.arraycopy(bucketWindows, lo, bucketWindows, lo + 1, bucketCount - lo);
    System.arraycopy(buckets, lo, buckets, lo + 1, bucketCount - lo);
    Bucket b = spareCount > 0 ? spare[--spareCount] : new Bucket();
    spare[spareCount] = null;
    bucketWindows[lo] = window;
    buckets[lo] = b;
    bucketCount++;
    b.add(orderKey, dueNanos, seq, item);
  }

  /** Sorts a bucket's records by their keys (a bottom-up merge sort, reading them in order). */
  private void sort(Bucket b) {
    int n = b.size;
    long[] a = b.records;
    // Runs of up to 8 records by insertion, then merges of doubling width, to and fro.
    for (int lo = 0; lo < n; lo += 8) {
      int hi = Math.min(lo + 8, n);
      for (int i = lo + 1; i < hi; i++) {
        int k = 4 * i;
        long o = a[k];
        long d = a[k + 1];
        long s = a[k + 2];
        long x = a[k + 3];
        int j = i - 1;
        while (j >= lo && before(o, d, s, a[4 * j], a[4 * j + 1], a[4 * j + 2])) {
          System.arraycopy(a, 4 * j, a, 4 * j + 4, 4);
          j--;
        }
        int m = 4 * (j + 1);
        a[m] = o;
        a[m + 1] = d;
        a[m + 2] = s;
        a[m + 3] = x;
      }
    }
    if (n <= 8) {
      return;
    }
    if (scratch.length < a.length) {
      scratch = new long[a.length];
    }
    long[] from = a;
    long[] to = scratch;
    for (int width = 8; width < n; width *= 2) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + 2 * width, n);
        int i = lo;
        int j = mid;
        int k = 4 * lo;
        while (i < mid && j < hi) {
          int p = 4 * i;
          int q = 4 * j;
          int take;
          if (before(from[q], from[q + 1], from[q + 2], from[p], from[p + 1], from[p + 2])) {
            take = q;
            j++;
          } else {
            take = p;
            i++;
          }
          to[k] = from[take];
          to[k + 1] = from[take + 1];
          to[k + 2] = from[take + 2];
          to[k + 3] = from[take + 3];
          k += 4;
        }
        if (i < mid) {
          System.arraycopy(from, 4 * i, to, k, 4 * (mid - i));
        } else if (j < hi) {
          System.arraycopy(from, 4 * j, to, k, 4 * (hi - j));
        }
      }
      long[] t = from;
      from = to;
      to = t;
    }
    if (from != a) {
      // The sorted records ended in the scratch array: the bucket keeps it, the queue the other.
      b.records = from;
      scratch = a;
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
    int source = headAt;
    if (source == RUN) {
      T head = (T) runItems[runHead];
      runItems[runHead] = null;
      runHead = (runHead + 1) & (runItems.length - 1);
      runSize--;
      findHead();
      return head;
    }
    if (source == OPENED) {
      Bucket b = opened;
      int slot = (int) b.records[4 * openedHead + 3];
      T head = (T) b.items[slot];
      b.items[slot] = null;
      if (++openedHead == b.size) {
        b.size = 0;
        opened = null;
        if (spareCount == spare.length) {
          spare = Arrays.copyOf(spare, 2 * spareCount);
        }
        spare[spareCount++] = b;
      }
      findHead();
      return head;
    }
    if (source == NONE) {
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
    findHead();
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

  /**
   * The items of one later window, as added: each a record of four {@code long}s (order key, due
   * time, sequence, the item's index in {@link #items}) in one array.
   */
  private static final class Bucket {
    long[] records = new long[64];
    Object[] items = new Object[16];
    int size;

    void add(long orderKey, long dueNanos, long seq, Object item) {
      // A bucket taken empty keeps its arrays for the next window it holds; the sort may have
      // swapped its records for a longer array, so each array grows only when it is full.
      if (size == items.length) {
        items = Arrays.copyOf(items, 2 * size);
      }
      int k = 4 * size;
      if (k == records.length) {
        records = Arrays.copyOf(records, 2 * k);
      }
      records[k] = orderKey;
      records[k + 1] = dueNanos;
      records[k + 2] = seq;
      records[k + 3] = size;
      items[size++] = item;
    }
  }
}
