package io.github.vmbackdoor.hostsim;

import java.util.function.Consumer;

/**
 * The calls of one guest connection (or of the in-process transport) that named an occupied slot
 * with wrong cookies. The first is logged, naming the connection; the rest are only counted,
 * whichever channels they name, so a guest guessing cookies leaves one line and cannot fill the
 * log. Guarded by the host's lock.
 */
final class CookieFailures {

  private final String who;
  private final Consumer<String> warnings;
  private long count;

  /**
   * @param who the connection, as log lines name it
   * @param warnings where the line goes
   */
  CookieFailures(String who, Consumer<String> warnings) {
    this.who = who;
    this.warnings = warnings;
  }

  /** A call named channel {@code channelId} with wrong cookies. */
  void failed(int channelId) {
    if (count++ == 0) {
      warnings.accept(
          who
              + ": a call with a wrong cookie on channel "
              + channelId
              + " (refused; further ones of this connection are counted, not logged)");
    }
  }

  /** How many calls had wrong cookies. */
  long count() {
    return count;
  }
}
