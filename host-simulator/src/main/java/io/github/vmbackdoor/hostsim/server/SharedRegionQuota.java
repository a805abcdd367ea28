package io.github.vmbackdoor.hostsim.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shared regions a {@link SimulatorServer} serves at once (at most {@link
 * SimulatorServer#MAX_SHARED_REGIONS}, each polled by a thread of its own), how many it has served,
 * and how long their pollers spin after an answer.
 */
final class SharedRegionQuota {

  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong served = new AtomicLong();
  private final long spinNanos;

  SharedRegionQuota(long spinNanos) {
    this.spinNanos = spinNanos;
  }

  /** Counts a region in; false when {@link SimulatorServer#MAX_SHARED_REGIONS} are open already. */
  boolean take() {
    if (open.incrementAndGet() > SimulatorServer.MAX_SHARED_REGIONS) {
      open.decrementAndGet();
      return false;
    }
    return true;
  }

  /** A region taken was mapped and is served. */
  void served() {
    served.incrementAndGet();
  }

  /** A region taken is closed, or was never mapped. */
  void release() {
    open.decrementAndGet();
  }

  /** Regions mapped and served since the server started. */
  long servedSoFar() {
    return served.get();
  }

  /** How long a region's poller spins after an answer before it sleeps. */
  long spinNanos() {
    return spinNanos;
  }
}
