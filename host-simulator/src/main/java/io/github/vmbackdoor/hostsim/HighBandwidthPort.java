package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.HB_CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.NO_BACKDOOR;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;

import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;

/**
 * The high-bandwidth port (0x5659) of a host's message server: one {@code rep outsb} moves a whole
 * message announced by SENDSIZE, one {@code rep insb} fetches a whole message announced by
 * RECVSIZE. Stateless: the channel and the server hold the state, under the host's lock.
 */
final class HighBandwidthPort {

  private HighBandwidthPort() {}

  /** What a transfer needs of the host's message server, under the host's lock. */
  interface MessageServer {
    /** The host's channel table. */
    ChannelTable table();

    /** The open channel {@code id} with these cookies for {@code owner}, or null. */
    HostChannel lookup(int id, int cookieHigh, int cookieLow, ChannelOwner owner);

    /** The installed faults' decision for this call. */
    FaultDecision decide(int protocol, int channelId, Step step, HostChannel channel);

    /** The host's time. */
    HostUptime time();

    /** Whether a checkpoint cancelled the transfer in progress on {@code ch}. */
    boolean cancelledByCheckpoint(HostChannel ch);

    /** Whether the host offers the high-bandwidth port at all. */
    boolean offersHighBandwidth();
  }

  /** Answers with the registers as loaded and {@code status} in ebx's high word. */
  private static CallResult hb(MutableRegisters r, int status, CallResult res) {
    res.answerLoaded(r).ebx(status << 16);
    return res;
  }

  /**
   * One HB transfer on {@code server}'s host: {@code rep outsb} ({@code out}) or {@code rep insb}
   * of {@code bytes}; {@code owner} is the calling connection, or null.
   */
  static void transfer(
      MessageServer server,
      MutableRegisters r,
      byte[] bytes,
      boolean out,
      CallResult res,
      ChannelOwner owner) {
    ChannelTable table = server.table();
    res.channel(out ? "HB out" : "HB in", r.edxHigh());
    if (r.eax() != MAGIC) {
      hb(r, 0, res).channelNote("wrong magic").answer.eax(NO_BACKDOOR);
      return;
    }
    if (r.ebxLow() != HB_CMD_MESSAGE) {
      hb(r, 0, res);
      if (res.describe) {
        res.note = res.prefix() + "unknown HB command " + r.ebxLow();
      }
      return;
    }
    int id = r.edxHigh();
    // outs: edi = low cookie, ebp = high; ins: esi = high, ebp = low.
    HostChannel ch =
        out
            ? server.lookup(id, r.ebp(), r.edi(), owner)
            : server.lookup(id, r.esi(), r.ebp(), owner);
    if (ch == null) {
      hb(r, 0, res);
      if (res.describe) {
        res.note = res.prefix() + table.missReason(id);
      }
      return;
    }
    table.checkIdle(ch);
    Step step = out ? Step.SEND_HB : Step.RECV_HB;
    FaultDecision fault = server.decide(ch.protocol(), id, step, ch);
    res.delay = fault.delay();
    if (fault.refused()) {
      hb(r, fault.status(), res);
      if (res.describe) {
        res.note = res.prefix() + fault.what() + fault.note();
      }
      return;
    }
    if (!ch.isOpen()) {
      hb(r, ch.closedStatus(), res);
      if (res.describe) {
        res.note = res.prefix() + "channel closed by host" + fault.note();
      }
      return;
    }
    ch.lastActivityNanos = server.time().nanos();
    if (server.cancelledByCheckpoint(ch)) {
      hb(r, STATUS_CPT, res);
      if (res.describe) {
        res.note = res.prefix() + "checkpoint: " + (out ? "send" : "receive") + " cancelled";
      }
    } else if (!server.offersHighBandwidth()) {
      hb(r, 0, res).channelNote("high-bandwidth port not offered");
    } else if (out) {
      out(ch, r, bytes, res, fault.corrupt());
    } else {
      in(ch, r, bytes, res, fault.corrupt());
    }
    res.appendNote(fault.note());
  }

  private static void out(
      HostChannel ch, MutableRegisters r, byte[] bytes, CallResult res, boolean corrupt) {
    if (ch.operation() != ChannelInfo.Operation.SENDING
        || ch.offset != 0
        || bytes.length != ch.buffer.length) {
      hb(r, 0, res);
      res.note =
          res.prefix()
              + "out of order: "
              + (ch.operation() == ChannelInfo.Operation.SENDING
                  ? bytes.length
                      + " bytes where "
                      + (ch.buffer.length - ch.offset)
                      + " of "
                      + ch.buffer.length
                      + " are due"
                  : "no send in progress");
      return;
    }
    // Into the buffer SENDSIZE made for the message, as the low-bandwidth pieces go: the guest's
    // array stays the guest's, and the session takes the message as it takes one sent in pieces.
    byte[] message = ch.buffer;
    System.arraycopy(bytes, 0, message, 0, message.length);
    if (corrupt && message.length > 0) {
      message[0] ^= (byte) 0xFF;
    }
    ch.abandonOperation();
    String refused = ch.message(message);
    hb(r, refused == null ? STATUS_SUCCESS : 0, res);
    if (refused == null) {
      res.noted(NoteForm.DELIVERED, message.length, 0);
    } else if (res.describe) {
      res.note =
          res.prefix() + "message of " + message.length + " bytes " + CallResult.delivered(refused);
    }
  }

  private static void in(
      HostChannel ch, MutableRegisters r, byte[] bytes, CallResult res, boolean corrupt) {
    // A shorter read is served: vmt caps what it reads at its buffer size (NetBSD 255 bytes)
    // and reads the rest of the message never; the message still counts as fetched.
    if (ch.operation() != ChannelInfo.Operation.RECEIVING
        || ch.offset != 0
        || bytes.length == 0
        || bytes.length > ch.buffer.length) {
      hb(r, 0, res);
      res.note =
          res.prefix()
              + "out of order: "
              + (ch.operation() == ChannelInfo.Operation.RECEIVING
                  ? bytes.length + " bytes asked, " + ch.buffer.length + " announced"
                  : "no receive in progress");
      return;
    }
    System.arraycopy(ch.buffer, 0, bytes, 0, bytes.length);
    if (corrupt) {
      bytes[0] ^= (byte) 0xFF;
    }
    ch.offset = bytes.length;
    ch.operation(ChannelInfo.Operation.RECEIVED);
    hb(r, STATUS_SUCCESS, res);
    if (bytes.length < ch.buffer.length) {
      res.noted(NoteForm.FETCHED_SHORT, bytes.length, ch.buffer.length);
    } else {
      res.noted(NoteForm.FETCHED, bytes.length, 0);
    }
  }
}
