package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.internal.VmName;

/**
 * Constants of the simulator's wire protocol, version 1 ({@code docs/wire-protocol.md}).
 *
 * <p>Every frame is a 4-byte big-endian length (counting the bytes after it), a 1-byte frame type
 * and a body whose layout the type fixes. All multi-byte integers are big-endian.
 */
final class WireProtocol {

  private WireProtocol() {}

  /** The bytes "VMBD" at the start of the client's HELLO body. */
  static final int MAGIC = 0x564D4244;

  /** The only protocol version this implementation speaks. */
  static final int VERSION = 1;

  // ---- frame types, client to server ----

  /** HELLO: magic, version, VM name. */
  static final int HELLO = 0x01;

  /** A command-port call. */
  static final int IN = 0x02;

  /** A high-bandwidth guest-to-host transfer, with its bytes. */
  static final int OUTS = 0x03;

  /** A high-bandwidth host-to-guest transfer. */
  static final int INS = 0x04;

  /** SHM_OFFER: a shared-memory region for the connection's calls (section 12). */
  static final int SHM_OFFER = 0x05;

  /** DOORBELL: the client wrote a call into the shared region and the server's poller sleeps. */
  static final int DOORBELL = 0x06;

  // ---- frame types, server to client ----

  /** HELLO_OK: the server's version and its transfer limit. */
  static final int HELLO_OK = 0x81;

  /** The registers after an {@link #IN}. */
  static final int IN_RESPONSE = 0x82;

  /** The registers after an {@link #OUTS}. */
  static final int OUTS_RESPONSE = 0x83;

  /** The registers and the bytes after an {@link #INS}. */
  static final int INS_RESPONSE = 0x84;

  /** SHM_OK: the offered region is mapped; from now on the calls go through it. */
  static final int SHM_OK = 0x85;

  /** SERVER_DOORBELL: the server wrote an answer into the shared region and the client sleeps. */
  static final int SERVER_DOORBELL = 0x86;

  /** SHM_REFUSED: the offered region is not used (the text says why); calls stay on TCP. */
  static final int SHM_REFUSED = 0x87;

  /** ERROR: code and text; the server closes the connection after it. */
  static final int ERROR = 0xFF;

  // ---- sizes and limits ----

  /** Bytes of the length prefix. */
  static final int LENGTH_PREFIX = 4;

  /** Bytes of the seven registers, eax to ebp, four bytes each. */
  static final int REGISTERS_LENGTH = 28;

  /**
   * Frame length (type, sequence number, registers) of every request and response before its bytes.
   */
  static final int OPERATION_LENGTH = 1 + 4 + REGISTERS_LENGTH;

  /** Frame length of HELLO before the name: type, magic, version, name length. */
  static final int HELLO_FIXED_LENGTH = 1 + 4 + 2 + 2;

  /** Frame length of HELLO_OK: type, version, transfer limit. */
  static final int HELLO_OK_LENGTH = 1 + 2 + 4;

  /** Frame length of ERROR before its text: type, code. */
  static final int ERROR_FIXED_LENGTH = 1 + 2;

  /**
   * The most bytes one {@code outs} or {@code ins} moves: the 64 KiB guest message limit plus 4 KiB
   * of slack for host replies that wrap a 64 KiB value ("1 " and the value).
   */
  static final int MAX_TRANSFER = 65536 + 4096;

  /**
   * The largest value the length prefix may hold: an OUTS or INS_RESPONSE at the transfer limit.
   */
  static final int MAX_FRAME_LENGTH = OPERATION_LENGTH + MAX_TRANSFER;

  /** The longest VM name, in UTF-8 bytes. */
  static final int MAX_VM_NAME = VmName.MAX_BYTES;

  /** The longest error text, in UTF-8 bytes. */
  static final int MAX_ERROR_TEXT = 1024;

  /**
   * The answer of an IN as the wire carries it: a SENDSIZE or RECVSIZE answer that offers the
   * high-bandwidth port for a message longer than {@link #MAX_TRANSFER} loses its HB bit, so that a
   * guest that follows the bit (as open-vm-tools does) moves the message in 4-byte pieces
   * (SENDPAYLOAD, RECVPAYLOAD) instead of in an OUTS or INS no frame can carry. A SENDSIZE's length
   * is the one the guest announced (ebx of the request), a RECVSIZE's the one the host announces
   * (ebx of the answer). Every other answer is left as it is. The request's ecx and ebx are given
   * as the guest loaded them; the answer is changed in its holder.
   */
  static void carriable(int requestEcx, int requestEbx, MutableRegisters answer) {
    int hb = BackdoorProtocol.STATUS_HB << 16;
    if ((answer.ecx() & hb) == 0 || (requestEcx & 0xFFFF) != BackdoorProtocol.CMD_MESSAGE) {
      return;
    }
    int length =
        switch (requestEcx >>> 16) {
          case BackdoorProtocol.MESSAGE_SENDSIZE -> requestEbx;
          case BackdoorProtocol.MESSAGE_RECVSIZE -> answer.ebx();
          default -> 0;
        };
    if (Integer.toUnsignedLong(length) > MAX_TRANSFER) {
      answer.ecx(answer.ecx() & ~hb);
    }
  }

  /** The frame type's name as the protocol spells it. */
  static String typeName(int type) {
    switch (type) {
      case HELLO:
        return "HELLO";
      case IN:
        return "IN";
      case OUTS:
        return "OUTS";
      case INS:
        return "INS";
      case HELLO_OK:
        return "HELLO_OK";
      case IN_RESPONSE:
        return "IN_RESPONSE";
      case OUTS_RESPONSE:
        return "OUTS_RESPONSE";
      case INS_RESPONSE:
        return "INS_RESPONSE";
      case SHM_OFFER:
        return "SHM_OFFER";
      case DOORBELL:
        return "DOORBELL";
      case SHM_OK:
        return "SHM_OK";
      case SERVER_DOORBELL:
        return "SERVER_DOORBELL";
      case SHM_REFUSED:
        return "SHM_REFUSED";
      case ERROR:
        return "ERROR";
      default:
        return String.format("0x%02x", type);
    }
  }

  /** The request frame type of a backdoor operation. */
  static int requestType(TraceCall.Operation operation) {
    return switch (operation) {
      case IN -> IN;
      case OUTS -> OUTS;
      case INS -> INS;
    };
  }

  /** The response frame type of a backdoor operation. */
  static int responseType(TraceCall.Operation operation) {
    return switch (operation) {
      case IN -> IN_RESPONSE;
      case OUTS -> OUTS_RESPONSE;
      case INS -> INS_RESPONSE;
    };
  }
}
