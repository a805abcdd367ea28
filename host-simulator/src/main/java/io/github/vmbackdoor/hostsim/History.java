package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A bounded record: the newest items are kept, at most {@code countLimit} of them and at most
 * {@code byteLimit} bytes by their weight; the oldest go first. An item heavier than the whole byte
 * limit is not kept at all. Guarded by the host's lock.
 *
 * @param <T> the items
 */
final class History<T> {

  /** What a text weighs: two bytes a char, plus an object's overhead. */
  static long weight(String text) {
    return OVERHEAD + 2L * text.length();
  }

  /** A rough fixed cost of one retained object, so empty items still count. */
  static final long OVERHEAD = 48;

  /** The history every limit of 0 makes: it keeps nothing, so all hosts share it. */
  private static final History<?> NONE = new History<>(0, 0, item -> 0);

  private final int countLimit;
  private final long byteLimit;
  private final ToLongFunction<T> weigher;
  // Allocated with the first kept item, so a history that keeps nothing holds no deque.
  private Deque<T> items;
  private long bytes;

  private History(int countLimit, long byteLimit, ToLongFunction<T> weigher) {
    this.countLimit = countLimit;
    this.byteLimit = byteLimit;
    this.weigher = weigher;
  }

  /**
   * A history with these limits; a count limit of 0 (or less) gives the shared one that keeps
   * nothing.
   *
   * @param weigher an item's weight in bytes: a function of the item alone (an item is weighed
   *     again when it is dropped)
   */
  @SuppressWarnings("unchecked")
  static <T> History<T> of(int countLimit, long byteLimit, ToLongFunction<T> weigher) {
    return countLimit <= 0 ? (History<T>) NONE : new History<>(countLimit, byteLimit, weigher);
  }

  /** Appends {@code item}, dropping the oldest items beyond the limits (0 keeps nothing). */
  void add(T item) {
    if (countLimit <= 0) {
      return;
    }
    long w = weigher.applyAsLong(item);
    if (w > byteLimit) {
      return;
    }
    if (items == null) {
      items = new ArrayDeque<>();
    }
    while (items.size() >= countLimit || bytes + w > byteLimit) {
      bytes -= weigher.applyAsLong(items.removeFirst());
    }
    items.addLast(item);
    bytes += w;
  }

  /** Whether this history keeps items at all (its count limit is above 0). */
  boolean keeps() {
    return countLimit > 0;
  }

  /** The bytes the kept items weigh. */
  long bytes() {
    return bytes;
  }

  /** How many items are kept. */
  int size() {
    return items == null ? 0 : items.size();
  }

  /** The kept item {@code back} places before the newest (0 is the newest). */
  T fromNewest(long back) {
    Iterator<T> i = items.descendingIterator();
    for (long n = 0; n < back; n++) {
      i.next();
    }
    return i.next();
  }

  /** The kept items, oldest first. */
  List<T> items() {
    return items == null ? ImmutableList.of() : ImmutableList.copyOf(items);
  }

  /** The kept items, oldest first, without a copy (for the owner's own reading). */
  Iterable<T> view() {
    return items == null ? List.of() : items;
  }
}
