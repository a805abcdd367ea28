package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.core.Registers;
import java.time.Duration;

/**
 * The outcome of one backdoor call: the answer registers, a note for the log, extra time. {@link
 * #answer} builds its note only when {@link #describe} is set (the call log keeps it); the message
 * server's refusals and the pieces of a message set {@link #note} directly and always build it.
 */
final class CallResult {
  final boolean describe;
  Registers answer;
  String note;
  Duration delay = Duration.ZERO;
  int payloadLength;
  long payloadCrc;

  CallResult(boolean describe) {
    this.describe = describe;
  }

  /**
   * Answers with {@code registers}, noting {@code prefix} and {@code what} when the log keeps it.
   */
  void answer(Registers registers, String prefix, String what) {
    answer = registers;
    if (describe) {
      note = prefix + what;
    }
  }
}
