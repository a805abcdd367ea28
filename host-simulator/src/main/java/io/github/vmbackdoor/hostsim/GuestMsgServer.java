package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.MessageSubcommand;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.settings.HostIdentity;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The host side of the message (GuestMsg) layer, the mirror of core's {@code MessageChannel}: the
 * seven sub-calls of the MESSAGE command ({@link MessageTransfers} moves the bytes) and the
 * high-bandwidth transfers ({@link HighBandwidthPort}). It moves bytes in and out of a channel's
 * buffers and hands complete messages to the channel's {@link ChannelSession}; which protocol that
 * session speaks it never asks. Faults are decided once per call by the {@link FaultBook}.
 *
 * <p>One object per VM holds the host's own state: the server is its channel table (it extends
 * {@link ChannelTable}, which also holds the VM's identity as the command port answers it), and
 * holds the two endpoints, the call log, and the checkpoints and calls counted. Its monitor is the
 * host's lock. Guarded by the host's lock.
 */
final class GuestMsgServer extends ChannelTable implements HighBandwidthPort.MessageServer {

  // The host's two endpoints as fields rather than a collection: an array would cost every host
  // an object.
  private final RpciEndpoint rpci;
  private final TcloEndpoint tclo;

  /** Where each call is logged: the shared empty log when the policy keeps none. */
  private final CallLog callLog;

  /**
   * The host's faults: the shared empty book until the first is installed. Volatile so that its hit
   * count is read without the host's lock ({@link HostRecords#faultHitCount()}).
   */
  private volatile FaultBook faults = FaultBook.NONE;

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

  /** Single-threaded: the thread whose call is inside the host, or null. */
  private Thread calling;

  /**
   * @param setup what the host reads and does not own (policy, time, warnings, ...)
   * @param seed the host's seed: cookies and fault draws
   * @param identity the VM's identity, and {@code uuid} its BIOS UUID
   * @param handlers the RPCI handlers installed at build
   */
  GuestMsgServer(
      HostSetup setup,
      long seed,
      HostIdentity identity,
      UUID uuid,
      Map<String, RpciHandler> handlers) {
    super(setup, seed, identity, uuid);
    this.callLog = CallLog.of(setup.policy.callLogLimit(), setup.policy.historyBytesLimit());
    this.tclo = new TcloEndpoint(this);
    this.rpci = new RpciEndpoint(this);
    handlers.forEach(rpci::handler);
  }

  /**
   * Whether the host is driven by one thread at a time, its calls taking no lock ({@link
   * VirtualHostBuilder#singleThreaded()}).
   */
  boolean singleThreaded() {
    return setup.singleThreaded;
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
    return setup.warnings;
  }

  /** Where each call is logged. */
  CallLog callLog() {
    return callLog;
  }

  /**
   * The channel addressed by id and cookies, or null; a wrong cookie on a taken slot counts against
   * {@code owner} (null: the in-process transport).
   */
  @Override
  public HostChannel lookup(int id, int cookieHigh, int cookieLow, ChannelOwner owner) {
    HostChannel ch = lookup(id, cookieHigh, cookieLow);
    if (ch == null && at(id) != null) {
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
      inProcessCookieFailures = new CookieFailures("in-process backdoor", setup.warnings);
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
      faults = new FaultBook(seed());
    }
    faults.install(fault);
  }

  /** What the faults make of one call ({@code channel} is null at OPEN). */
  @Override
  public FaultDecision decide(int protocol, int channelId, Step step, HostChannel channel) {
    return faults == FaultBook.NONE
        ? FaultDecision.NONE
        : faults.decide(protocol, channelId, step, time().now(), channel, this);
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
    return endpoint == null ? null : allocate(endpoint, withCookie);
  }

