package io.github.vmbackdoor.hostsim;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The TCLO applications a host knows besides {@link TcloEndpoint#DEFAULT_APP} ({@link TcloApp}), by
 * name, in the order it met them: reset replies, queued commands and asks meet them. The table is
 * bounded: an application with no live channel and nothing queued holds nothing the guest can miss
 * (a new channel of it is reset anyway), so the oldest such applications are forgotten once more
 * than {@link #MAX_IDLE} of them, or more than {@link #MAX_IDLE_NAME_BYTES} of names, are kept. The
 * applications that stay are bounded by the channel table and the TCLO queue limits, so a guest
 * that answers "reset" with ever new names keeps the host's memory and work per message bounded.
 * Made with the first such application; guarded by the host's lock.
 */
final class TcloApps {

  /** The most applications with no channel and nothing queued that the host remembers. */
  static final int MAX_IDLE = 64;

  /** The most bytes of application names, over which idle applications are forgotten. */
  static final long MAX_IDLE_NAME_BYTES = 256 << 10;

  private final Map<String, TcloApp> byName = new LinkedHashMap<>(4);

  /** Bytes of the names kept. */
  private long nameBytes;

  /** The application named {@code name}, or null when the host does not know it (now). */
  TcloApp find(String name) {
    return byName.get(name);
  }

  /**
   * The application named {@code name}, met now if not known; idle applications met before may be
   * forgotten to make room.
   */
  TcloApp meet(String name) {
    TcloApp a = byName.get(name);
    if (a != null) {
      return a;
    }
    forgetIdle(name.length());
    a = new TcloApp(name);
    byName.put(name, a);
    nameBytes += name.length(); // ISO-8859-1: one byte a character
    return a;
  }

  /** Every application now owes its next channel a "reset" (a host reset, a checkpoint). */
  void owesResetAll() {
    for (TcloApp a : byName.values()) {
      a.owesReset(true);
    }
  }

  /** How many commands their queues hold together (the resets owed are not). */
  int queued() {
    int n = 0;
    for (TcloApp a : byName.values()) {
      n += a.queued();
    }
    return n;
  }

  /** How many applications are kept. */
  int size() {
    return byName.size();
  }

  /** The bytes of the names kept. */
  long nameBytes() {
    return nameBytes;
  }

  /** Forgets the oldest idle applications until one more, of {@code bytes}, fits the bounds. */
  private void forgetIdle(int bytes) {
    if (byName.size() < MAX_IDLE && nameBytes + bytes <= MAX_IDLE_NAME_BYTES) {
      return;
    }
    int idle = 0;
    for (TcloApp a : byName.values()) {
      if (a.idle()) {
        idle++;
      }
    }
    Iterator<TcloApp> it = byName.values().iterator();
    while (it.hasNext() && (idle >= MAX_IDLE || nameBytes + bytes > MAX_IDLE_NAME_BYTES)) {
      TcloApp a = it.next();
      if (a.idle()) {
        it.remove();
        nameBytes -= a.name.length();
        idle--;
      }
    }
  }
}
