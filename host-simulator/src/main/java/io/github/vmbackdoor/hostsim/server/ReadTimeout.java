package io.github.vmbackdoor.hostsim.server;

import com.google.common.base.Ticker;
import io.netty.channel.Channel;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The read timeout of an established connection: it is closed with {@link WireError#IDLE_TIMEOUT}
 * when for the whole timeout it neither completed a request frame nor had answer bytes taken by its
 * client. A connection that sends nothing, a frame header whose body never comes, a request sent a
 * byte now and then, and a client that stopped reading its answers all end this way, unless it
 * holds open channels: a real host never drops a quiet guest, so a guest process that keeps a
 * channel open is not timed out however long it stays quiet (the channel's own idle timeout, a host
 * setting, is the host's say on it). Nor does an answer the server itself holds back (a {@code
 * delay=} fault) count as the client being idle: the clock stops until the answer is written.
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
  private final BooleanSupplier holdsChannels;
  // Volatile: a connection's shared region reports its calls from its own thread.
  private volatile long lastProgress;
  private volatile boolean answerHeldBack;
  private ScheduledFuture<?> check;

  /**
   * @param holdsChannels whether the connection's guest holds open channels (then it is not timed
   *     out)
   */
  ReadTimeout(
      Channel channel,
      ConnectionGuard guard,
      Ticker ticker,
      long timeoutNanos,
      BooleanSupplier holdsChannels) {
    this.channel = channel;
    this.guard = guard;
    this.ticker = ticker;
    this.timeoutNanos = timeoutNanos;
    this.holdsChannels = holdsChannels;
  }

  /** Starts the clock; called on the event loop. */
  void start() {
    lastProgress = ticker.read();
    schedule();
  }

  /** A request frame completed or answer bytes were taken; any thread. */
  void progress() {
    lastProgress = ticker.read();
  }

  /** The server holds an answer back: the clock stops until {@link #answerReleased()}. */
  void answerHeldBack() {
    answerHeldBack = true;
  }

  /** The answer held back is written: the clock starts again from now. */
  void answerReleased() {
    answerHeldBack = false;
    progress();
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
    if (answerHeldBack || holdsChannels.getAsBoolean()) {
      // Not idle: the server owes the answer, or the guest keeps channels open on a quiet host.
      progress();
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