  /**
   * Answers a command-port call loaded with {@code r}: {@code status} in ecx's high word (eax as
   * the host's refusal registers say when the status lacks SUCCESS).
   */
  private CallResult lb(MutableRegisters r, int status, CallResult res) {
    return MessageTransfers.lb(policy(), r, status, res);
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
    res.channel(sub.name(), id);
    if (ch == null) {
      lb(r, 0, res);
      if (res.describe) {
        res.note = res.prefix() + missReason(id);
      }
      return;
    }
    checkIdle(ch);
    FaultDecision fault = decide(ch.protocol(), id, sub.step(), ch);
    res.delay = fault.delay();
    if (fault.refused()) {
      lb(r, fault.status(), res);
      if (res.describe) {
        res.note = res.prefix() + fault.what() + fault.note();
      }
      return;
    }
    if (sub == MessageSubcommand.CLOSE) {
      release(ch);
      lb(r, STATUS_SUCCESS, res);
      res.noted(NoteForm.CLOSED, 0, 0);
      res.appendNote(fault.note());
      return;
    }
    if (!ch.isOpen()) {
      lb(r, ch.closedStatus(), res);
      if (res.describe) {
        res.note = res.prefix() + "channel closed by host" + fault.note();
      }
      return;
    }
    ch.lastActivityNanos = time().nanos();
    switch (sub) {
      case SENDSIZE -> MessageTransfers.sendSize(policy(), checkpointGeneration, ch, r, res);
      case SENDPAYLOAD ->
          MessageTransfers.sendPayload(policy(), checkpointGeneration, ch, r, res, fault.corrupt());
      case RECVSIZE -> MessageTransfers.receiveSize(policy(), checkpointGeneration, ch, r, res);
      case RECVPAYLOAD ->
          MessageTransfers.receivePayload(
              policy(), checkpointGeneration, ch, r, res, fault.corrupt());
      case RECVSTATUS -> MessageTransfers.receiveStatus(policy(), checkpointGeneration, ch, r, res);
      case OPEN, CLOSE -> throw new AssertionError(sub);
    }
    if (fault.cancelAfter() && ch.operation() != ChannelInfo.Operation.IDLE) {
      ch.operationGeneration = checkpointGeneration - 1;
    }
    res.appendNote(fault.note());
  }

  private void open(MutableRegisters r, CallResult res, ChannelOwner owner) {
    boolean withCookie = (r.ebx() & FLAG_COOKIE) != 0;
    int protocol = r.ebx() & ~FLAG_COOKIE;
    FaultDecision fault = decide(protocol, -1, Step.OPEN, null);
    res.delay = fault.delay();
    if (fault.refused()) {
      lb(r, fault.status(), res);
      if (res.describe) {
        res.note = openPrefix(protocol, withCookie) + "refused" + fault.note();
      }
      return;
    }
    if (endpoint(protocol) == null) {
      lb(r, 0, res);
      if (res.describe) {
        res.note = openPrefix(protocol, withCookie) + "unknown protocol";
      }
      return;
    }
    if (withCookie && !policy().cookies()) {
      lb(r, 0, res);
      if (res.describe) {
        res.note = openPrefix(protocol, withCookie) + "cookies not supported";
      }
      return;
    }
    expireIdle();
    if (owner != null && openOwnedBy(owner) >= owner.policy.channelLimit()) {
      owner.refused(time().nanos(), owner.policy.channelLimit());
      lb(r, 0, res);
      res.note =
          openPrefix(protocol, withCookie)
              + owner
              + " holds its limit of "
              + owner.policy.channelLimit()
              + " channels";
      return;
    }
    HostChannel ch = open(protocol, withCookie);
    if (ch == null) {
      if (owner != null) {
        owner.refusedTableFull(time().nanos(), size());
      }
      lb(r, 0, res);
      if (res.describe) {
        res.note = openPrefix(protocol, withCookie) + "channel table full";
      }
      return;
    }
    ch.owner = owner;
    res.answerLoaded(r)
        .ecx(STATUS_SUCCESS << 16)
        .edx(ch.id << 16)
        .esi(ch.cookieHigh)
        .edi(ch.cookieLow);
    if (res.describe) {
      res.s0 = BackdoorProtocol.protocolName(protocol);
      res.s1 = withCookie ? " cookie" : "";
      res.n0 = ch.id;
      res.noted(NoteForm.OPENED, 0, 0);
    }
  }

  /** The head of an OPEN's note: {@code OPEN RPCI cookie: }. */
  private static String openPrefix(int protocol, boolean withCookie) {
    return "OPEN " + BackdoorProtocol.protocolName(protocol) + (withCookie ? " cookie" : "") + ": ";
  }

  /** Answers CPT (and abandons the operation) when a checkpoint came since it started. */
  @Override
  public boolean cancelledByCheckpoint(HostChannel ch) {
    return ch.cancelledSince(checkpointGeneration);
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

  /** The server's channel table: the server itself. */
  @Override
  public ChannelTable table() {
    return this;
  }

  @Override
  public HostUptime time() {
    return setup.time;
  }

  /** The RPCI endpoint. */
  RpciEndpoint rpci() {
    return rpci;
  }

  /** The TCLO endpoint. */
  TcloEndpoint tclo() {
    return tclo;
  }

  @Override
  PowerOperations.Reports powerReports() {
    return tclo;
  }
}
