package io.github.vmbackdoor.hostsim;

import java.util.Deque;

/** Bounded records: the newest {@code limit} items are kept. */
final class History {

  private History() {}

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
