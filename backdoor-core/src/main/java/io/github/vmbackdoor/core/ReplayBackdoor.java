package io.github.vmbackdoor.core;

import io.github.vmbackdoor.core.TraceCall.Operation;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Backdoor} that serves the answers of a recorded trace, so guest code can be run again
 * against exactly what a host once answered, with no host at all.
 *
 * <p>The guest must make the same calls in the same order. Each call is compared with the next
 * recorded one: the operation, all seven registers, and for {@code outs} the bytes. The pointer
 * register of a high-bandwidth call ({@code esi} for {@code outs}, {@code edi} for {@code ins}) is
 * not compared: it held a guest address when recorded on the real port. The first difference throws
 * {@link ReplayDivergenceException} showing expected and actual side by side; so does a call past
 * the end of the trace.
 *
 * <p>Not thread-safe: a replay follows one guest's sequence of calls.
 */
public final class ReplayBackdoor implements Backdoor {

  private final List<TraceCall> calls;
  private int next;

  private ReplayBackdoor(List<TraceCall> calls) {
    this.calls = calls;
  }

  /** Serves the answers of {@code calls}, in order. */
  public static ReplayBackdoor of(List<TraceCall> calls) {
    return new ReplayBackdoor(List.copyOf(calls));
  }

  /** How many recorded calls the guest has made so far. */
  public int position() {
    return next;
  }

  /** How many recorded calls the guest has not made yet. */
  public int remaining() {
    return calls.size() - next;
  }

  /** Throws {@link ReplayDivergenceException} unless the guest made every recorded call. */
  public void assertFinished() {
    if (next < calls.size()) {
      throw new ReplayDivergenceException(
          next,
          "the guest stopped after "
              + next
              + " of "
              + calls.size()
              + " recorded calls; next expected: "
              + calls.get(next));
    }
  }

  @Override
  public Registers in(Registers registers) {
    return match(Operation.IN, registers, null).answer();
  }

  @Override
  public Registers outs(Registers registers, byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return match(Operation.OUTS, registers, bytes).answer();
  }

  @Override
  public Registers ins(Registers registers, byte[] into) {
    Objects.requireNonNull(into, "into");
    TraceCall call = match(Operation.INS, registers, null);
    byte[] recorded = call.bytes();
    System.arraycopy(recorded, 0, into, 0, Math.min(recorded.length, into.length));
    return call.answer();
  }

  private TraceCall match(Operation op, Registers actual, byte[] bytes) {
    int index = next;
    if (index >= calls.size()) {
      throw new ReplayDivergenceException(
          index,
          "call #"
              + index
              + " is past the end of the trace ("
              + calls.size()
              + " calls): "
              + op.wireName()
              + " "
              + actual);
    }
    TraceCall expected = calls.get(index);
    Registers want = comparable(expected.operation(), expected.request());
    Registers got = comparable(op, actual);
    boolean bytesDiffer = op == Operation.OUTS && !expected.bytesEqual(bytes);
    if (expected.operation() != op || !want.equals(got) || bytesDiffer) {
      throw new ReplayDivergenceException(index, diff(index, expected, op, actual, bytes));
    }
    next++;
    return expected;
  }

  /** The registers with the pointer register of a high-bandwidth call cleared. */
  private static Registers comparable(Operation op, Registers r) {
    switch (op) {
      case OUTS:
        return r.withEsi(0);
      case INS:
        return r.withEdi(0);
      default:
        return r;
    }
  }

  static String diff(int index, TraceCall expected, Operation op, Registers actual, byte[] bytes) {
    Registers e = expected.request();
    StringBuilder b = new StringBuilder();
    b.append("call #").append(index).append(" differs from the trace\n");
    b.append(String.format("  %-5s %-10s %-10s%n", "", "expected", "actual"));
    row(b, "op", expected.operation().wireName(), op.wireName(), false);
    for (int i = 0; i < RegisterSet.NAMES.size(); i++) {
      boolean pointer = (op == Operation.OUTS && i == 4) || (op == Operation.INS && i == 5);
      row(
          b,
          RegisterSet.NAMES.get(i),
          Registers.hex(e.register(i)),
          Registers.hex(actual.register(i)),
          !pointer && e.register(i) != actual.register(i));
    }
    if (op == Operation.OUTS || expected.operation() == Operation.OUTS) {
      byte[] recorded = expected.bytes();
      boolean differ = !Arrays.equals(recorded, bytes);
      row(b, "bytes", recorded.length + " B", (bytes == null ? 0 : bytes.length) + " B", differ);
      if (differ && bytes != null) {
        int at = Arrays.mismatch(recorded, bytes);
        b.append("  first differing byte at offset ").append(at).append('\n');
      }
    }
    return b.toString().stripTrailing();
  }

  private static void row(StringBuilder b, String name, String want, String got, boolean mark) {
    b.append(String.format("  %-5s %-10s %-10s%s%n", name, want, got, mark ? "  <-- differs" : ""));
  }
}
