package io.github.vmbackdoor.hostsim.server;

import com.google.common.base.Ticker;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide budget of bytes that connections hold: answers written but not yet taken by the
 * client, requests received but not yet carried out, and input that does not yet form a whole
 * frame. Each connection has a {@link Holding}; when a new reservation takes the total over the
 * budget, connections are closed with {@link WireError#OVERLOADED} (their bytes leave the total at
 * once) until it fits again: first those holding more than a guest that waits for each answer can
 * ({@link #GUEST_BOUND}: clients that do not read, or that pipeline), the largest first; then,
 * among the others, those whose clients made no progress for {@link #STALL_NANOS} or more, the
 * idlest first (the newest of equally idle ones). Progress is an answer the client took, or a byte
 * arriving from a client that holds no unread answer; a client is not idle while its request waits
 * for the server. While every holder moves and holds no more than a guest, the total may pass the
 * budget by at most {@link #GUEST_BOUND} a connection, which the connection caps bound.
 *
 * <p>So the victim cannot be aimed at a good guest, which holds at most its request and its answer
 * and moves: connections holding just under one maximum frame each are chosen by time, not size,
 * and are closed, whatever their number and addresses, once they stop moving.
 */
final class MemoryBudget {

  private static final AttributeKey<Holding> HOLDING =
      AttributeKey.valueOf(MemoryBudget.class, "holding");

  /**
   * The most a guest that waits for each answer holds: its request, as input and then waiting, and
   * its answer, each at most one maximum frame with its length prefix.
   */
  static final long GUEST_BOUND = 2L * (4 + WireProtocol.MAX_FRAME_LENGTH);

  /** How long a connection holding no more than a guest must make no progress to be a victim. */
  static final long STALL_NANOS = 1_000_000_000L;

  private final long limit;
  private final Set<Channel> channels;
  private final ConnectionGuard guard;
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong evictions = new AtomicLong();
  private final Ticker ticker;
  private final AtomicLong attached = new AtomicLong();

  /**
   * @param channels the server's connections, searched for the least active holder when the budget
   *     runs out
   * @param ticker the clock of the connections' progress
   */
  MemoryBudget(long limit, Set<Channel> channels, ConnectionGuard guard, Ticker ticker) {
    this.limit = limit;
    this.channels = channels;
    this.guard = guard;
    this.ticker = ticker;
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
        // Connections holding more than a guest can (never-readers, pipeliners) go first, the
        // largest first. Among connections holding no more, the one that made no progress for
        // the longest goes, if that is a second or more.
        Holding victim = null;
        boolean victimBig = false;
        long now = ticker.read();
        for (Channel channel : channels) {
          Holding h = of(channel);
          long held = h == null ? 0 : h.bytes();
          if (held == 0) {
            continue;
          }
          boolean big = held > GUEST_BOUND;
          if (!big && now - h.lastProgress() < STALL_NANOS) {
            continue; // it moves: not a victim, whatever it holds
          }
          if (victim == null
              || (big && !victimBig)
              || (big && held > victim.bytes())
              || (!big && !victimBig && h.idlerThan(victim))) {
            victim = h;
            victimBig = big;
          }
        }
        if (victim == null) {
          // every holder moves and holds no more than a guest: over the budget for a moment, by
          // at most GUEST_BOUND a connection, until one stalls
          return;
        }
        long idleNanos = now - victim.lastProgress();
        long held = victim.evict();
        evictions.incrementAndGet();
        guard.reject(
            victim.channel,
            WireError.OVERLOADED,
            "the server's memory budget of "
                + limit
                + " bytes is used up and this connection "
                + (victimBig
                    ? "holds the most"
                    : "made no progress for the longest (" + idleNanos / 1_000_000 + " ms)")
                + " ("
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
    private final long order = attached.incrementAndGet();
    private long bytes;
    private long input;
    private long lastProgress = ticker.read();
    private long answers;
    private boolean gone;

    private Holding(Channel channel) {
      this.channel = channel;
    }

    /**
     * When the client last made progress; now while the server owes it the answer to a request it
     * holds (the wait is the server's) and it holds no unread answer.
     */
    synchronized long lastProgress() {
      return bytes > answers && answers == 0 ? ticker.read() : lastProgress;
    }

    /** Made its last progress before {@code other}'s, or as long ago and is newer. */
    boolean idlerThan(Holding other) {
      long mine = lastProgress();
      long theirs = other.lastProgress();
      return mine != theirs ? mine - theirs < 0 : order > other.order;
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

    /** Returns bytes reserved before (a request carried out). */
    synchronized void release(long n) {
      bytes -= n;
      if (!gone) {
        total.addAndGet(-n);
      }
    }

    /** Adds the bytes of an answer written, until the client takes it. */
    void reserveAnswer(long n) {
      boolean over;
      synchronized (this) {
        answers += n;
        bytes += n;
        over = !gone && total.addAndGet(n) > limit;
      }
      if (over) {
        overBudget();
      }
    }

    /** Returns the bytes of an answer the client took: progress. */
    synchronized void releaseAnswer(long n) {
      answers -= n;
      lastProgress = ticker.read();
      release(n);
    }

    /**
     * Sets the bytes of input the decoder keeps (an incomplete frame). Called by the connection's
     * decoder alone, on its event loop, the one thread that writes {@code input}: so an unchanged
     * figure (none kept, as after each whole frame) is seen without taking the lock.
     */
    void input(long n) {
      if (n == input) {
        return;
      }
      boolean over;
      synchronized (this) {
        long delta = n - input;
        if (delta != 0 && answers == 0) {
          lastProgress = ticker.read(); // bytes arrived from a client that reads its answers
        }
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
