package io.github.vmbackdoor.hostsim.internal;

import static io.github.vmbackdoor.core.BackdoorProtocol.CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CLOSED;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_DORECV;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_HB;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_POWEROFF;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_TIMEOUT;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_UNSENT;

import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageSubcommand;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import java.util.ArrayList;
import java.util.List;

/**
 * A backdoor call in the protocol's words, read from its registers alone: {@code OPEN TCLO cookie}
 * for the request, {@code → channel 1} or {@code → refused (checkpoint)} for the answer. For people
 * reading a replay's difference or a test's diagnosis instead of hex registers. Not API.
 */
public final class CallWords {

  private CallWords() {}

  /** The request: {@code OPEN TCLO cookie}, {@code SENDSIZE ch 1, 4 bytes}, {@code GETVERSION}. */
  public static String request(TraceCall.Operation op, Registers r) {
    switch (op) {
      case OUTS:
        return "HB send ch " + r.edxHigh() + ", " + Integer.toUnsignedString(r.ecx()) + " bytes";
      case INS:
        return "HB receive ch " + r.edxHigh() + ", " + Integer.toUnsignedString(r.ecx()) + " bytes";
      default:
        break;
    }
    int command = r.ecx() & 0xFFFF;
    if (command != CMD_MESSAGE) {
      return BackdoorCommand.of(command).map(Enum::name).orElse("command " + command);
    }
    int sub = r.ecxHigh();
    if (sub == MESSAGE_OPEN) {
      return "OPEN "
          + BackdoorProtocol.protocolName(r.ebx())
          + ((r.ebx() & FLAG_COOKIE) != 0 ? " cookie" : "");
    }
    String words = MessageSubcommand.nameOf(sub) + " ch " + r.edxHigh();
    if (sub == MESSAGE_SENDSIZE) {
      words += ", " + Integer.toUnsignedString(r.ebx()) + " bytes";
    }
    return words;
  }

  /** The answer to {@code request}: {@code → channel 1}, {@code → 12 bytes to receive}, ... */
  public static String answer(TraceCall.Operation op, Registers request, Registers answer) {
    if (op != TraceCall.Operation.IN) {
      return "→ " + status(answer.ebx() >>> 16, "ok");
    }
    int command = request.ecx() & 0xFFFF;
    if (command != CMD_MESSAGE) {
      return "→ eax " + Registers.hex(answer.eax()) + " ebx " + Registers.hex(answer.ebx());
    }
    int status = answer.ecxHigh();
    int sub = request.ecxHigh();
    if ((status & STATUS_SUCCESS) != 0 && sub == MESSAGE_OPEN) {
      return "→ channel " + answer.edxHigh();
    }
    if ((status & STATUS_SUCCESS) != 0 && sub == MESSAGE_RECVSIZE) {
      return (status & STATUS_DORECV) != 0
          ? "→ "
              + Integer.toUnsignedString(answer.ebx())
              + " bytes to receive"
              + ((status & STATUS_HB) != 0 ? " (HB)" : "")
          : "→ nothing to receive";
    }
    return "→ " + status(status, (status & STATUS_HB) != 0 ? "ok (HB)" : "ok");
  }

  /** A call in one phrase: {@code OPEN TCLO cookie → channel 1}. */
  public static String of(TraceCall.Operation op, Registers request, Registers answer) {
    return request(op, request) + " " + answer(op, request, answer);
  }

  private static String status(int status, String ok) {
    List<String> flags = new ArrayList<>();
    if ((status & STATUS_CPT) != 0) {
      flags.add("checkpoint");
    }
    if ((status & STATUS_CLOSED) != 0) {
      flags.add("closed");
    }
    if ((status & STATUS_TIMEOUT) != 0) {
      flags.add("timed out");
    }
    if ((status & STATUS_POWEROFF) != 0) {
      flags.add("power off");
    }
    if ((status & STATUS_UNSENT) != 0) {
      flags.add("unsent");
    }
    if ((status & STATUS_SUCCESS) != 0) {
      return flags.isEmpty() ? ok : ok + " (" + String.join(", ", flags) + ")";
    }
    return flags.isEmpty() ? "refused" : "refused (" + String.join(", ", flags) + ")";
  }
}
