package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_DORECV;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_GUEST_MASK;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_HB;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;

import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;

/**
 * The five MESSAGE sub-calls that move a message's bytes on the command port, once the message
 * server has found the channel open and the faults have let the call through: SENDSIZE and
 * SENDPAYLOAD in, RECVSIZE, RECVPAYLOAD and RECVSTATUS out. Stateless, as {@link HighBandwidthPort}
 * is: the channel holds the state, the server passes its policy and checkpoint generation, under
 * the host's lock.
 */
final class MessageTransfers {

  private static final byte[] EMPTY = new byte[0];

  private MessageTransfers() {}

  /**
   * Answers a command-port call loaded with {@code r}: {@code status} in ecx's high word (eax as
   * the host's refusal registers say when the status lacks SUCCESS).
   */
  static CallResult lb(HostPolicy policy, MutableRegisters r, int status, CallResult res) {
    res.answerLoaded(r).eax(policy.refusalRegisters().eax(r.eax(), status)).ecx(status << 16);
    return res;
  }

  // ---- send ----

  static void sendSize(
      HostPolicy policy, int generation, HostChannel ch, MutableRegisters r, CallResult res) {
    if (ch.operation() == ChannelInfo.Operation.SENDING) {
      ch.abandonOperation();
      lb(policy, r, 0, res).channelNote("out of order: message in progress discarded");
      return;
    }
    long length = r.ebx() & 0xFFFFFFFFL;
    if (length > policy.guestMessageLimit()) {
      ch.abandonOperation();
      lb(policy, r, 0, res);
      if (res.describe) {
        res.note =
            res.prefix() + length + " bytes: over the limit of " + policy.guestMessageLimit();
      }
      return;
    }
    String refusal = ch.refuseSend(length);
    if (refusal != null) {
      ch.abandonOperation();
      lb(policy, r, 0, res);
      if (res.describe) {
        res.note = res.prefix() + length + " bytes: " + refusal;
      }
      return;
    }
    // A send ends any receive in progress; the message being received stays available.
    ch.abandonOperation();
    int hb = policy.highBandwidth() ? STATUS_HB : 0;
    if (length == 0) {
      String refused = ch.message(EMPTY);
      lb(policy, r, refused == null ? STATUS_SUCCESS | hb : 0, res);
      if (res.describe) {
        res.note = res.prefix() + "0 bytes, " + CallResult.delivered(refused);
      }
      return;
    }
    lb(policy, r, STATUS_SUCCESS | hb, res);
    ch.operation(ChannelInfo.Operation.SENDING);
    ch.operationGeneration = generation;
    ch.buffer = new byte[(int) length];
    ch.offset = 0;
    res.noted(NoteForm.ANNOUNCED, length, 0);
  }

  static void sendPayload(
      HostPolicy policy,
      int generation,
      HostChannel ch,
      MutableRegisters r,
      CallResult res,
      boolean corrupt) {
    if (ch.cancelledSince(generation)) {
      lb(policy, r, STATUS_CPT, res).channelNote("checkpoint: send cancelled");
      return;
    }
    if (ch.operation() != ChannelInfo.Operation.SENDING) {
      lb(policy, r, 0, res).channelNote("out of order: no send in progress");
      return;
    }
    ch.putPiece(corrupt ? r.ebx() ^ 0xFF : r.ebx());
    lb(policy, r, STATUS_SUCCESS, res);
    if (ch.offset == ch.buffer.length) {
      byte[] message = ch.buffer;
      ch.abandonOperation();
      String refused = ch.message(message);
      if (refused != null) {
        lb(policy, r, 0, res);
      }
      if (refused == null) {
        res.noted(NoteForm.PIECE_DELIVERED, message.length, 0);
      } else if (res.describe) {
        res.note =
            res.prefix()
                + "piece, message of "
                + message.length
                + " bytes "
                + CallResult.delivered(refused);
      }
    } else {
      res.noted(NoteForm.PIECE, ch.offset, ch.buffer.length);
    }
  }

  // ---- receive ----

