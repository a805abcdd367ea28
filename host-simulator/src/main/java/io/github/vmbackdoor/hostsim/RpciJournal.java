package io.github.vmbackdoor.hostsim;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The RPCI requests a host received, numbered from 1 in the order they came, read by one taker:
 * each request is taken once, in order, and a taker with nothing to take waits for the next one
 * without polling. The admin API's {@code GET /vms/{vm}/rpci/take} and the JUnit extension's {@code
 * takeRpciRequest} each read one ({@link HostRecords#rpciJournal()}). Requests come from the host's
 * request history (10,000 by default): those that fell out of it untaken are skipped.
 *
 * <p>Thread-safe: takes are made under the host's lock, so two threads taking from one journal
 * never take the same request.
 */
public final class RpciJournal {

  /**
   * A request taken from the journal.
   *
   * @param number its number among the host's requests, from 1 (the admin API's {@code since})
   * @param request the request
   */
  public record Entry(long number, RpciRequest request) {}

  private final GuestMsgServer messages; // its monitor is the host's lock
  private final RpciEndpoint rpci;
  private long taken; // the number of the last request taken; guarded by the host's lock

  RpciJournal(GuestMsgServer messages, RpciEndpoint rpci) {
    this.messages = messages;
    this.rpci = rpci;
  }

  /** Takes the next request not taken yet, if the host has one now. */
  public Optional<Entry> takeNow() {
    synchronized (messages) {
      return Optional.ofNullable(next());
    }
  }

  /**
   * Takes the next request not taken yet, waiting for one at most {@code timeout} of real time: the
   * calling thread blocks until a guest's request reaches the host (over a real connection) or the
   * deadline passes. For virtual time, run the simulation until {@link #takeNow()} takes one.
   *
   * @return the request, or empty when none came in time
   * @throws InterruptedException when the thread is interrupted while it waits
   */
  public Optional<Entry> take(Duration timeout) throws InterruptedException {
    Preconditions.checkArgument(!timeout.isNegative(), "negative timeout %s", timeout);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      CountDownLatch arrived = new CountDownLatch(1);
      Runnable cancel;
      synchronized (messages) {
        Entry e = next();
        if (e != null) {
          return Optional.of(e);
        }
        cancel = rpci.whenRequestAfter(rpci.requestCount(), arrived::countDown);
      }
      long left = deadline - System.nanoTime();
      boolean woken = false;
      try {
        woken = left > 0 && arrived.await(left, TimeUnit.NANOSECONDS);
      } finally {
        if (!woken) {
          synchronized (messages) {
            cancel.run();
          }
        }
      }
      if (!woken) {
        return takeNow();
      }
    }
  }

  /**
   * Runs {@code wake} once the host has a request this journal has not taken (at once when it has
   * one now), so that a taker that holds no thread can try {@link #takeNow()} again. {@code wake}
   * runs on the thread of the guest call that brought the request, under the host's lock: it must
   * not block (hand the work to an executor).
   *
   * @return what forgets {@code wake} if it has not run yet
   */
  public Runnable onNext(Runnable wake) {
    Preconditions.checkNotNull(wake, "wake");
    synchronized (messages) {
      // a request kept and not taken yet wakes at once; else the next one the host receives
      boolean hasNext = taken < rpci.requestCount() && rpci.requestsKept() > 0;
      Runnable cancel = rpci.whenRequestAfter(hasNext ? taken : rpci.requestCount(), wake);
      return () -> {
        synchronized (messages) {
          cancel.run();
        }
      };
    }
  }

  /** The next request not taken yet, taken, or null. Under the host's lock. */
  private Entry next() {
    long count = rpci.requestCount();
    long next = Math.max(taken + 1, count - rpci.requestsKept() + 1);
    if (next > count) {
      return null;
    }
    taken = next;
    return new Entry(next, rpci.request(count - next));
  }
}
