package io.github.vmbackdoor.hostsim.server;

import com.google.common.base.Ticker;
import io.netty.channel.Channel;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The read timeout of an established connection: it is closed with {@link WireError#IDLE_TIMEOUT}
 * when for the whole timeout it neither completed a request frame nor had answer bytes taken by its
 * client. A connection that sends nothing, a frame header whose body never comes, a request sent a
 * byte now and then, and a client that stopped reading its answers all end this way.
 *
 * <p>Time is read from a {@link Ticker}; the check runs on the connection's event loop every
 * quarter of the timeout (at most every second), so a test that moves the ticker sees the close
 * within a second of real time.
 */
final class ReadTimeout {

  private static final long MAX_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Channel channel;
  private final ConnectionGuard guard;
  private final Ticker ticker;
  private final long timeoutNanos;
  private long lastProgress;
  private ScheduledFuture<?> check;

  ReadTimeout(Channel channel, ConnectionGuard guard, Ticker ticker, long timeoutNanos) {
    this.channel = channel;
    this.guard = guard;
    this.ticker = ticker;
    this.timeoutNanos = timeoutNanos;
  }

  /** Starts the clock; called on the event loop. */
  void start() {
    lastProgress = ticker.read();
    schedule();
  }

  /** A request frame completed or answer bytes were taken; called on the event loop. */
  void progress() {
    lastProgress = ticker.read();
  }

  void stop() {
    if (check != null) {
      check.cancel(false);
      check = null;
    }
  }

  private void schedule() {
    long every = Math.max(1, Math.min(timeoutNanos / 4, MAX_CHECK_NANOS));
    check = channel.eventLoop().schedule(this::check, every, TimeUnit.NANOSECONDS);
  }

  private void check() {
    if (!channel.isActive() || ConnectionGuard.isRejected(channel)) {
      return;
    }
    long idle = ticker.read() - lastProgress;
    if (idle >= timeoutNanos) {
      guard.reject(
          channel,
          WireError.IDLE_TIMEOUT,
          "no complete request and no answer taken for "
              + TimeUnit.NANOSECONDS.toMillis(idle)
              + " ms (read timeout "
              + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
              + " ms)",
          null);
      return;
    }
    schedule();
  }
}
