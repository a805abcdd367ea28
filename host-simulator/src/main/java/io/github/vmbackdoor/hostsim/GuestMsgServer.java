package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_DORECV;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_GUEST_MASK;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_HB;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.MessageSubcommand;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import java.util.function.Consumer;

/**
 * The host side of the message (GuestMsg) layer, the mirror of core's {@code MessageChannel}: the
 * seven sub-calls of the MESSAGE command and the high-bandwidth transfers. It moves bytes in and
 * out of a channel's buffers and hands complete messages to the channel's {@link ChannelSession};
 * which protocol that session speaks it never asks. Faults are decided once per call by the {@link
 * FaultBook}. Guarded by the host's lock.
 */
final class GuestMsgServer implements HighBandwidthPort.MessageServer {

  private static final byte[] EMPTY = new byte[0];

  private final ChannelTable table;
  // The host's two endpoints as fields rather than a collection: an array would cost every host
  // an object.
  private final RpciEndpoint rpci;
  private final TcloEndpoint tclo;

  /**
   * The host's faults: the shared empty book until the first is installed. Volatile so that its hit
   * count is read without the host's lock ({@link HostRecords#faultHitCount()}).
   */
  private volatile FaultBook faults = FaultBook.NONE;

  private final Consumer<String> warnings;

  /**
   * Wrong cookies of calls that come from no guest connection (the in-process transport); made with
   * the first.
   */
  private CookieFailures inProcessCookieFailures;

  /**
   * Checkpoints so far, modulo 2^32; an operation started in an older generation was cancelled by
   * one (generations are compared for equality only).
   */
  private int checkpointGeneration;

  /** Every call the host answered (the call log keeps the newest of them, or none). */
  private long calls;

  /** Whether calls take no lock: the host is driven by one thread at a time. */
  private final boolean singleThreaded;

  /** Single-threaded: the thread whose call is inside the host, or null. */
  private Thread calling;

  GuestMsgServer(
      ChannelTable table,
      RpciEndpoint rpci,
      TcloEndpoint tclo,
      Consumer<String> warnings,
      boolean singleThreaded) {
    this.table = table;
    this.rpci = rpci;
    this.tclo = tclo;
    this.warnings = warnings;
    this.singleThreaded = singleThreaded;
  }

  /**
   * Whether the host is driven by one thread at a time, its calls taking no lock ({@link
   * VirtualHostBuilder#singleThreaded()}).
   */
  boolean singleThreaded() {
    return singleThreaded;
  }

  /**
   * A call enters a single-threaded host: refused when another thread's call is inside it.
   *
   * @return the thread that was inside before (this one for a nested call, else null), for {@link
   *     #leave}
   */
  Thread enter() {
    Thread me = Thread.currentThread();
    Thread inside = calling;
    if (inside != null && inside != me) {
      throw new IllegalStateException(
          "a single-threaded host was called on "
              + me.getName()
              + " while a call of "
              + inside.getName()
              + " is inside it");
    }
    calling = me;
    return inside;
  }

  /** A call leaves a single-threaded host; {@code before} is what {@link #enter} returned. */
  void leave(Thread before) {
    calling = before;
  }

  /** Where the host's warnings go. */
  Consumer<String> warnings() {
    return warnings;
  }

  /**
   * The channel addressed by id and cookies, or null; a wrong cookie on a taken slot counts against
   * {@code owner} (null: the in-process transport).
   */
  @Override
  public HostChannel lookup(int id, int cookieHigh, int cookieLow, ChannelOwner owner) {
    HostChannel ch = table.lookup(id, cookieHigh, cookieLow);
    if (ch == null && table.cookieMissed) {
      cookieFailures(owner).failed(id);
    }
    return ch;
  }

  /** Where a wrong cookie of a call from {@code owner} (null: the in-process transport) counts. */
  CookieFailures cookieFailures(ChannelOwner owner) {
    if (owner != null) {
      return owner.cookieFailures;
    }
    if (inProcessCookieFailures == null) {
      inProcessCookieFailures = new CookieFailures("in-process backdoor", warnings);
    }
    return inProcessCookieFailures;
  }

  /** The faults installed, and those that fired. */
  FaultBook faults() {
    return faults;
  }

  /** Installs a fault, making the host's fault book with the first. */
  void install(Fault fault) {
    if (faults == FaultBook.NONE) {
      faults = new FaultBook(table.seed());
    }
    faults.install(fault);
  }

