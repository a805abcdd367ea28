package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The guest process (one {@link GuestConnection}) that opened a channel, with its limits: how many
 * channels it may hold open at once, and the log of its refused opens, at most one line per {@link
 * #LOG_INTERVAL_NANOS}, and of its calls with wrong cookies, one line. Guarded by the host's lock.
 */
final class ChannelOwner {

  /** The shortest time between two log lines about one owner's refused opens. */
  static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  final String name;
  final ConnectionPolicy policy;
  final CookieFailures cookieFailures;
  private final Consumer<String> warnings;
  private long lastLogNanos;
  private boolean logged;
  private long unlogged;

  /**
   * @param warnings where its log lines go
   */
  ChannelOwner(String name, ConnectionPolicy policy, Consumer<String> warnings) {
    this.name = name;
    this.policy = policy;
    this.warnings = warnings;
    this.cookieFailures = new CookieFailures(name, warnings);
  }

  /** Logs a refused open, unless one was logged less than the interval ago (then counts it). */
  void refused(long nowNanos, int open) {
    unlogged++;
    if (logged && nowNanos - lastLogNanos < LOG_INTERVAL_NANOS) {
      return;
    }
    warnings.accept(
        name
            + ": OPEN refused: it holds "
            + open
            + " open channels, its limit ("
            + unlogged
            + " refused since the last line)");
    logged = true;
    lastLogNanos = nowNanos;
    unlogged = 0;
  }

  /**
   * Logs an open refused because the VM's channel table is full (the channels are other guests'),
   * unless a line was logged less than the interval ago (then counts it).
   */
  void refusedTableFull(long nowNanos, int tableSize) {
    unlogged++;
    if (logged && nowNanos - lastLogNanos < LOG_INTERVAL_NANOS) {
      return;
    }
    warnings.accept(
        name
            + ": OPEN refused: the VM's channel table is full ("
            + tableSize
            + " channels, held by its guests; "
            + unlogged
            + " refused since the last line)");
    logged = true;
    lastLogNanos = nowNanos;
    unlogged = 0;
  }

  @Override
  public String toString() {
    return name;
  }
}
