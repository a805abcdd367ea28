package io.github.vmbackdoor.hostsim.server;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import java.util.function.LongSupplier;

/**
 * An event loop's select strategy that keeps polling its sockets without blocking for a while after
 * its last work before it parks in {@code epoll_wait}, so a request that follows its answer closely
 * finds the loop awake instead of paying for a thread wake-up. It trades CPU for latency: while a
 * guest keeps calling, the loop spins up to {@code spinNanos} between requests on a core of its
 * own. Off by default ({@link SimulatorServer.Builder#spinBeforePark}); used on the epoll transport
 * only ({@link Transport}).
 *
 * <p>Nothing is lost while spinning: ready events are always handed to the loop, and a loop that
 * found nothing still runs its due scheduled tasks (read timeouts, delayed answers) on each turn.
 * One instance per event loop (the loop's thread alone calls it).
 */
final class SpinBeforePark implements SelectStrategy {

  private final long spinNanos;
  private final LongSupplier clock;
  private boolean worked;
  private long lastWork;

  SpinBeforePark(long spinNanos) {
    this(spinNanos, System::nanoTime);
  }

  /** With {@code clock} for the time in nanoseconds (tests give their own). */
  SpinBeforePark(long spinNanos, LongSupplier clock) {
    this.spinNanos = spinNanos;
    this.clock = clock;
  }

  @Override
  public int calculateStrategy(IntSupplier selectSupplier, boolean hasTasks) throws Exception {
    int ready = selectSupplier.get();
    long now = clock.getAsLong();
    if (ready > 0 || hasTasks) {
      worked = true;
      lastWork = now;
      return ready;
    }
    if (worked && now - lastWork < spinNanos) {
      // Nothing ready: one more non-blocking turn (it runs the due scheduled tasks, too).
      return 0;
    }
    return SelectStrategy.SELECT;
  }
}
