package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.record.CallRecord;
import java.time.Duration;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The host's call log: every call counted, the newest kept (0 keeps none). The endpoints' own
 * histories (RPCI requests, TCLO exchanges) live with them, bounded by {@link History}. Guarded by
 * the host's lock.
 */
final class CallLog {

  /** What a record weighs besides its note: itself, two register sets, its time. */
  private static final long RECORD_WEIGHT = 4 * History.OVERHEAD + 2 * 7 * 4;

  private final History<CallRecord> records;
  private long count;

  CallLog(int limit, long byteLimit) {
    this.records = History.of(limit, byteLimit, r -> RECORD_WEIGHT + History.weight(r.note()));
  }

  /** Whether the log keeps records (payload CRCs are computed only then). */
  boolean keeps() {
    return records.keeps();
  }

  /** Counts a call and, when the log keeps records, records it. */
  void add(TraceCall.Operation operation, Duration at, Registers request, CallResult res) {
    count++;
    if (keeps()) {
      records.add(
          new CallRecord(
              count,
              at,
              operation,
              request,
              res.answer.toRegisters(),
              res.payloadLength,
              res.payloadCrc,
              res.note));
    }
  }

  /** The CRC-32 of bytes an HB call moved, when the log keeps records; else 0. */
  long crc(byte[] bytes) {
    if (!keeps()) {
      return 0;
    }
    CRC32 c = new CRC32();
    c.update(bytes);
    return c.getValue();
  }

  List<CallRecord> records() {
    return records.items();
  }

  long count() {
    return count;
  }
}
