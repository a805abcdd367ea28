package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.COMMAND_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.HB_CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.HB_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_CLOSE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSTATUS;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_DORECV;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static io.github.vmbackdoor.core.BackdoorProtocol.messageEcx;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.Registers;
import java.nio.charset.StandardCharsets;

/**
 * One vmt(4) channel ({@code struct vm_rpc}: channel, cookie1, cookie2) and vmt's own message calls
 * on it, as vmt.c implements them, with their strictness and their gaps:
 *
 * <ul>
 *   <li>open asks with the cookie flag only (no fallback) and succeeds only when the status word is
 *       exactly 1 (SUCCESS and nothing else) and edx's low word is 0;
 *   <li>close zeroes the channel only when the host accepted (status non-zero, ecx low word 0); a
 *       refused close leaves the old channel and cookies in place;
 *   <li>send announces the length and then always uses the high-bandwidth port, whether the host
 *       offered it or not; success means ebx comes back exactly 0x00010000; no checkpoint retry;
 *   <li>get_data reads over the high-bandwidth port, then acknowledges with RECVSTATUS carrying the
 *       data id in ebx; on failure the host is not told.
 * </ul>
 *
 * Every failure prints the {@code vmware: ...} line vmt prints and returns false.
 */
final class VmtRpc {

  /** ebx of vmt's high-bandwidth calls and what it must be afterwards: SUCCESS over command 0. */
  static final int ENH_DATA = Registers.words(STATUS_SUCCESS, HB_CMD_MESSAGE);

  private final Backdoor backdoor;
  private final MachineLog log;

  int channel;
  int cookie1;
  int cookie2;

  /** Set by {@link #getLength()}: the announced length (0 when the host has nothing). */
  int length;

  /** Set by {@link #getLength()}: edx high word of the answer, acknowledged by GET_END. */
  int dataId;

  VmtRpc(Backdoor backdoor, MachineLog log) {
    this.backdoor = backdoor;
    this.log = log;
  }

  /** channel, cookie1 and cookie2 all zero: what vmt's reopen test looks for. */
  boolean isZero() {
    return channel == 0 && cookie1 == 0 && cookie2 == 0;
  }

  void zero() {
    channel = 0;
    cookie1 = 0;
    cookie2 = 0;
  }

  boolean open(int protocol) {
    Registers out =
        backdoor.in(
            Registers.of(
                MAGIC, protocol | FLAG_COOKIE, messageEcx(MESSAGE_OPEN), COMMAND_PORT, 0, 0));
    if (out.ecxHigh() != 1 || out.edxLow() != 0) {
      log.failed(Step.OPEN, out);
      return false;
    }
    channel = out.edxHigh();
    cookie1 = out.esi();
    cookie2 = out.edi();
    return true;
  }

  boolean close() {
    Registers out = call(MESSAGE_CLOSE, 0);
    if (out.ecxHigh() == 0 || out.ecxLow() != 0) {
      log.failed(Step.CLOSE, out);
      return false;
    }
    zero();
    return true;
  }

  boolean send(byte[] buf) {
    Registers size = call(MESSAGE_SENDSIZE, buf.length);
    if ((size.ecxHigh() & STATUS_SUCCESS) == 0) {
      log.failed(Step.SENDSIZE, size);
      return false;
    }
    if (buf.length == 0) {
      return true;
    }
    Registers out =
        backdoor.outs(
            Registers.of(
                MAGIC,
                ENH_DATA,
                buf.length,
                Registers.words(channel, HB_PORT),
                0,
                cookie2,
                cookie1),
            buf);
    if (out.ebx() != ENH_DATA) {
      log.failed(Step.SEND_HB, out);
      return false;
    }
    return true;
  }

  /** vm_rpc_send_str: the string's bytes, without a NUL. */
  boolean sendString(String text) {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  boolean getLength() {
    Registers out = call(MESSAGE_RECVSIZE, 0);
    if ((out.ecxHigh() & STATUS_SUCCESS) == 0) {
      log.failed(Step.RECVSIZE, out);
      return false;
    }
    if ((out.ecxHigh() & STATUS_DORECV) == 0) {
      length = 0;
      dataId = 0;
    } else {
      length = out.ebx();
      dataId = out.edxHigh();
    }
    return true;
  }

  /**
   * Reads the message {@link #getLength()} announced, cut to one byte less than the flavor's buffer
   * as vmt cuts it, and acknowledges it; null on failure.
   */
  byte[] getData(VmtFlavor flavor) {
    int max = flavor.bufferLength() - 1;
    return getData(Integer.compareUnsigned(length, max) > 0 ? max : length, dataId);
  }

  /** Reads {@code length} bytes and acknowledges them; null on failure. */
  private byte[] getData(int length, int dataId) {
    byte[] data = new byte[length];
    Registers out =
        backdoor.ins(
            Registers.of(
                MAGIC, ENH_DATA, length, Registers.words(channel, HB_PORT), cookie1, 0, cookie2),
            data);
    if (out.ebx() != ENH_DATA) {
      log.failed(Step.RECV_HB, out);
      return null;
    }
    Registers ack = call(MESSAGE_RECVSTATUS, dataId);
    if (ack.ecxHigh() == 0) {
      log.failed(Step.RECVSTATUS, ack);
      return null;
    }
    return data;
  }

  private Registers call(int subCommand, int ebx) {
    return backdoor.in(
        Registers.of(
            MAGIC,
            ebx,
            messageEcx(subCommand),
            Registers.words(channel, COMMAND_PORT),
            cookie1,
            cookie2));
  }

  /** The received bytes as vmt's C string: up to the first NUL. */
  static String cString(byte[] data) {
    int end = 0;
    while (end < data.length && data[end] != 0) {
      end++;
    }
    return new String(data, 0, end, StandardCharsets.ISO_8859_1);
  }
}