  static void receiveSize(
      HostPolicy policy, int generation, HostChannel ch, MutableRegisters r, CallResult res) {
    if (ch.operation() == ChannelInfo.Operation.SENDING) {
      ch.abandonOperation();
      lb(policy, r, 0, res).channelNote("out of order: message in progress discarded");
      return;
    }
    ch.abandonOperation();
    int hb = policy.highBandwidth() ? STATUS_HB : 0;
    ChannelSession.Offer offer = ch.offer();
    if (offer == null) {
      lb(policy, r, STATUS_SUCCESS | hb, res).channelNote("nothing to receive");
      return;
    }
    byte[] message = offer.bytes();
    ch.operation(
        message.length == 0 ? ChannelInfo.Operation.RECEIVED : ChannelInfo.Operation.RECEIVING);
    ch.operationGeneration = generation;
    ch.buffer = message;
    ch.offset = 0;
    res.answerLoaded(r)
        .ecx((STATUS_SUCCESS | STATUS_DORECV | hb) << 16)
        .edx(Registers.words(MESSAGE_SENDSIZE, 0))
        .ebx(message.length);
    if (offer.label() == null) {
      res.noted(NoteForm.TO_RECEIVE, message.length, 0);
    } else if (res.describe) {
      res.s1 = offer.label();
      res.noted(NoteForm.TO_RECEIVE_LABELLED, message.length, 0);
    }
  }

  static void receivePayload(
      HostPolicy policy,
      int generation,
      HostChannel ch,
      MutableRegisters r,
      CallResult res,
      boolean corrupt) {
    if (ch.cancelledSince(generation)) {
      lb(policy, r, STATUS_CPT, res).channelNote("checkpoint: receive cancelled");
      return;
    }
    boolean receiving =
        ch.operation() == ChannelInfo.Operation.RECEIVING
            || ch.operation() == ChannelInfo.Operation.RECEIVED;
    if (!receiving) {
      lb(policy, r, 0, res).channelNote("out of order: no receive in progress");
      return;
    }
    if ((r.ebx() & STATUS_GUEST_MASK) == 0) {
      ch.abandonOperation();
      lb(policy, r, STATUS_SUCCESS, res).channelNote("guest reports receive failed; message kept");
      return;
    }
    if (ch.operation() != ChannelInfo.Operation.RECEIVING) {
      lb(policy, r, 0, res).channelNote("out of order: payload all fetched");
      return;
    }
    int word = corrupt ? ch.takePiece() ^ 0xFF : ch.takePiece();
    res.answerLoaded(r)
        .ecx(STATUS_SUCCESS << 16)
        .edx(Registers.words(MESSAGE_SENDPAYLOAD, 0))
        .ebx(word);
    res.noted(NoteForm.PIECE, ch.offset, ch.buffer.length);
  }

  static void receiveStatus(
      HostPolicy policy, int generation, HostChannel ch, MutableRegisters r, CallResult res) {
    if (ch.cancelledSince(generation)) {
      lb(policy, r, STATUS_CPT, res).channelNote("checkpoint: receive cancelled");
      return;
    }
    boolean success = (r.ebx() & STATUS_GUEST_MASK) != 0;
    if (ch.operation() == ChannelInfo.Operation.RECEIVING && !success) {
      ch.abandonOperation();
      lb(policy, r, STATUS_SUCCESS, res).channelNote("guest reports receive failed; message kept");
      return;
    }
    if (ch.operation() != ChannelInfo.Operation.RECEIVED) {
      lb(policy, r, 0, res);
      res.note =
          res.prefix()
              + "out of order: "
              + (ch.operation() == ChannelInfo.Operation.RECEIVING
                  ? "payload not all fetched"
                  : "no receive in progress");
      return;
    }
    int length = ch.buffer.length;
    ch.abandonOperation();
    lb(policy, r, STATUS_SUCCESS, res);
    if (!success) {
      if (res.describe) {
        res.note = res.prefix() + "guest reports receive failed; message kept";
      }
      return;
    }
    res.noted(NoteForm.RECEIVED, length, 0);
    ch.received();
  }
}
