package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.record.PowerOperationReport;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * The power operations the host requested, with what became of each: the TCLO endpoint records the
 * guest's reply to the command, the RPCI endpoint the state-change report (through {@link
 * Reports}). The TCLO endpoint makes it with the first request. Guarded by the host's lock.
 */
final class PowerOperations {

  /** Where the RPCI endpoint reports {@code tools.os.statechange.status}: the TCLO endpoint. */
  interface Reports {
    /** A state-change report, as {@link PowerOperations#reported} takes it. */
    void reported(int stateId, boolean success);
  }

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

  private final List<Tracker> trackers = new ArrayList<>();

  /** Records a request made at {@code nanos} (ticker time). */
  Tracker request(GuestOsState operation, long nanos) {
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
