package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * The power operations the host requested, with what became of each: the TCLO endpoint records the
 * guest's reply to the command, the RPCI endpoint the state-change report. One per host, guarded by
 * its lock.
 */
final class PowerOperations {

  /** Mutable record of one requested power operation. */
  static final class Tracker {
    final GuestOsState operation;
    final long requestedNanos;
    String reply;
    Boolean reportedSuccess;

    private Tracker(GuestOsState operation, long requestedNanos) {
      this.operation = operation;
      this.requestedNanos = requestedNanos;
    }
  }

  /** The requests, oldest first; the list is made with the first, as most hosts have none. */
  private List<Tracker> trackers = Collections.emptyList();

  /** Records a request made at {@code nanos} (ticker time). */
  Tracker request(GuestOsState operation, long nanos) {
    if (trackers.isEmpty()) {
      trackers = new ArrayList<>();
    }
    Tracker t = new Tracker(operation, nanos);
    trackers.add(t);
    return t;
  }

  /**
   * {@code tools.os.statechange.status <success> <state>}: matched to the oldest unreported request
   * for that state; a report nobody asked for is ignored.
   */
  void reported(int stateId, boolean success) {
    for (Tracker t : trackers) {
      if (t.operation.id() == stateId && t.reportedSuccess == null) {
        t.reportedSuccess = success;
        return;
      }
    }
  }

  /**
   * Every request with what became of it, oldest first; {@code time} turns ticker nanos to host
   * time.
   */
  List<PowerOperationReport> reports(LongFunction<Duration> time) {
    List<PowerOperationReport> l = new ArrayList<>();
    for (Tracker t : trackers) {
      l.add(
          new PowerOperationReport(
              t.operation,
              time.apply(t.requestedNanos),
              Optional.ofNullable(t.reply),
              Optional.ofNullable(t.reportedSuccess)));
    }
    return ImmutableList.copyOf(l);
  }
}
