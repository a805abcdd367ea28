package io.github.vmbackdoor.hostsim;

import com.google.common.base.Ticker;
import java.time.Duration;

/**
 * A host's uptime: the virtual time since the host was built, read from its ticker. One per host,
 * shared by the parts that stamp or compare times. Parts keep ticker readings ({@link #nanos()})
 * and turn them into host time ({@link #at(long)}) when they report them. Immutable.
 */
final class HostUptime {

  private final Ticker ticker;
  private final long startNanos;

  /** Host time starts now, at the ticker's current reading. */
  HostUptime(Ticker ticker) {
    this.ticker = ticker;
    this.startNanos = ticker.read();
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
