package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.record.CallRecord;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The host's call log: the newest calls kept (0 keeps none: then one shared log, {@link #NONE}, as
 * an idle host holds no log of its own); the message server counts them all. The endpoints' own
 * histories (RPCI requests, TCLO exchanges) live with them, bounded by {@link History}. Guarded by
 * the host's lock.
 *
 * <p>A kept call is stored as its raw values (its number, ticker reading, the request's and the
 * answer's registers, the payload's length and CRC, the note) in arrays reused from call to call,
 * and becomes a {@link CallRecord} only when the log is read: logging a call allocates nothing once
 * the arrays have grown to the log's size. What it keeps and drops is as a {@link History} of the
 * records would: at most the limit's count and byte limit by the records' weights, oldest first.
 */
final class CallLog {

  /** What a record weighs besides its note: itself, two register sets, its time. */
  private static final long RECORD_WEIGHT = 4 * History.OVERHEAD + 2 * 7 * 4;

  /** The log of hosts that keep no calls: it holds nothing. */
  static final CallLog NONE = new CallLog(0, 0);

  /** The kept calls; null when the log keeps none. */
  private final Ring ring;

  CallLog(int limit, long byteLimit) {
    this.ring = limit > 0 ? new Ring(limit, byteLimit) : null;
  }

  /** A log keeping the newest {@code limit} calls within {@code byteLimit}; {@link #NONE} at 0. */
  static CallLog of(int limit, long byteLimit) {
    return limit > 0 ? new CallLog(limit, byteLimit) : NONE;
  }

  /** Whether the log keeps records (payload CRCs are computed only then). */
  boolean keeps() {
    return ring != null;
  }

  /**
   * When the log keeps records, records call {@code number}: {@code request} holds the registers
   * the guest loaded, {@code res} the answer and the note; {@code time} stamps it.
   */
  void add(
      long number,
      TraceCall.Operation operation,
      HostUptime time,
      MutableRegisters request,
      CallResult res) {
    if (ring != null) {
      ring.add(number, time, operation, request, res);
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
    return ring == null ? ImmutableList.of() : ring.records();
  }

  /** What a kept call weighs, by its note (a note of a constant weighs as much as another). */
  private static long weight(String note) {
    return RECORD_WEIGHT + History.weight(note);
  }

  /**
   * The kept calls, oldest first, in one array of longs ({@value #STRIDE} a call, so that logging a
   * call writes two or three cache lines) and one of notes, which grow (doubling) up to the count
   * limit: slot {@code (first + i) % capacity} holds the i-th oldest. A call's longs: its number,
   * its ticker reading, its operation and payload length, the payload's CRC, then the seven
   * registers, each as the request's (high half) and the answer's (low half).
   */
  private static final class Ring {
    private static final TraceCall.Operation[] OPERATIONS = TraceCall.Operation.values();
    private static final int FIRST_CAPACITY = 16;
    private static final int STRIDE = 11;

    private final int countLimit;
    private final long byteLimit;
    private HostUptime time;
    private long[] calls = new long[0];
    private String[] notes = new String[0];
    private int first;
    private int size;
    private long bytes;

    Ring(int countLimit, long byteLimit) {
      this.countLimit = countLimit;
      this.byteLimit = byteLimit;
    }

    void add(
        long number,
        HostUptime uptime,
        TraceCall.Operation kind,
        MutableRegisters request,
        CallResult res) {
      long w = weight(res.note);
      if (w > byteLimit) {
        return;
      }
      while (size >= countLimit || bytes + w > byteLimit) {
        dropOldest();
      }
      if (size == notes.length) {
        grow();
      }
      time = uptime;
      int slot = first + size;
      if (slot >= notes.length) {
        slot -= notes.length;
      }
      MutableRegisters answer = res.answer;
      long[] c = calls;
      int i = slot * STRIDE;
      c[i] = number;
      c[i + 1] = uptime.nanos();
      c[i + 2] = ((long) kind.ordinal() << 32) | (res.payloadLength & 0xFFFFFFFFL);
      c[i + 3] = res.payloadCrc;
      c[i + 4] = pair(request.eax(), answer.eax());
      c[i + 5] = pair(request.ebx(), answer.ebx());
      c[i + 6] = pair(request.ecx(), answer.ecx());
      c[i + 7] = pair(request.edx(), answer.edx());
      c[i + 8] = pair(request.esi(), answer.esi());
      c[i + 9] = pair(request.edi(), answer.edi());
      c[i + 10] = pair(request.ebp(), answer.ebp());
      notes[slot] = res.note;
      size++;
      bytes += w;
    }

    private static long pair(int request, int answer) {
      return ((long) request << 32) | (answer & 0xFFFFFFFFL);
    }

    private void dropOldest() {
      bytes -= weight(notes[first]);
      notes[first] = null;
      first = first + 1 == notes.length ? 0 : first + 1;
      size--;
    }

    /** Grows the full arrays (doubling, up to the count limit), the oldest call moved to slot 0. */
    private void grow() {
      int capacity = (int) Math.min(countLimit, Math.max(FIRST_CAPACITY, 2L * size));
      long[] c = new long[capacity * STRIDE];
      int tail = size - first;
      System.arraycopy(calls, first * STRIDE, c, 0, tail * STRIDE);
      System.arraycopy(calls, 0, c, tail * STRIDE, first * STRIDE);
      String[] n = new String[capacity];
      System.arraycopy(notes, first, n, 0, tail);
      System.arraycopy(notes, 0, n, tail, first);
      calls = c;
      notes = n;
      first = 0;
    }

    List<CallRecord> records() {
      ImmutableList.Builder<CallRecord> b = ImmutableList.builderWithExpectedSize(size);
      for (int k = 0; k < size; k++) {
        int slot = (first + k) % notes.length;
        int i = slot * STRIDE;
        long[] c = calls;
        b.add(
            new CallRecord(
                c[i],
                time.at(c[i + 1]),
                OPERATIONS[(int) (c[i + 2] >>> 32)],
                Registers.of(
                    (int) (c[i + 4] >>> 32),
                    (int) (c[i + 5] >>> 32),
                    (int) (c[i + 6] >>> 32),
                    (int) (c[i + 7] >>> 32),
                    (int) (c[i + 8] >>> 32),
                    (int) (c[i + 9] >>> 32),
                    (int) (c[i + 10] >>> 32)),
                Registers.of(
                    (int) c[i + 4],
                    (int) c[i + 5],
                    (int) c[i + 6],
                    (int) c[i + 7],
                    (int) c[i + 8],
                    (int) c[i + 9],
                    (int) c[i + 10]),
                (int) c[i + 2],
                c[i + 3],
                notes[slot]));
      }
      return b.build();
    }
  }
}
