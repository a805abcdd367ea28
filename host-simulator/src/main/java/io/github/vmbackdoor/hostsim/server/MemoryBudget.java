package io.github.vmbackdoor.hostsim.server;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide budget of bytes that connections hold: answers written but not yet taken by the
 * client, requests received but not yet carried out, and input that does not yet form a whole
 * frame. Each connection has a {@link Holding}; when a new reservation takes the total over the
 * budget, the connection holding the most is closed with {@link WireError#OVERLOADED} (its bytes
 * leave the total at once), until the total fits again.
 *
 * <p>Well-behaved guests hold at most one answer for a moment, so the connections closed are those
 * whose clients do not read.
 */
final class MemoryBudget {

  private static final AttributeKey<Holding> HOLDING =
      AttributeKey.valueOf(MemoryBudget.class, "holding");

  private final long limit;
  private final Set<Channel> channels;
  private final ConnectionGuard guard;
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong evictions = new AtomicLong();

  /**
   * @param channels the server's connections, searched for the largest holder when the budget runs
   *     out
   */
  MemoryBudget(long limit, Set<Channel> channels, ConnectionGuard guard) {
    this.limit = limit;
    this.channels = channels;
    this.guard = guard;
  }

  /** Gives a new connection its holding; its bytes are returned when it closes. */
  Holding attach(Channel channel) {
    Holding holding = new Holding(channel);
    channel.attr(HOLDING).set(holding);
    channel.closeFuture().addListener(f -> holding.releaseAll());
    return holding;
  }

  /** The connection's holding, or null before {@link #attach}. */
  static Holding of(Channel channel) {
    return channel.attr(HOLDING).get();
  }

  /** Bytes held by all connections now. */
  long total() {
    return total.get();
  }

  long limit() {
    return limit;
  }

  /** Connections closed because the budget ran out. */
  long evictions() {
    return evictions.get();
  }

  private void overBudget() {
    synchronized (this) {
      while (total.get() > limit) {
        Holding largest = null;
        for (Channel channel : channels) {
          Holding h = of(channel);
          if (h != null && (largest == null || h.bytes() > largest.bytes())) {
            largest = h;
          }
        }
        if (largest == null || largest.bytes() == 0) {
          return;
        }
        long held = largest.evict();
        evictions.incrementAndGet();
        guard.reject(
            largest.channel,
            WireError.OVERLOADED,
            "the server's memory budget of "
                + limit
                + " bytes is used up and this connection holds the most ("
                + held
                + " bytes its client has not read or the server not yet carried out)",
            null);
      }
    }
  }

  /**
   * What one connection holds against the budget. Its methods may be called from any thread; once
   * the connection is evicted or closed its bytes no longer count.
   */
  final class Holding {
    private final Channel channel;
    private long bytes;
    private long input;
    private boolean gone;

    private Holding(Channel channel) {
      this.channel = channel;
    }

    synchronized long bytes() {
      return gone ? 0 : bytes + input;
    }

    /** Adds bytes (an answer written, a request queued); may close the largest holder. */
    void reserve(long n) {
      boolean over;
      synchronized (this) {
        bytes += n;
        over = !gone && total.addAndGet(n) > limit;
      }
      if (over) {
        overBudget();
      }
    }

    /** Returns bytes reserved before (an answer taken, a request carried out). */
    synchronized void release(long n) {
      bytes -= n;
      if (!gone) {
        total.addAndGet(-n);
      }
    }

    /** Sets the bytes of input the decoder keeps (an incomplete frame). */
    void input(long n) {
      boolean over;
      synchronized (this) {
        long delta = n - input;
        input = n;
        over = !gone && total.addAndGet(delta) > limit && delta > 0;
      }
      if (over) {
        overBudget();
      }
    }

    private synchronized long evict() {
      long held = bytes + input;
      if (!gone) {
        gone = true;
        total.addAndGet(-held);
      }
      return held;
    }

    private void releaseAll() {
      evict();
    }
  }
}
