package io.github.vmbackdoor.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * One recorded backdoor call: when it happened, which instruction, the registers the guest loaded,
 * the registers it read back, and the bytes that crossed the high-bandwidth port.
 *
 * <p>An immutable value (the byte array is copied in and out).
 */
public final class TraceCall implements TraceEntry {

  /** The three backdoor instructions, as {@link Backdoor} names them. */
  public enum Operation {
    /** {@code in} on the command port. */
    IN("in"),
    /** {@code rep outsb} on the high-bandwidth port: guest-to-host bytes. */
    OUTS("outs"),
    /** {@code rep insb} on the high-bandwidth port: host-to-guest bytes. */
    INS("ins");

    private final String wireName;

    Operation(String wireName) {
      this.wireName = wireName;
    }

    /** The name used in trace files: {@code in}, {@code outs}, {@code ins}. */
    public String wireName() {
      return wireName;
    }

    /** The operation a trace file names, or an exception naming the bad word. */
    public static Operation fromWireName(String name) {
      for (Operation op : values()) {
        if (op.wireName.equals(name)) {
          return op;
        }
      }
      throw new IllegalArgumentException("unknown operation: " + name);
    }
  }

  private static final byte[] NONE = new byte[0];

  private final long timeNanos;
  private final Operation operation;
  private final Registers request;
  private final Registers answer;
  private final byte[] bytes;

  private TraceCall(
      long timeNanos, Operation operation, Registers request, Registers answer, byte[] bytes) {
    this.timeNanos = timeNanos;
    this.operation = operation;
    this.request = request;
    this.answer = answer;
    this.bytes = bytes;
  }

  /**
   * @param timeNanos nanoseconds since the trace started
   * @param operation the instruction
   * @param request the registers the guest loaded
   * @param answer the registers the guest read back
   * @param bytes for {@code outs} the bytes sent, for {@code ins} the bytes received, for {@code
   *     in} empty
   */
  public static TraceCall of(
      long timeNanos, Operation operation, Registers request, Registers answer, byte[] bytes) {
    if (timeNanos < 0) {
      throw new IllegalArgumentException("time must be >= 0: " + timeNanos);
    }
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(answer, "answer");
    byte[] copy = bytes == null || bytes.length == 0 ? NONE : bytes.clone();
    if (operation == Operation.IN && copy.length > 0) {
      throw new IllegalArgumentException("an in call carries no bytes");
    }
    return new TraceCall(timeNanos, operation, request, answer, copy);
  }

  @Override
  public long timeNanos() {
    return timeNanos;
  }

  public Operation operation() {
    return operation;
  }

  /** The registers the guest loaded. */
  public Registers request() {
    return request;
  }

  /** The registers the guest read back. */
  public Registers answer() {
    return answer;
  }

  /** The bytes that crossed the high-bandwidth port (a copy); empty for {@code in}. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The number of bytes that crossed the high-bandwidth port. */
  public int byteCount() {
    return bytes.length;
  }

  /** Whether this call's bytes equal {@code other}, without copying. */
  public boolean bytesEqual(byte[] other) {
    return Arrays.equals(bytes, other);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TraceCall)) {
      return false;
    }
    TraceCall c = (TraceCall) o;
    return timeNanos == c.timeNanos
        && operation == c.operation
        && request.equals(c.request)
        && answer.equals(c.answer)
        && Arrays.equals(bytes, c.bytes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(timeNanos, operation, request, answer) * 31 + Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return operation.wireName()
        + " @"
        + timeNanos
        + "ns in["
        + request
        + "] out["
        + answer
        + "]"
        + (bytes.length == 0 ? "" : " " + bytes.length + " bytes");
  }
}
