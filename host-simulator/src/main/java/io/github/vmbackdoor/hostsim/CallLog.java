package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.record.CallRecord;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The host's call log: every call counted, the newest kept (0 keeps none). The endpoints' own
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

  /** The kept calls; null when the log keeps none. */
  private final Ring ring;

  private long count;

  CallLog(int limit, long byteLimit) {
    this.ring = limit > 0 ? new Ring(limit, byteLimit) : null;
  }

  /** Whether the log keeps records (payload CRCs are computed only then). */
  boolean keeps() {
    return ring != null;
  }

  /**
   * Counts a call and, when the log keeps records, records it: {@code request} holds the registers
   * the guest loaded, {@code res} the answer and the note; {@code time} stamps it.
   */
  void add(
      TraceCall.Operation operation, HostUptime time, MutableRegisters request, CallResult res) {
    count++;
    if (ring != null) {
      ring.add(count, time, operation, request, res);
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

  long count() {
    return count;
  }

  /** What a kept call weighs, by its note (a note of a constant weighs as much as another). */
  private static long weight(String note) {
    return RECORD_WEIGHT + History.weight(note);
  }

  /**
   * The kept calls, oldest first, in arrays that grow (doubling) up to the count limit: slot {@code
   * (first + i) % capacity} holds the i-th oldest.
   */
  private static final class Ring {
    private static final TraceCall.Operation[] OPERATIONS = TraceCall.Operation.values();
    private static final int FIRST_CAPACITY = 16;

    private final int countLimit;
    private final long byteLimit;
    private HostUptime time;
    private long[] sequence = new long[0];
    private long[] at = new long[0];
    private byte[] operation = new byte[0];
    private int[] registers = new int[0]; // 14 a call: the request's seven, then the answer's
    private int[] payloadLength = new int[0];
    private long[] payloadCrc = new long[0];
    private String[] note = new String[0];
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
      if (size == sequence.length) {
        grow();
      }
      time = uptime;
      int slot = (first + size) % sequence.length;
      sequence[slot] = number;
      at[slot] = uptime.nanos();
      operation[slot] = (byte) kind.ordinal();
      int r = slot * 14;
      registers[r] = request.eax();
      registers[r + 1] = request.ebx();
      registers[r + 2] = request.ecx();
      registers[r + 3] = request.edx();
      registers[r + 4] = request.esi();
      registers[r + 5] = request.edi();
      registers[r + 6] = request.ebp();
      MutableRegisters answer = res.answer;
      registers[r + 7] = answer.eax();
      registers[r + 8] = answer.ebx();
      registers[r + 9] = answer.ecx();
      registers[r + 10] = answer.edx();
      registers[r + 11] = answer.esi();
      registers[r + 12] = answer.edi();
      registers[r + 13] = answer.ebp();
      payloadLength[slot] = res.payloadLength;
      payloadCrc[slot] = res.payloadCrc;
      note[slot] = res.note;
      size++;
      bytes += w;
    }

    private void dropOldest() {
      bytes -= weight(note[first]);
      note[first] = null;
      first = (first + 1) % sequence.length;
      size--;
    }

    /** Grows the full arrays (doubling, up to the count limit), the oldest call moved to slot 0. */
    private void grow() {
      int capacity = (int) Math.min(countLimit, Math.max(FIRST_CAPACITY, 2L * size));
      sequence = (long[]) unrolled(sequence, new long[capacity], 1);
      at = (long[]) unrolled(at, new long[capacity], 1);
      operation = (byte[]) unrolled(operation, new byte[capacity], 1);
      registers = (int[]) unrolled(registers, new int[capacity * 14], 14);
      payloadLength = (int[]) unrolled(payloadLength, new int[capacity], 1);
      payloadCrc = (long[]) unrolled(payloadCrc, new long[capacity], 1);
      note = (String[]) unrolled(note, new String[capacity], 1);
      first = 0;
    }

    /**
     * Copies the full ring {@code from} ({@code per} elements a call) to the start of {@code to}.
     */
    private Object unrolled(Object from, Object to, int per) {
      int tail = (size - first) * per;
      System.arraycopy(from, first * per, to, 0, tail);
      System.arraycopy(from, 0, to, tail, first * per);
      return to;
    }

    List<CallRecord> records() {
      ImmutableList.Builder<CallRecord> b = ImmutableList.builderWithExpectedSize(size);
      for (int i = 0; i < size; i++) {
        int slot = (first + i) % sequence.length;
        int r = slot * 14;
        b.add(
            new CallRecord(
                sequence[slot],
                time.at(at[slot]),
                OPERATIONS[operation[slot]],
                Registers.of(
                    registers[r],
                    registers[r + 1],
                    registers[r + 2],
                    registers[r + 3],
                    registers[r + 4],
                    registers[r + 5],
                    registers[r + 6]),
                Registers.of(
                    registers[r + 7],
                    registers[r + 8],
                    registers[r + 9],
                    registers[r + 10],
                    registers[r + 11],
                    registers[r + 12],
                    registers[r + 13]),
                payloadLength[slot],
                payloadCrc[slot],
                note[slot]));
      }
      return b.build();
    }
  }
}
