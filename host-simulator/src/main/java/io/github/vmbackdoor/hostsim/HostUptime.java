package io.github.vmbackdoor.hostsim;

import com.google.common.base.Ticker;
import java.lang.ref.WeakReference;
import java.time.Duration;

/**
 * A host's uptime: the virtual time since the host was built, read from its ticker. Shared by the
 * host's parts that stamp or compare times, and by the hosts built on the same ticker at the same
 * reading (a fleet built at once on one simulation: {@link #of}). Parts keep ticker readings
 * ({@link #nanos()}) and turn them into host time ({@link #at(long)}) when they report them.
 * Immutable.
 */
final class HostUptime {

  /**
   * The uptime {@link #of} made last, held weakly: the next host built on its ticker at the same
   * reading gets it too, so a fleet built before its simulation runs holds one.
   */
  private static volatile WeakReference<HostUptime> last = new WeakReference<>(null);

  private final Ticker ticker;
  private final long startNanos;

  /** Host time starts now, at the ticker's current reading. */
  HostUptime(Ticker ticker) {
    this(ticker, ticker.read());
  }

  private HostUptime(Ticker ticker, long startNanos) {
    this.ticker = ticker;
    this.startNanos = startNanos;
  }

  /**
   * An uptime starting now on {@code ticker}: the one made last when it reads the same ticker from
   * the same reading (they are equal in every way), else a new one.
   */
  static HostUptime of(Ticker ticker) {
    long now = ticker.read();
    HostUptime previous = last.get();
    if (previous != null && previous.ticker == ticker && previous.startNanos == now) {
      return previous;
    }
    HostUptime made = new HostUptime(ticker, now);
    last = new WeakReference<>(made);
    return made;
  }

  /** The ticker's reading now. */
  long nanos() {
    return ticker.read();
  }

  /** Host time now. */
  Duration now() {
    return at(ticker.read());
  }

  /** The host time of the ticker reading {@code nanos}. */
  Duration at(long nanos) {
    return Duration.ofNanos(nanos - startNanos);
  }
}
