package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import java.time.Duration;

/**
 * The outcome of one backdoor call: the answer registers, a note for the log, extra time. The note
 * is built only when {@link #describe} is set (the call log keeps it), except for the message
 * server's rarer outcomes, which set {@link #note} directly.
 *
 * <p>One result per thread is reused from call to call ({@link #acquire}), its answer a mutable
 * holder, so a call allocates nothing for its outcome; a call made while another on the same thread
 * is being answered (a host part calling a guest back) gets a fresh one.
 */
final class CallResult {

  private static final ThreadLocal<CallResult> SCRATCH = ThreadLocal.withInitial(CallResult::new);

  boolean describe;

  /** The registers the guest reads back. */
  final MutableRegisters answer = new MutableRegisters();

  String note;
  Duration delay = Duration.ZERO;
  int payloadLength;
  long payloadCrc;
  private boolean inUse;

  private CallResult() {}

  /** This thread's result, cleared, or a new one when it is in use; give it back with release. */
  static CallResult acquire(boolean describe) {
    CallResult res = SCRATCH.get();
    if (res.inUse) {
      res = new CallResult();
    }
    res.inUse = true;
    res.describe = describe;
    res.note = null;
    res.delay = Duration.ZERO;
    res.payloadLength = 0;
    res.payloadCrc = 0;
    return res;
  }

  /** Ends the use of a result from {@link #acquire}. */
  void release() {
    inUse = false;
  }

  /** Whether this is the calling thread's reused result (for the tests). */
  static boolean isThreadScratch(CallResult res) {
    return SCRATCH.get() == res;
  }

  /** Answers with {@code registers}. */
  CallResult answer(Registers registers) {
    answer.load(registers);
    return this;
  }

  /** Answers with the registers as loaded, to be changed. */
  MutableRegisters answerLoaded(MutableRegisters loaded) {
    return answer.load(loaded);
  }

  /** Notes {@code prefix} and {@code what} when the log keeps it. */
  CallResult note(String prefix, String what) {
    if (describe) {
      note = prefix + what;
    }
    return this;
  }

  /**
   * Answers with {@code registers}, noting {@code prefix} and {@code what} when the log keeps it.
   */
  void answer(Registers registers, String prefix, String what) {
    answer(registers).note(prefix, what);
  }

  /** The call-log words for a complete message: delivered, or refused and why. */
  static String delivered(String refused) {
    return refused == null ? "delivered" : "refused: " + refused;
  }
}
