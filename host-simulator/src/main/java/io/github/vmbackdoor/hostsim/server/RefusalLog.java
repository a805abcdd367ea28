package io.github.vmbackdoor.hostsim.server;

import com.google.common.base.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Logs refusals at a bounded rate: at most {@code perSecond} lines in any one-second window of the
 * ticker; the lines over the limit are counted and reported in one line when the next window opens.
 * A flood of hostile connections therefore leaves a trace without filling the log.
 */
final class RefusalLog {

  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Ticker ticker;
  private final int perSecond;
  private final Consumer<String> sink;
  private long windowStart;
  private int inWindow;
  private long suppressed;

  RefusalLog(Ticker ticker, int perSecond, Consumer<String> sink) {
    this.ticker = ticker;
    this.perSecond = perSecond;
    this.sink = sink;
    this.windowStart = ticker.read();
  }

  /** Logs the line unless this window's quota is used up; returns whether it was logged. */
  synchronized boolean log(String line) {
    long now = ticker.read();
    if (now - windowStart >= WINDOW_NANOS) {
      if (suppressed > 0) {
        sink.accept(suppressed + " more refusals not logged (at most " + perSecond + " a second)");
      }
      windowStart = now;
      inWindow = 0;
      suppressed = 0;
    }
    if (inWindow >= perSecond) {
      suppressed++;
      return false;
    }
    inWindow++;
    sink.accept(line);
    return true;
  }
}