  /** What the faults make of one call ({@code channel} is null at OPEN). */
  @Override
  public FaultDecision decide(int protocol, int channelId, Step step, HostChannel channel) {
    return faults == FaultBook.NONE
        ? FaultDecision.NONE
        : faults.decide(protocol, channelId, step, table.time().now(), channel, table);
  }

  /** The endpoint that speaks {@code protocol}, or null. */
  private Endpoint endpoint(int protocol) {
    return rpci.protocol() == protocol ? rpci : tclo.protocol() == protocol ? tclo : null;
  }

  /** A checkpoint: every operation in progress is cancelled (its next step answers CPT). */
  void checkpoint() {
    checkpointGeneration++;
  }

  /** Checkpoints so far (counted modulo 2^32). */
  long checkpoints() {
    return Integer.toUnsignedLong(checkpointGeneration);
  }

  /** Counts one call the host answered; returns its number, from 1. */
  long counted() {
    return ++calls;
  }

  /** Every call the host answered so far. */
  long calls() {
    return calls;
  }

  /** The host's policy (shared by a fleet): HB, cookies, the message limit, refusal registers. */
  private HostPolicy policy() {
    return table.policy();
  }

  boolean cookiesSupported() {
    return policy().cookies();
  }

  @Override
  public boolean offersHighBandwidth() {
    return policy().highBandwidth();
  }

  /**
   * Opens a channel from the host side (another guest process the host plays), with its session;
   * null when the table is full or no endpoint speaks the protocol.
   */
  HostChannel open(int protocol, boolean withCookie) {
    Endpoint endpoint = endpoint(protocol);
    return endpoint == null ? null : table.allocate(endpoint, withCookie);
  }

  /**
   * Answers a command-port call loaded with {@code r}: {@code status} in ecx's high word (eax as
   * the host's refusal registers say when the status lacks SUCCESS).
   */
  private CallResult lb(MutableRegisters r, int status, CallResult res) {
    res.answerLoaded(r).eax(policy().refusalRegisters().eax(r.eax(), status)).ecx(status << 16);
    return res;
  }

  // ---- the MESSAGE command ----

