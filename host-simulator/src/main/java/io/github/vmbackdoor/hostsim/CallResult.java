package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.core.Registers;
import java.time.Duration;

/** The outcome of one backdoor call: the answer registers, a note for the log, extra time. */
final class CallResult {
  Registers answer;
  String note;
  Duration delay = Duration.ZERO;
  int payloadLength;
  long payloadCrc;
}
