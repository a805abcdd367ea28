package io.github.vmbackdoor.hostsim;

import java.util.ArrayDeque;
import java.util.Deque;

/** Bounded records: the newest {@code limit} items are kept. */
final class History {

  private static final Deque<Object> NONE = new NoHistory();

  private History() {}

  /**
   * A deque for a history of at most {@code limit} items: its own when the limit keeps any, else
   * one empty deque shared by all (a host that keeps no history holds no deque of its own).
   */
  @SuppressWarnings("unchecked")
  static <T> Deque<T> deque(int limit) {
    return limit > 0 ? new ArrayDeque<>() : (Deque<T>) NONE;
  }

  /** The shared empty deque of a history kept at limit 0: it refuses items. */
  private static final class NoHistory extends ArrayDeque<Object> {
    NoHistory() {
      super(0);
    }

    @Override
    public void addFirst(Object item) {
      throw new UnsupportedOperationException("no history is kept at limit 0");
    }

    @Override
    public void addLast(Object item) {
      throw new UnsupportedOperationException("no history is kept at limit 0");
    }
  }

  /** Appends {@code item}, dropping the oldest items beyond {@code limit} (0 keeps nothing). */
  static <T> void add(Deque<T> deque, T item, int limit) {
    if (limit <= 0) {
      return;
    }
    while (deque.size() >= limit) {
      deque.removeFirst();
    }
    deque.addLast(item);
  }
}