  /** One MESSAGE call on the command port; {@code owner} is the calling connection, or null. */
  void message(MutableRegisters r, CallResult res, ChannelOwner owner) {
    MessageSubcommand sub = MessageSubcommand.of(r.ecxHigh()).orElse(null);
    if (sub == null) {
      lb(r, 0, res);
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
    HostChannel ch = lookup(id, r.esi(), r.edi(), owner);
    String prefix = res.describe ? sub.name() + " ch " + id + ": " : "";
    if (ch == null) {
      lb(r, 0, res);
      if (res.describe) {
        res.note = prefix + table.missReason(id);
      }
      return;
    }
    table.checkIdle(ch);
    FaultDecision fault = decide(ch.protocol, id, sub.step(), ch);
    res.delay = fault.delay();
    if (fault.refused()) {
      lb(r, fault.status(), res);
      if (res.describe) {
        res.note = prefix + fault.what() + fault.note();
      }
      return;
    }
    if (sub == MessageSubcommand.CLOSE) {
      table.release(ch);
      lb(r, STATUS_SUCCESS, res);
      if (res.describe) {
        res.note = prefix + "closed" + fault.note();
      }
      return;
    }
    if (!ch.isOpen()) {
      lb(r, ch.closedStatus(), res);
      if (res.describe) {
        res.note = prefix + "channel closed by host" + fault.note();
      }
      return;
    }
    ch.lastActivityNanos = table.time().nanos();
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

  private void open(MutableRegisters r, CallResult res, ChannelOwner owner) {
    boolean withCookie = (r.ebx() & FLAG_COOKIE) != 0;
    int protocol = r.ebx() & ~FLAG_COOKIE;
    String prefix =
        res.describe
            ? "OPEN "
                + BackdoorProtocol.protocolName(protocol)
                + (withCookie ? " cookie" : "")
                + ": "
            : "";
    FaultDecision fault = decide(protocol, -1, Step.OPEN, null);
    res.delay = fault.delay();
    if (fault.refused()) {
      lb(r, fault.status(), res);
      if (res.describe) {
        res.note = prefix + "refused" + fault.note();
      }
      return;
    }
    if (endpoint(protocol) == null) {
      lb(r, 0, res).note(prefix, "unknown protocol");
      return;
    }
    if (withCookie && !policy().cookies()) {
      lb(r, 0, res).note(prefix, "cookies not supported");
      return;
    }
    table.expireIdle();
    if (owner != null && table.openOwnedBy(owner) >= owner.policy.channelLimit()) {
      owner.refused(table.time().nanos(), owner.policy.channelLimit());
      lb(r, 0, res);
      res.note =
          prefix + owner + " holds its limit of " + owner.policy.channelLimit() + " channels";
      return;
    }
    HostChannel ch = open(protocol, withCookie);
    if (ch == null) {
      if (owner != null) {
        owner.refusedTableFull(table.time().nanos(), table.size());
      }
      lb(r, 0, res).note(prefix, "channel table full");
      return;
    }
    ch.owner = owner;
    res.answerLoaded(r)
        .ecx(STATUS_SUCCESS << 16)
        .edx(ch.id << 16)
        .esi(ch.cookieHigh)
        .edi(ch.cookieLow);
    if (res.describe) {
      res.note = prefix + "channel " + ch.id;
    }
  }

  // ---- send ----

  private void sendSize(HostChannel ch, MutableRegisters r, CallResult res, String prefix) {
    if (ch.operation == ChannelInfo.Operation.SENDING) {
      ch.abandonOperation();
      lb(r, 0, res).note(prefix, "out of order: message in progress discarded");
      return;
    }
    long length = r.ebx() & 0xFFFFFFFFL;
    if (length > policy().guestMessageLimit()) {
      ch.abandonOperation();
      lb(r, 0, res);
      if (res.describe) {
        res.note = prefix + length + " bytes: over the limit of " + policy().guestMessageLimit();
      }
      return;
    }
    String refusal = ch.refuseSend(length);
    if (refusal != null) {
      ch.abandonOperation();
      lb(r, 0, res);
      if (res.describe) {
        res.note = prefix + length + " bytes: " + refusal;
      }
      return;
    }
    // A send ends any receive in progress; the message being received stays available.
    ch.abandonOperation();
    int hb = policy().highBandwidth() ? STATUS_HB : 0;
    if (length == 0) {
      String refused = ch.message(EMPTY);
      lb(r, refused == null ? STATUS_SUCCESS | hb : 0, res);
      if (res.describe) {
        res.note = prefix + "0 bytes, " + CallResult.delivered(refused);
      }
      return;
    }
    lb(r, STATUS_SUCCESS | hb, res);
    ch.operation = ChannelInfo.Operation.SENDING;
    ch.operationGeneration = checkpointGeneration;
    ch.buffer = new byte[(int) length];
    ch.offset = 0;
    if (res.describe) {
      res.note = prefix + length + " bytes announced";
    }
  }

  /** Answers CPT (and abandons the operation) when a checkpoint came since it started. */
  @Override
  public boolean cancelledByCheckpoint(HostChannel ch) {
    if (ch.operation != ChannelInfo.Operation.IDLE
        && ch.operationGeneration != checkpointGeneration) {
      ch.abandonOperation();
      return true;
    }
    return false;
  }

  private void sendPayload(
      HostChannel ch, MutableRegisters r, CallResult res, String prefix, boolean corrupt) {
    if (cancelledByCheckpoint(ch)) {
      lb(r, STATUS_CPT, res).note(prefix, "checkpoint: send cancelled");
      return;
    }
    if (ch.operation != ChannelInfo.Operation.SENDING) {
      lb(r, 0, res).note(prefix, "out of order: no send in progress");
      return;
    }
    ch.putPiece(corrupt ? r.ebx() ^ 0xFF : r.ebx());
    lb(r, STATUS_SUCCESS, res);
    if (ch.offset == ch.buffer.length) {
      byte[] message = ch.buffer;
      ch.abandonOperation();
      String refused = ch.message(message);
      if (refused != null) {
        lb(r, 0, res);
      }
      if (res.describe) {
        res.note =
            prefix
                + "piece, message of "
                + message.length
                + " bytes "
                + CallResult.delivered(refused);
      }
    } else {
      if (res.describe) {
        res.note = prefix + "piece " + ch.offset + "/" + ch.buffer.length;
      }
    }
  }

  // ---- receive ----

  private void receiveSize(HostChannel ch, MutableRegisters r, CallResult res, String prefix) {
    if (ch.operation == ChannelInfo.Operation.SENDING) {
      ch.abandonOperation();
      lb(r, 0, res).note(prefix, "out of order: message in progress discarded");
      return;
    }
    ch.abandonOperation();
    int hb = policy().highBandwidth() ? STATUS_HB : 0;
    ChannelSession.Offer offer = ch.offer();
    if (offer == null) {
      lb(r, STATUS_SUCCESS | hb, res).note(prefix, "nothing to receive");
      return;
    }
    byte[] message = offer.bytes();
    ch.operation =
        message.length == 0 ? ChannelInfo.Operation.RECEIVED : ChannelInfo.Operation.RECEIVING;
    ch.operationGeneration = checkpointGeneration;
    ch.buffer = message;
    ch.offset = 0;
    res.answerLoaded(r)
        .ecx((STATUS_SUCCESS | STATUS_DORECV | hb) << 16)
        .edx(Registers.words(MESSAGE_SENDSIZE, 0))
        .ebx(message.length);
    res.note =
        prefix
            + message.length
            + " bytes to receive"
            + (offer.label() != null ? " (" + offer.label() + ")" : "");
  }

  private void receivePayload(
      HostChannel ch, MutableRegisters r, CallResult res, String prefix, boolean corrupt) {
    if (cancelledByCheckpoint(ch)) {
      lb(r, STATUS_CPT, res).note(prefix, "checkpoint: receive cancelled");
      return;
    }
    boolean receiving =
        ch.operation == ChannelInfo.Operation.RECEIVING
            || ch.operation == ChannelInfo.Operation.RECEIVED;
    if (!receiving) {
      lb(r, 0, res).note(prefix, "out of order: no receive in progress");
      return;
    }
    if ((r.ebx() & STATUS_GUEST_MASK) == 0) {
      ch.abandonOperation();
      lb(r, STATUS_SUCCESS, res).note(prefix, "guest reports receive failed; message kept");
      return;
    }
    if (ch.operation != ChannelInfo.Operation.RECEIVING) {
      lb(r, 0, res).note(prefix, "out of order: payload all fetched");
      return;
    }
    int word = corrupt ? ch.takePiece() ^ 0xFF : ch.takePiece();
    res.answerLoaded(r)
        .ecx(STATUS_SUCCESS << 16)
        .edx(Registers.words(MESSAGE_SENDPAYLOAD, 0))
        .ebx(word);
    if (res.describe) {
      res.note = prefix + "piece " + ch.offset + "/" + ch.buffer.length;
    }
  }

  private void receiveStatus(HostChannel ch, MutableRegisters r, CallResult res, String prefix) {
    if (cancelledByCheckpoint(ch)) {
      lb(r, STATUS_CPT, res).note(prefix, "checkpoint: receive cancelled");
      return;
    }
    boolean success = (r.ebx() & STATUS_GUEST_MASK) != 0;
    if (ch.operation == ChannelInfo.Operation.RECEIVING && !success) {
      ch.abandonOperation();
      lb(r, STATUS_SUCCESS, res).note(prefix, "guest reports receive failed; message kept");
      return;
    }
    if (ch.operation != ChannelInfo.Operation.RECEIVED) {
      lb(r, 0, res);
      res.note =
          prefix
              + "out of order: "
              + (ch.operation == ChannelInfo.Operation.RECEIVING
                  ? "payload not all fetched"
                  : "no receive in progress");
      return;
    }
    int length = ch.buffer.length;
    ch.abandonOperation();
    lb(r, STATUS_SUCCESS, res);
    if (!success) {
      if (res.describe) {
        res.note = prefix + "guest reports receive failed; message kept";
      }
      return;
    }
    if (res.describe) {
      res.note = prefix + "message of " + length + " bytes received";
    }
    ch.received();
  }

  // ---- the high-bandwidth port ----

  /**
   * One HB transfer: {@code rep outsb} ({@code out}) or {@code rep insb} of {@code bytes}; {@code
   * owner} is the calling connection, or null. {@link HighBandwidthPort} answers it.
   */
  void highBandwidth(
      MutableRegisters r, byte[] bytes, boolean out, CallResult res, ChannelOwner owner) {
    HighBandwidthPort.transfer(this, r, bytes, out, res, owner);
  }

  @Override
  public ChannelTable table() {
    return table;
  }

  @Override
  public HostUptime time() {
    return table.time();
  }

  /** The RPCI endpoint. */
  RpciEndpoint rpci() {
    return rpci;
  }

  /** The TCLO endpoint. */
  TcloEndpoint tclo() {
    return tclo;
  }
}
