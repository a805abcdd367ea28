package io.github.vmbackdoor.core;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A decorator that passes every call to another {@link Backdoor} and writes it, with its answer, to
 * a trace. Works on any transport: in-process, remote, or the real port.
 *
 * <p>Times are read from a nanosecond clock ({@code System::nanoTime} for real runs, a simulation's
 * virtual clock in tests) and written as nanoseconds since the recorder was created. A call whose
 * transport throws is not recorded; the exception passes through.
 */
public final class RecordingBackdoor implements Backdoor {

  private final Backdoor delegate;
  private final TraceWriter trace;
  private final LongSupplier nanoClock;
  private final long startNanos;

  private RecordingBackdoor(Backdoor delegate, TraceWriter trace, LongSupplier nanoClock) {
    this.delegate = delegate;
    this.trace = trace;
    this.nanoClock = nanoClock;
    this.startNanos = nanoClock.getAsLong();
  }

  /**
   * Records the calls made through {@code delegate} into {@code trace}, timed by {@code nanoClock}
   * (any clock that counts nanoseconds, such as {@code System::nanoTime}).
   */
  public static RecordingBackdoor wrap(
      Backdoor delegate, TraceWriter trace, LongSupplier nanoClock) {
    Objects.requireNonNull(delegate, "delegate");
    Objects.requireNonNull(trace, "trace");
    Objects.requireNonNull(nanoClock, "nanoClock");
    return new RecordingBackdoor(delegate, trace, nanoClock);
  }

  @Override
  public Registers in(Registers registers) {
    Registers answer = delegate.in(registers);
    trace.write(TraceCall.of(elapsed(), TraceCall.Operation.IN, registers, answer, null));
    return answer;
  }

  @Override
  public Registers outs(Registers registers, byte[] bytes) {
    Registers answer = delegate.outs(registers, bytes);
    trace.write(TraceCall.of(elapsed(), TraceCall.Operation.OUTS, registers, answer, bytes));
    return answer;
  }

  @Override
  public Registers ins(Registers registers, byte[] into) {
    Registers answer = delegate.ins(registers, into);
    trace.write(TraceCall.of(elapsed(), TraceCall.Operation.INS, registers, answer, into));
    return answer;
  }

  private long elapsed() {
    return Math.max(0, nanoClock.getAsLong() - startNanos);
  }
}
