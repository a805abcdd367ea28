package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * One store a guest fills by name (guestinfo, capabilities, {@code SetGuestInfo} values), bounded
 * by the number of names and by the bytes of names and values together. Guarded by the host's lock.
 *
 * @param <K> the names
 */
final class GuestStore<K> {

  private final Map<K, String> values;
  private final int countLimit;
  private final long byteLimit;
  private final ToLongFunction<K> keyWeight;
  private long bytes;

  /**
   * @param values the map kept (its order is the store's)
   */
  GuestStore(Map<K, String> values, int countLimit, long byteLimit, ToLongFunction<K> keyWeight) {
    this.values = values;
    this.countLimit = countLimit;
    this.byteLimit = byteLimit;
    this.keyWeight = keyWeight;
  }

  /** Why a guest may not store {@code value} under {@code key}: a sentence end, or null. */
  String refusal(K key, String value) {
    String old = values.get(key);
    if (old == null && values.size() >= countLimit) {
      return "Too many";
    }
    long after = bytes - (old == null ? 0 : weight(key, old)) + weight(key, value);
    return after > byteLimit ? "Too much data in" : null;
  }

  /** Stores {@code value} under {@code key}, whatever the limits (the host's own values). */
  void put(K key, String value) {
    String old = values.put(key, value);
    if (old != null) {
      bytes -= weight(key, old);
    }
    bytes += weight(key, value);
  }

  String get(K key) {
    return values.get(key);
  }

  /** The bytes stored, names included. */
  long bytes() {
    return bytes;
  }

  /** A copy of what {@code store} holds; empty for a store not made yet (null). */
  static <K> Map<K, String> snapshot(GuestStore<K> store) {
    return store == null ? ImmutableMap.of() : ImmutableMap.copyOf(store.values);
  }

  private long weight(K key, String value) {
    return keyWeight.applyAsLong(key) + History.weight(value);
  }
}
