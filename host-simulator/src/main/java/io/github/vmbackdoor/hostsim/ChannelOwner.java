package io.github.vmbackdoor.hostsim;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guest process (one {@link GuestConnection}) that opened a channel, with its limits: how many
 * channels it may hold open at once, and the log of its refused opens, at most one line per {@link
 * #LOG_INTERVAL_NANOS}. Guarded by the host's lock.
 */
final class ChannelOwner {

  private static final Logger logger = LoggerFactory.getLogger(VirtualHost.class);

  /** The shortest time between two log lines about one owner's refused opens. */
  static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  final String name;
  final ConnectionPolicy policy;
  private long lastLogNanos;
  private boolean logged;
  private long unlogged;

  ChannelOwner(String name, ConnectionPolicy policy) {
    this.name = name;
    this.policy = policy;
  }

  /** Logs a refused open, unless one was logged less than the interval ago (then counts it). */
  void refused(long nowNanos, int open) {
    unlogged++;
    if (logged && nowNanos - lastLogNanos < LOG_INTERVAL_NANOS) {
      return;
    }
    logger.warn(
        "{}: OPEN refused: it holds {} open channels, its limit ({} refused since the last line)",
        name,
        open,
        unlogged);
    logged = true;
    lastLogNanos = nowNanos;
    unlogged = 0;
  }

  @Override
  public String toString() {
    return name;
  }
}
