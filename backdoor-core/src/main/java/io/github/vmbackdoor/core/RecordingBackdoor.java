package io.github.vmbackdoor.core;

import com.google.common.base.Preconditions;
import com.google.common.base.Ticker;

/**
 * A decorator that passes every call to another {@link Backdoor} and writes it, with its answer, to
 * a trace. Works on any transport: in-process, remote, or the real port.
 *
 * <p>Times are read from a {@link Ticker} (the system ticker for real runs, a simulation's virtual
 * ticker in tests) and written as nanoseconds since the recorder was created. A call whose
 * transport throws is not recorded; the exception passes through.
 */
public final class RecordingBackdoor implements Backdoor {

  private final Backdoor delegate;
  private final TraceWriter trace;
  private final Ticker ticker;
  private final long startNanos;

  private RecordingBackdoor(Backdoor delegate, TraceWriter trace, Ticker ticker) {
    this.delegate = delegate;
    this.trace = trace;
    this.ticker = ticker;
    this.startNanos = ticker.read();
  }

  /**
   * Records the calls made through {@code delegate} into {@code trace}, timed by {@code ticker}.
   */
  public static RecordingBackdoor wrap(Backdoor delegate, TraceWriter trace, Ticker ticker) {
    Preconditions.checkNotNull(delegate, "delegate");
    Preconditions.checkNotNull(trace, "trace");
    Preconditions.checkNotNull(ticker, "ticker");
    return new RecordingBackdoor(delegate, trace, ticker);
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
    return Math.max(0, ticker.read() - startNanos);
  }
}
