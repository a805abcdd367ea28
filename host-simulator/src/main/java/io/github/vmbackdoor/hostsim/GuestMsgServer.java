package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.HB_CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAX_GUEST_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.NO_BACKDOOR;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CLOSED;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_DORECV;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_GUEST_MASK;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_HB;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_TIMEOUT;

import com.google.common.base.Ticker;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.MessageSubcommand;
import io.github.vmbackdoor.core.Registers;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The host side of the message (GuestMsg) layer, the mirror of core's {@code MessageChannel}: the
 * seven sub-calls of the MESSAGE command and the high-bandwidth transfers. It moves bytes in and
 * out of a channel's buffers and hands complete messages to the channel's {@link Endpoint.Session};
 * which protocol that session speaks it never asks. Faults are decided once per call by the {@link
 * FaultBook}. Guarded by the host's lock.
 */
final class GuestMsgServer {

  private static final byte[] EMPTY = new byte[0];

  private final ChannelTable table;
  private final Endpoint[] endpoints;
  private final FaultBook faults;
  private final Ticker ticker;
  private final Supplier<Duration> hostTime;
  private final boolean highBandwidth;
  private final boolean cookiesSupported;

  /** Wrong cookies of calls that come from no guest connection (the in-process transport). */
  private final CookieFailures inProcessCookieFailures;

  /** Checkpoints so far; an operation started in an older generation was cancelled by one. */
  private long checkpointGeneration;

  GuestMsgServer(
      ChannelTable table,
      List<Endpoint> endpoints,
      FaultBook faults,
      Ticker ticker,
      Supplier<Duration> hostTime,
      boolean highBandwidth,
      boolean cookiesSupported,
      Consumer<String> warnings) {
    this.table = table;
    this.endpoints = endpoints.toArray(new Endpoint[0]);
    this.faults = faults;
    this.ticker = ticker;
    this.hostTime = hostTime;
    this.highBandwidth = highBandwidth;
    this.cookiesSupported = cookiesSupported;
    this.inProcessCookieFailures = new CookieFailures("in-process backdoor", warnings);
  }

  /** Where a wrong cookie of a call from {@code owner} (null: the in-process transport) counts. */
  private CookieFailures cookieFailures(ChannelOwner owner) {
    return owner == null ? inProcessCookieFailures : owner.cookieFailures;
  }

  /** The endpoint that speaks {@code protocol}, or null. */
  private Endpoint endpoint(int protocol) {
    for (Endpoint e : endpoints) {
      if (e.protocol() == protocol) {
        return e;
      }
    }
    return null;
  }

  /** A checkpoint: every operation in progress is cancelled (its next step answers CPT). */
  void checkpoint() {
    checkpointGeneration++;
  }

  long checkpoints() {
    return checkpointGeneration;
  }

  boolean offersHighBandwidth() {
    return highBandwidth;
  }

  /**
   * Opens a channel from the host side (another guest process the host plays), with its session;
   * null when the table is full or no endpoint speaks the protocol.
   */
  HostChannel open(int protocol, boolean withCookie) {
    Endpoint endpoint = endpoint(protocol);
    HostChannel ch = endpoint == null ? null : table.allocate(protocol, withCookie);
    if (ch != null) {
      ch.session = endpoint.open(ch);
    }
    return ch;
  }

  private static Registers lb(Registers r, int status) {
    return r.withEcx(status << 16);
  }

  private static int closedStatus(HostChannel ch) {
    return STATUS_CLOSED | (ch.state == ChannelInfo.State.TIMED_OUT ? STATUS_TIMEOUT : 0);
  }

  // ---- the MESSAGE command ----

