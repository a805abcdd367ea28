package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * One store a guest fills by name (guestinfo, capabilities, {@code SetGuestInfo} values), bounded
 * by the number of names the guest set and by the bytes of those names and values together. A
 * character counts one byte, as it does on the wire (the requests are ISO-8859-1). Values the host
 * puts itself (the VM's configuration) are kept in the same store but count against nothing, until
 * the guest sets the name itself. Guarded by the host's lock.
 *
 * @param <K> the names
 */
final class GuestStore<K> {

  private final Map<K, String> values;
  private final int countLimit;
  private final long byteLimit;
  private final ToLongFunction<K> keyBytes;

  /** The names whose value the host put and the guest has not set since; made with the first. */
  private Set<K> hostPut;

  private int guestNames;
  private long guestBytes;

  /**
   * @param values the map kept (its order is the store's)
   * @param keyBytes the bytes a name counts
   */
  GuestStore(Map<K, String> values, int countLimit, long byteLimit, ToLongFunction<K> keyBytes) {
    this.values = values;
    this.countLimit = countLimit;
    this.byteLimit = byteLimit;
    this.keyBytes = keyBytes;
  }

  /** Why the guest may not store {@code value} under {@code key}: a sentence end, or null. */
  String refusal(K key, String value) {
    boolean counted = isGuests(key);
    if (!counted && guestNames >= countLimit) {
      return "Too many";
    }
    long after = guestBytes - (counted ? bytes(key, values.get(key)) : 0) + bytes(key, value);
    return after > byteLimit ? "Too much data in" : null;
  }

  /** Stores the guest's {@code value} under {@code key}, whatever the limits. */
  void putByGuest(K key, String value) {
    if (isGuests(key)) {
      guestBytes -= bytes(key, values.get(key));
    } else {
      guestNames++;
      if (hostPut != null) {
        hostPut.remove(key);
      }
    }
    values.put(key, value);
    guestBytes += bytes(key, value);
  }

  /** Stores a value the host puts itself: it counts against none of the guest's limits. */
  void putByHost(K key, String value) {
    if (isGuests(key)) {
      guestBytes -= bytes(key, values.get(key));
      guestNames--;
    }
    if (hostPut == null) {
      hostPut = new HashSet<>();
    }
    hostPut.add(key);
    values.put(key, value);
  }

  String get(K key) {
    return values.get(key);
  }

  /** The bytes the guest's names and values count against the byte limit. */
  long guestBytes() {
    return guestBytes;
  }

  /** A copy of what {@code store} holds; empty for a store not made yet (null). */
  static <K> Map<K, String> snapshot(GuestStore<K> store) {
    return store == null ? ImmutableMap.of() : ImmutableMap.copyOf(store.values);
  }

  private boolean isGuests(K key) {
    return values.containsKey(key) && (hostPut == null || !hostPut.contains(key));
  }

  private long bytes(K key, String value) {
    return keyBytes.applyAsLong(key) + value.length();
  }
}
