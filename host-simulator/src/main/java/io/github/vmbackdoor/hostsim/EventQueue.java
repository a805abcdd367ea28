package io.github.vmbackdoor.hostsim;

import java.util.Arrays;

/**
 * The simulation's event queue: a binary min-heap ordered by due time, then by sequence number. The
 * keys live in two {@code long} arrays beside the items, so sifting compares numbers in contiguous
 * memory instead of following a pointer to each event (a {@code PriorityQueue} of events reads one
 * event object per comparison, a cache miss each once the queue outgrows the cache). Not
 * thread-safe: the simulation guards it.
 */
final class EventQueue<T> {

  private long[] due = new long[16];
  private long[] sequence = new long[16];
  private Object[] items = new Object[16];
  private int size;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The due time of the head; only when not empty. */
  long headDue() {
    return due[0];
  }

  void add(long dueNanos, long seq, T item) {
    if (size == items.length) {
      int n = size * 2;
      due = Arrays.copyOf(due, n);
      sequence = Arrays.copyOf(sequence, n);
      items = Arrays.copyOf(items, n);
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(dueNanos, seq, due[parent], sequence[parent])) {
        break;
      }
      move(parent, i);
      i = parent;
    }
    put(i, dueNanos, seq, item);
  }

  /** Removes and returns the head, or null when empty. */
  @SuppressWarnings("unchecked")
  T poll() {
    if (size == 0) {
      return null;
    }
    T head = (T) items[0];
    int last = --size;
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
        if (right < last && before(due[right], sequence[right], due[child], sequence[child])) {
          child = right;
        }
        if (!before(due[child], sequence[child], d, s)) {
          break;
        }
        move(child, i);
        i = child;
      }
      put(i, d, s, item);
    }
    return head;
  }

  private static boolean before(long d1, long s1, long d2, long s2) {
    return d1 < d2 || (d1 == d2 && s1 < s2);
  }

  private void move(int from, int to) {
    due[to] = due[from];
    sequence[to] = sequence[from];
    items[to] = items[from];
  }

  private void put(int i, long d, long s, Object item) {
    due[i] = d;
    sequence[i] = s;
    items[i] = item;
  }
}
