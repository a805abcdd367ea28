package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.FaultHit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The faults installed on a host: install, remove, and the one decision per call. Faults are tried
 * in installation order and the first that hits applies. Guarded by the host's lock.
 */
final class FaultBook {

  // Most hosts never get a fault: the list, the counts, the hits and the random source are all
  // made when first needed.
  private List<Fault> faults = Collections.emptyList();

  /** How often each fault matched. */
  private Map<Fault, long[]> counts = Map.of();

  private History<FaultHit> hits;

  /** Written under the host's lock; volatile so that a watcher reads it without the lock. */
  private volatile long hitCount;

  private final long seed;
  private SplittableRandom random;

  /** The book of a host without faults, shared by all: only ever read, never installed into. */
  static final FaultBook NONE = new FaultBook(0);

  /**
   * @param seed the seed of the source that fault probabilities draw from, so runs repeat
   */
  FaultBook(long seed) {
    this.seed = seed;
  }

  /** How many of the newest fault hits are kept. */
  static final int HIT_LIMIT = 256;

  /** The installed faults, in installation order. */
  List<Fault> installed() {
    return List.copyOf(faults);
  }

  /** The newest hits, oldest first. */
  List<FaultHit> hits() {
    return hits == null ? List.of() : hits.items();
  }

  /** How many hits there were, the ones no longer kept included. */
  long hitCount() {
    return hitCount;
  }

  void install(Fault fault) {
    if (faults.isEmpty()) {
      faults = new ArrayList<>();
      counts = new IdentityHashMap<>();
    }
    faults.add(fault);
    counts.put(fault, new long[1]);
  }

  boolean remove(Fault fault) {
    if (!faults.contains(fault)) {
      return false;
    }
    counts.remove(fault);
    return faults.remove(fault);
  }

  void clear() {
    if (faults.isEmpty()) {
      return;
    }
    faults = Collections.emptyList();
    counts = Map.of();
  }

  /**
   * What the faults make of one call: the first fault that hits applies its action to the call, and
   * the decision says how the host answers. {@code channel} is null at OPEN.
   */
  FaultDecision decide(
      int protocol,
      int channelId,
      Step step,
      Duration at,
      HostChannel channel,
      ChannelTable table) {
    Fault hit = match(protocol, channelId, step, at);
    if (hit == null) {
      return FaultDecision.NONE;
    }
    if (hits == null) {
      // A hit only points at its fault, so the count alone bounds what the hits weigh.
      hits = History.of(HIT_LIMIT, HIT_LIMIT * History.OVERHEAD, h -> History.OVERHEAD);
    }
    hits.add(new FaultHit(at, hit, step, channelId));
    hitCount = hitCount + 1;
    FaultDecision decision = new FaultDecision(hit.action(), step, channel, table);
    hit.action().apply(decision);
    return decision;
  }

  private SplittableRandom random() {
    if (random == null) {
      random = new SplittableRandom(seed);
    }
    return random;
  }

  private Fault match(int protocol, int channelId, Step step, Duration at) {
    for (Fault f : faults) {
      if (!f.matches(protocol, channelId, step, at)) {
        continue;
      }
      long count = ++counts.get(f)[0];
      if (f.nth() > 0 && count != f.nth()) {
        continue;
      }
      if (f.probability() < 1.0 && random().nextDouble() >= f.probability()) {
        continue;
      }
      return f;
    }
    return null;
  }
}