  /** One MESSAGE call on the command port; {@code owner} is the calling connection, or null. */
  void message(Registers r, CallResult res, ChannelOwner owner) {
    MessageSubcommand sub = MessageSubcommand.of(r.ecxHigh()).orElse(null);
    if (sub == null) {
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = MessageSubcommand.nameOf(r.ecxHigh()) + " unknown sub-command";
      }
      return;
    }
    if (sub == MessageSubcommand.OPEN) {
      open(r, res, owner);
      return;
    }
    int id = r.edxHigh();
    HostChannel ch = table.lookup(id, r.esi(), r.edi(), cookieFailures(owner));
    String prefix = res.describe ? sub.name() + " ch " + id + ": " : "";
    if (ch == null) {
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = prefix + table.missReason(id);
      }
      return;
    }
    table.checkIdle(ch);
    FaultDecision fault = faults.decide(ch.protocol, id, sub.step(), hostTime.get(), ch, table);
    res.delay = fault.delay();
    if (fault.refused()) {
      res.answer = lb(r, fault.status());
      if (res.describe) {
        res.note = prefix + fault.what() + fault.note();
      }
      return;
    }
    if (sub == MessageSubcommand.CLOSE) {
      table.release(ch);
      res.answer = lb(r, STATUS_SUCCESS);
      if (res.describe) {
        res.note = prefix + "closed" + fault.note();
      }
      return;
    }
    if (!ch.isOpen()) {
      res.answer = lb(r, closedStatus(ch));
      if (res.describe) {
        res.note = prefix + "channel closed by host" + fault.note();
      }
      return;
    }
    ch.lastActivityNanos = ticker.read();
    switch (sub) {
      case SENDSIZE -> sendSize(ch, r, res, prefix);
      case SENDPAYLOAD -> sendPayload(ch, r, res, prefix, fault.corrupt());
      case RECVSIZE -> receiveSize(ch, r, res, prefix);
      case RECVPAYLOAD -> receivePayload(ch, r, res, prefix, fault.corrupt());
      case RECVSTATUS -> receiveStatus(ch, r, res, prefix);
      case OPEN, CLOSE -> throw new AssertionError(sub);
    }
    if (fault.cancelAfter() && ch.operation != ChannelInfo.Operation.IDLE) {
      ch.operationGeneration = checkpointGeneration - 1;
    }
    if (res.describe) {
      res.note += fault.note();
    }
  }

  private void open(Registers r, CallResult res, ChannelOwner owner) {
    boolean withCookie = (r.ebx() & FLAG_COOKIE) != 0;
    int protocol = r.ebx() & ~FLAG_COOKIE;
    String prefix =
        res.describe
            ? "OPEN "
                + BackdoorProtocol.protocolName(protocol)
                + (withCookie ? " cookie" : "")
                + ": "
            : "";
    FaultDecision fault = faults.decide(protocol, -1, Step.OPEN, hostTime.get(), null, table);
    res.delay = fault.delay();
    if (fault.refused()) {
      res.answer = lb(r, fault.status());
      if (res.describe) {
        res.note = prefix + "refused" + fault.note();
      }
      return;
    }
    if (endpoint(protocol) == null) {
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = prefix + "unknown protocol";
      }
      return;
    }
    if (withCookie && !cookiesSupported) {
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = prefix + "cookies not supported";
      }
      return;
    }
    table.expireIdle();
    if (owner != null && table.openOwnedBy(owner) >= owner.policy.channelLimit()) {
      owner.refused(ticker.read(), owner.policy.channelLimit());
      res.answer = lb(r, 0);
      res.note =
          prefix + owner + " holds its limit of " + owner.policy.channelLimit() + " channels";
      return;
    }
    HostChannel ch = open(protocol, withCookie);
    if (ch == null) {
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = prefix + "channel table full";
      }
      return;
    }
    ch.owner = owner;
    res.answer =
        r.toBuilder()
            .ecx(STATUS_SUCCESS << 16)
            .edx(ch.id << 16)
            .esi(ch.cookieHigh)
            .edi(ch.cookieLow)
            .build();
    if (res.describe) {
      res.note = prefix + "channel " + ch.id;
    }
  }

  // ---- send ----

  private void sendSize(HostChannel ch, Registers r, CallResult res, String prefix) {
    if (ch.operation == ChannelInfo.Operation.SENDING) {
      ch.abandonOperation();
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = prefix + "out of order: message in progress discarded";
      }
      return;
    }
    long length = r.ebx() & 0xFFFFFFFFL;
    if (length > MAX_GUEST_MESSAGE) {
      ch.abandonOperation();
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = prefix + length + " bytes: over the limit of " + MAX_GUEST_MESSAGE;
      }
      return;
    }
    String refusal = ch.session.refuseSend(length);
    if (refusal != null) {
      ch.abandonOperation();
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = prefix + length + " bytes: " + refusal;
      }
      return;
    }
    // A send ends any receive in progress; the message being received stays available.
    ch.abandonOperation();
    int hb = highBandwidth ? STATUS_HB : 0;
    res.answer = lb(r, STATUS_SUCCESS | hb);
    if (length == 0) {
      if (res.describe) {
        res.note = prefix + "0 bytes, delivered";
      }
      ch.session.message(EMPTY);
      return;
    }
    ch.operation = ChannelInfo.Operation.SENDING;
    ch.operationGeneration = checkpointGeneration;
    ch.sendBuffer = new byte[(int) length];
    ch.sendOffset = 0;
    if (res.describe) {
      res.note = prefix + length + " bytes announced";
    }
  }

  /** Answers CPT (and abandons the operation) when a checkpoint came since it started. */
  private boolean cancelledByCheckpoint(HostChannel ch) {
    if (ch.operation != ChannelInfo.Operation.IDLE
        && ch.operationGeneration != checkpointGeneration) {
      ch.abandonOperation();
      return true;
    }
    return false;
  }

  private void sendPayload(
      HostChannel ch, Registers r, CallResult res, String prefix, boolean corrupt) {
    if (cancelledByCheckpoint(ch)) {
      res.answer = lb(r, STATUS_CPT);
      if (res.describe) {
        res.note = prefix + "checkpoint: send cancelled";
      }
      return;
    }
    if (ch.operation != ChannelInfo.Operation.SENDING) {
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = prefix + "out of order: no send in progress";
      }
      return;
    }
    ch.putPiece(corrupt ? r.ebx() ^ 0xFF : r.ebx());
    res.answer = lb(r, STATUS_SUCCESS);
    if (ch.sendOffset == ch.sendBuffer.length) {
      byte[] message = ch.sendBuffer;
      ch.abandonOperation();
      if (res.describe) {
        res.note = prefix + "piece, message of " + message.length + " bytes delivered";
      }
      ch.session.message(message);
    } else {
      if (res.describe) {
        res.note = prefix + "piece " + ch.sendOffset + "/" + ch.sendBuffer.length;
      }
    }
  }

  // ---- receive ----

  private void receiveSize(HostChannel ch, Registers r, CallResult res, String prefix) {
    if (ch.operation == ChannelInfo.Operation.SENDING) {
      ch.abandonOperation();
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = prefix + "out of order: message in progress discarded";
      }
      return;
    }
    ch.abandonOperation();
    int hb = highBandwidth ? STATUS_HB : 0;
    Endpoint.Offer offer = ch.session.offer();
    if (offer == null) {
      res.answer = lb(r, STATUS_SUCCESS | hb);
      if (res.describe) {
        res.note = prefix + "nothing to receive";
      }
      return;
    }
    byte[] message = offer.bytes();
    ch.operation =
        message.length == 0 ? ChannelInfo.Operation.RECEIVED : ChannelInfo.Operation.RECEIVING;
    ch.operationGeneration = checkpointGeneration;
    ch.receiveBuffer = message;
    ch.receiveOffset = 0;
    res.answer =
        r.toBuilder()
            .ecx((STATUS_SUCCESS | STATUS_DORECV | hb) << 16)
            .edx(Registers.words(MESSAGE_SENDSIZE, 0))
            .ebx(message.length)
            .build();
    res.note =
        prefix
            + message.length
            + " bytes to receive"
            + (offer.label() != null ? " (" + offer.label() + ")" : "");
  }

  private void receivePayload(
      HostChannel ch, Registers r, CallResult res, String prefix, boolean corrupt) {
    if (cancelledByCheckpoint(ch)) {
      res.answer = lb(r, STATUS_CPT);
      if (res.describe) {
        res.note = prefix + "checkpoint: receive cancelled";
      }
      return;
    }
    boolean receiving =
        ch.operation == ChannelInfo.Operation.RECEIVING
            || ch.operation == ChannelInfo.Operation.RECEIVED;
    if (!receiving) {
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = prefix + "out of order: no receive in progress";
      }
      return;
    }
    if ((r.ebx() & STATUS_GUEST_MASK) == 0) {
      ch.abandonOperation();
      res.answer = lb(r, STATUS_SUCCESS);
      if (res.describe) {
        res.note = prefix + "guest reports receive failed; message kept";
      }
      return;
    }
    if (ch.operation != ChannelInfo.Operation.RECEIVING) {
      res.answer = lb(r, 0);
      if (res.describe) {
        res.note = prefix + "out of order: payload all fetched";
      }
      return;
    }
    int word = corrupt ? ch.takePiece() ^ 0xFF : ch.takePiece();
    res.answer =
        r.toBuilder()
            .ecx(STATUS_SUCCESS << 16)
            .edx(Registers.words(MESSAGE_SENDPAYLOAD, 0))
            .ebx(word)
            .build();
    if (res.describe) {
      res.note = prefix + "piece " + ch.receiveOffset + "/" + ch.receiveBuffer.length;
    }
  }

  private void receiveStatus(HostChannel ch, Registers r, CallResult res, String prefix) {
    if (cancelledByCheckpoint(ch)) {
      res.answer = lb(r, STATUS_CPT);
      if (res.describe) {
        res.note = prefix + "checkpoint: receive cancelled";
      }
      return;
    }
    boolean success = (r.ebx() & STATUS_GUEST_MASK) != 0;
    if (ch.operation == ChannelInfo.Operation.RECEIVING && !success) {
      ch.abandonOperation();
      res.answer = lb(r, STATUS_SUCCESS);
      if (res.describe) {
        res.note = prefix + "guest reports receive failed; message kept";
      }
      return;
    }
    if (ch.operation != ChannelInfo.Operation.RECEIVED) {
      res.answer = lb(r, 0);
      res.note =
          prefix
              + "out of order: "
              + (ch.operation == ChannelInfo.Operation.RECEIVING
                  ? "payload not all fetched"
                  : "no receive in progress");
      return;
    }
    int length = ch.receiveBuffer.length;
    ch.abandonOperation();
    res.answer = lb(r, STATUS_SUCCESS);
    if (!success) {
      if (res.describe) {
        res.note = prefix + "guest reports receive failed; message kept";
      }
      return;
    }
    if (res.describe) {
      res.note = prefix + "message of " + length + " bytes received";
    }
    ch.session.received();
  }

  // ---- the high-bandwidth port ----

  private static Registers hb(Registers r, int status) {
    return r.withEbx(status << 16);
  }

  /**
   * One HB transfer: {@code rep outsb} ({@code out}) or {@code rep insb} of {@code bytes}; {@code
   * owner} is the calling connection, or null.
   */
  void highBandwidth(Registers r, byte[] bytes, boolean out, CallResult res, ChannelOwner owner) {
    String prefix = res.describe ? (out ? "HB out" : "HB in") + " ch " + r.edxHigh() + ": " : "";
    if (r.eax() != MAGIC) {
      res.answer = hb(r, 0).withEax(NO_BACKDOOR);
      if (res.describe) {
        res.note = prefix + "wrong magic";
      }
      return;
    }
    if (r.ebxLow() != HB_CMD_MESSAGE) {
      res.answer = hb(r, 0);
      if (res.describe) {
        res.note = prefix + "unknown HB command " + r.ebxLow();
      }
      return;
    }
    int id = r.edxHigh();
    // outs: edi = low cookie, ebp = high; ins: esi = high, ebp = low.
    CookieFailures failures = cookieFailures(owner);
    HostChannel ch =
        out
            ? table.lookup(id, r.ebp(), r.edi(), failures)
            : table.lookup(id, r.esi(), r.ebp(), failures);
    if (ch == null) {
      res.answer = hb(r, 0);
      if (res.describe) {
        res.note = prefix + table.missReason(id);
      }
      return;
    }
    table.checkIdle(ch);
    Step step = out ? Step.SEND_HB : Step.RECV_HB;
    FaultDecision fault = faults.decide(ch.protocol, id, step, hostTime.get(), ch, table);
    res.delay = fault.delay();
    if (fault.refused()) {
      res.answer = hb(r, fault.status());
      if (res.describe) {
        res.note = prefix + fault.what() + fault.note();
      }
      return;
    }
    if (!ch.isOpen()) {
      res.answer = hb(r, closedStatus(ch));
      if (res.describe) {
        res.note = prefix + "channel closed by host" + fault.note();
      }
      return;
    }
    ch.lastActivityNanos = ticker.read();
    if (cancelledByCheckpoint(ch)) {
      res.answer = hb(r, STATUS_CPT);
      if (res.describe) {
        res.note = prefix + "checkpoint: " + (out ? "send" : "receive") + " cancelled";
      }
    } else if (!highBandwidth) {
      res.answer = hb(r, 0);
      if (res.describe) {
        res.note = prefix + "high-bandwidth port not offered";
      }
    } else if (out) {
      hbOut(ch, r, bytes, res, prefix, fault.corrupt());
    } else {
      hbIn(ch, r, bytes, res, prefix, fault.corrupt());
    }
    if (res.describe) {
      res.note += fault.note();
    }
  }

  private void hbOut(
      HostChannel ch, Registers r, byte[] bytes, CallResult res, String prefix, boolean corrupt) {
    if (ch.operation != ChannelInfo.Operation.SENDING
        || ch.sendOffset != 0
        || bytes.length != ch.sendBuffer.length) {
      res.answer = hb(r, 0);
      res.note =
          prefix
              + "out of order: "
              + (ch.operation == ChannelInfo.Operation.SENDING
                  ? bytes.length
                      + " bytes where "
                      + (ch.sendBuffer.length - ch.sendOffset)
                      + " of "
                      + ch.sendBuffer.length
                      + " are due"
                  : "no send in progress");
      return;
    }
    byte[] message = bytes.clone();
    if (corrupt && message.length > 0) {
      message[0] ^= (byte) 0xFF;
    }
    ch.abandonOperation();
    res.answer = hb(r, STATUS_SUCCESS);
    if (res.describe) {
      res.note = prefix + "message of " + message.length + " bytes delivered";
    }
    ch.session.message(message);
  }

  private void hbIn(
      HostChannel ch, Registers r, byte[] bytes, CallResult res, String prefix, boolean corrupt) {
    // A shorter read is served: vmt caps what it reads at its buffer size (NetBSD 255 bytes)
    // and reads the rest of the message never; the message still counts as fetched.
    if (ch.operation != ChannelInfo.Operation.RECEIVING
        || ch.receiveOffset != 0
        || bytes.length == 0
        || bytes.length > ch.receiveBuffer.length) {
      res.answer = hb(r, 0);
      res.note =
          prefix
              + "out of order: "
              + (ch.operation == ChannelInfo.Operation.RECEIVING
                  ? bytes.length + " bytes asked, " + ch.receiveBuffer.length + " announced"
                  : "no receive in progress");
      return;
    }
    System.arraycopy(ch.receiveBuffer, 0, bytes, 0, bytes.length);
    if (corrupt) {
      bytes[0] ^= (byte) 0xFF;
    }
    ch.receiveOffset = bytes.length;
    ch.operation = ChannelInfo.Operation.RECEIVED;
    res.answer = hb(r, STATUS_SUCCESS);
    res.note =
        prefix
            + bytes.length
            + " bytes fetched"
            + (bytes.length < ch.receiveBuffer.length
                ? " (short read of " + ch.receiveBuffer.length + ")"
                : "");
  }
}
