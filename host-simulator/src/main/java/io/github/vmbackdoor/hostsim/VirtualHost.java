package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.HB_CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAX_GUEST_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_CLOSE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSTATUS;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.NO_BACKDOOR;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CLOSED;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_DORECV;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_GUEST_MASK;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_HB;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_TIMEOUT;

import com.google.common.base.Preconditions;
import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.VmxVersion;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * One emulated VM's VMX side of the backdoor: the command port, the message layer's channel table,
 * the TCLO and RPCI endpoints, host events and faults.
 *
 * <p>Guest code talks to it through {@link #backdoor()}, the in-process transport: each {@link
 * Backdoor} call is answered at once from the host's state, with no copying beyond the payload
 * bytes the protocol moves. Everything the host does is described, with the source each behaviour
 * rests on, in {@code docs/host-model.md}.
 *
 * <p>Thread-safe: one lock per VirtualHost serialises every call, host event and introspection.
 * Guests of one VM may call from several threads.
 *
 * <p>Time: the host reads virtual time from a {@link Ticker} (idle timeouts, fault windows, the
 * times in its records, all as a {@link Duration} since the host was built) and its host clock from
 * a {@link Clock} (GETTIME and GETTIMEFULL). By default both come from a {@link Simulation} of its
 * own, seeded with the host's seed; pass {@link Builder#simulation(Simulation)} to share one loop
 * with guest code. Host events are methods ({@link #checkpoint()}, {@link #invalidateChannel},
 * {@link #hostReset()}, {@link #requestPowerOperation}, {@link #expireIdleChannels()}, {@link
 * #openCompetingTcloChannel()}) and are scheduled on the simulation as {@code
 * simulation.schedule(delay, host::checkpoint)}.
 */
public final class VirtualHost {

  /** GETVERSION's product type for ESX (SCALABLE_SERVER, 2), the default; QEMU's too. */
  public static final int PRODUCT_ESX = VmxVersion.ProductType.SCALABLE_SERVER.code();

  /** GETVERSION's product type for Workstation, Fusion and Player (4). */
  public static final int PRODUCT_WORKSTATION = VmxVersion.ProductType.WORKSTATION.code();

  // ---- identity ----
  private final UUID uuid;
  private final int memoryMb;
  private final int mhz;
  private final int hardwareVersion;
  private final int productType;
  private final int vmxVersion;
  private final long apicHz;
  private final int maxTimeLagMicros;
  private final int interruptLagMicros;

  // ---- time ----
  private final Clock clock;
  private final Ticker ticker;
  private final long startNanos;
  private final Simulation simulation;
  private final Consumer<Duration> delayer;

  // ---- policies ----
  private final int channelTableSize;
  private final boolean highBandwidth;
  private final boolean cookiesSupported;
  private final Optional<Duration> idleTimeout;
  private final Invalidation tcloTakeover;
  private final int callLogLimit;

  private final Object lock = new Object();
  private final SplittableRandom random;
  private final HostChannel[] channels;
  private final Backdoor backdoor = new InProcessBackdoor();

  // ---- state, guarded by lock ----
  private final TcloEndpoint tclo;
  private final RpciEndpoint rpci;
  private long checkpointGeneration;
  private long checkpoints;
  private final List<Fault> faults = new ArrayList<>();
  private final Map<Fault, long[]> faultCounts = new HashMap<>();
  private long callSequence;
  private final Deque<CallRecord> callLog = new ArrayDeque<>();

  private VirtualHost(Builder b) {
    long seed = b.seed != null ? b.seed : (b.simulation != null ? b.simulation.seed() : 0L);
    if (b.simulation != null) {
      this.simulation = b.simulation;
    } else if (b.clock != null && b.ticker != null) {
      this.simulation = null;
    } else {
      this.simulation = Simulation.create(seed);
    }
    this.clock = b.clock != null ? b.clock : simulation.clock();
    this.ticker = b.ticker != null ? b.ticker : simulation.ticker();
    if (b.delayer != null) {
      this.delayer = b.delayer;
    } else if (simulation != null && b.ticker == null) {
      this.delayer = simulation::advance;
    } else {
      this.delayer = d -> {};
    }
    this.startNanos = ticker.read();
    this.random = new SplittableRandom(seed);
    SplittableRandom identity = new SplittableRandom(seed ^ 0x5DEECE66DL);
    this.uuid = b.uuid != null ? b.uuid : new UUID(identity.nextLong(), identity.nextLong());
    this.memoryMb = b.memoryMb;
    this.mhz = b.mhz;
    this.hardwareVersion = b.hardwareVersion;
    this.productType = b.productType;
    this.vmxVersion = b.vmxVersion;
    this.apicHz = b.apicHz;
    this.maxTimeLagMicros = b.maxTimeLagMicros;
    this.interruptLagMicros = b.interruptLagMicros;
    this.channelTableSize = b.channelTableSize;
    this.highBandwidth = b.highBandwidth;
    this.cookiesSupported = b.cookiesSupported;
    this.idleTimeout = b.idleTimeout;
    this.tcloTakeover = b.tcloTakeover;
    this.callLogLimit = b.callLogLimit;
    this.channels = new HostChannel[channelTableSize];
    this.tclo =
        new TcloEndpoint(ticker, startNanos, b.historyLimit, b.rejectUnsolicitedTcloReplies);
    this.rpci =
        new RpciEndpoint(b.historyLimit, b.guestStoreLimit, b.machineId, tclo.powerTrackers());
    b.handlers.forEach(rpci::handler);
  }

  /** A builder with the defaults listed on each of its methods. */
  public static Builder builder() {
    return new Builder();
  }

  /** The in-process transport: guest code calls it directly. The same instance every time. */
  public Backdoor backdoor() {
    return backdoor;
  }

  // =============================================================================================
  // Identity and policies
  // =============================================================================================

  /** The BIOS UUID GETUUID returns. */
  public UUID uuid() {
    return uuid;
  }

  /** The size of the channel table. */
  public int channelTableSize() {
    return channelTableSize;
  }

  /** Whether the host offers the high-bandwidth port. */
  public boolean offersHighBandwidth() {
    return highBandwidth;
  }

  /**
   * The simulation whose virtual time this host reads: the one given to the builder, or the host's
   * own (seeded with the host's seed); empty only when both a clock and a ticker were given
   * instead.
   */
  public Optional<Simulation> simulation() {
    return Optional.ofNullable(simulation);
  }

  /** Host time: virtual time since the host was built. */
  public Duration hostTime() {
    return Duration.ofNanos(ticker.read() - startNanos);
  }

  // =============================================================================================
  // Host events
  // =============================================================================================

  /**
   * A checkpoint: the VM is suspended and resumed (snapshot, suspend/resume, vMotion). Every
   * message operation in progress across it is cancelled: the next payload, HB or RECVSTATUS call
   * of that operation answers CPT without SUCCESS (a message being received stays available). After
   * the resume the host sends "reset" on the TCLO channel before any other queued command. Channels
   * stay open.
   */
  public void checkpoint() {
    synchronized (lock) {
      checkpointGeneration++;
      checkpoints++;
      tclo.queueFirst(TcloEndpoint.RESET);
    }
  }

  /** Checkpoints so far. */
  public long checkpoints() {
    synchronized (lock) {
      return checkpoints;
    }
  }

  /**
   * Makes one channel unusable in the given way.
   *
   * @return whether a channel with that id existed
   */
  public boolean invalidateChannel(int id, Invalidation kind) {
    Preconditions.checkNotNull(kind, "kind");
    synchronized (lock) {
      HostChannel ch = id >= 0 && id < channels.length ? channels[id] : null;
      if (ch == null) {
        return false;
      }
      invalidate(ch, kind, ChannelInfo.State.HOST_CLOSED);
      return true;
    }
  }

  /** Makes every channel unusable in the given way; returns how many there were. */
  public int invalidateAllChannels(Invalidation kind) {
    Preconditions.checkNotNull(kind, "kind");
    synchronized (lock) {
      int n = 0;
      for (HostChannel ch : channels) {
        if (ch != null) {
          invalidate(ch, kind, ChannelInfo.State.HOST_CLOSED);
          n++;
        }
      }
      return n;
    }
  }

  /** A host reset: "reset" goes to the front of the TCLO queue. Channels stay as they are. */
  public void hostReset() {
    synchronized (lock) {
      tclo.queueFirst(TcloEndpoint.RESET);
    }
  }

  /** Queues a host command for the guest's TCLO channel, behind the commands already queued. */
  public void enqueueTclo(String command) {
    Preconditions.checkNotNull(command, "command");
    synchronized (lock) {
      tclo.enqueue(command);
    }
  }

  /**
   * Queues the TCLO command of a power operation and tracks it: the guest's reply, and the status
   * it reports with {@code tools.os.statechange.status}; see {@link #powerOperations()}.
   */
  public void requestPowerOperation(PowerOperation operation) {
    Preconditions.checkNotNull(operation, "operation");
    synchronized (lock) {
      tclo.requestPowerOperation(operation);
    }
  }

  /**
   * Closes (host side, state TIMED_OUT) every open channel that has had no accepted call for longer
   * than the idle timeout. The host also does this lazily: a channel is checked on each call
   * addressed to it, and all channels are checked at each OPEN.
   *
   * @return how many channels were closed
   */
  public int expireIdleChannels() {
    synchronized (lock) {
      return expireIdle();
    }
  }

  /**
   * A second TCLO user: another guest process opens a TCLO channel (with cookies) and never polls
   * it. The host talks to the newest TCLO channel only, so the guest's current TCLO channel is
   * invalidated as the takeover policy says. When the guest reopens, it takes the channel back from
   * the other process the same way: they fight, as the NetBSD vmt(4) man page describes.
   *
   * @return the id of the other process's channel, or -1 when the channel table is full
   */
  public int openCompetingTcloChannel() {
    synchronized (lock) {
      HostChannel ch = allocate(PROTOCOL_TCLO, true);
      return ch == null ? -1 : ch.id;
    }
  }

  // =============================================================================================
  // RPCI handlers and faults
  // =============================================================================================

  /**
   * Adds or replaces the handler of an RPCI command. {@code name} is a command name ({@code
   * "info-get"}) or a prefix ending in {@code '*'} ({@code "tools.capability.*"}); an exact name
   * wins over a prefix, a longer prefix over a shorter one.
   */
  public void rpciHandler(String name, RpciHandler handler) {
    Preconditions.checkNotNull(name, "name");
    Preconditions.checkNotNull(handler, "handler");
    synchronized (lock) {
      rpci.handler(name, handler);
    }
  }

  /** Installs a fault; faults are tried in installation order and the first that hits applies. */
  public void installFault(Fault fault) {
    Preconditions.checkNotNull(fault, "fault");
    synchronized (lock) {
      faults.add(fault);
      faultCounts.put(fault, new long[1]);
    }
  }

  /** Removes a fault; returns whether it was installed. */
  public boolean removeFault(Fault fault) {
    synchronized (lock) {
      faultCounts.remove(fault);
      return faults.remove(fault);
    }
  }

  /** Removes every fault. */
  public void clearFaults() {
    synchronized (lock) {
      faults.clear();
      faultCounts.clear();
    }
  }

  /**
   * Sets a guestinfo value as if the VMX configuration held it (key with its {@code guestinfo.}
   * prefix).
   */
  public void putGuestInfo(String key, String value) {
    Preconditions.checkNotNull(key, "key");
    Preconditions.checkNotNull(value, "value");
    synchronized (lock) {
      rpci.putGuestInfo(key, value);
    }
  }

  // =============================================================================================
  // Introspection
  // =============================================================================================

  /** The newest calls, oldest first (at most the call log limit; empty when the log is off). */
  public List<CallRecord> callLog() {
    synchronized (lock) {
      return ImmutableList.copyOf(callLog);
    }
  }

  /** Every call the host answered so far (also those the bounded log dropped). */
  public long callCount() {
    synchronized (lock) {
      return callSequence;
    }
  }

  /** The RPCI requests received, oldest first (at most the history limit). */
  public List<RpciRequest> rpciRequests() {
    synchronized (lock) {
      return rpci.requests();
    }
  }

  /** The guestinfo store (keys with their {@code guestinfo.} prefix). */
  public Map<String, String> guestInfo() {
    synchronized (lock) {
      return rpci.guestInfo();
    }
  }

  /** The capabilities the guest declared with {@code tools.capability.<name> [value]}. */
  public Map<String, String> capabilities() {
    synchronized (lock) {
      return rpci.capabilities();
    }
  }

  /** The values the guest set with {@code SetGuestInfo <type> <value>}, by type. */
  public Map<Integer, String> setGuestInfoValues() {
    synchronized (lock) {
      return rpci.setGuestInfo();
    }
  }

  /** The text of the guest's {@code log} requests, oldest first. */
  public List<String> guestLog() {
    synchronized (lock) {
      return rpci.guestLog();
    }
  }

  /** The application names declared with {@code vmx.capability.unified_loop}. */
  public List<String> unifiedLoopApps() {
    synchronized (lock) {
      return rpci.unifiedLoopApps();
    }
  }

  /** The version from {@code tools.set.version}, or from {@code tools.set.versiontype}. */
  public Optional<String> toolsVersion() {
    synchronized (lock) {
      return rpci.toolsVersion();
    }
  }

  /** The type from {@code tools.set.versiontype}. */
  public Optional<String> toolsVersionType() {
    synchronized (lock) {
      return rpci.toolsVersionType();
    }
  }

  /** The TCLO commands delivered to the guest (fetched and acknowledged), oldest first. */
  public List<String> tcloCommandsSent() {
    synchronized (lock) {
      return tclo.commandsSent();
    }
  }

  /** The TCLO commands waiting to be delivered, in order. */
  public List<String> pendingTcloCommands() {
    synchronized (lock) {
      return tclo.pending();
    }
  }

  /** The command delivered on the current TCLO channel and not answered yet. */
  public Optional<String> outstandingTcloCommand() {
    synchronized (lock) {
      return tclo.outstanding();
    }
  }

  /** The id of the TCLO channel the host talks to, if one is open. */
  public Optional<Integer> activeTcloChannel() {
    synchronized (lock) {
      return tclo.activeChannel();
    }
  }

  /** Finished TCLO exchanges, oldest first (at most the history limit). */
  public List<TcloExchange> tcloExchanges() {
    synchronized (lock) {
      return tclo.exchanges();
    }
  }

  /** The guest's replies to host commands, oldest first (answered exchanges only). */
  public List<String> tcloReplies() {
    synchronized (lock) {
      return tclo.replies();
    }
  }

  /** Every power operation requested, with what became of it, oldest first. */
  public List<PowerOperationReport> powerOperations() {
    synchronized (lock) {
      return tclo.powerOperations();
    }
  }

  /** The occupied slots of the channel table, by id. */
  public List<ChannelInfo> channels() {
    synchronized (lock) {
      List<ChannelInfo> l = new ArrayList<>();
      for (HostChannel ch : channels) {
        if (ch != null) {
          l.add(
              new ChannelInfo(
                  ch.id,
                  ch.protocol,
                  ch.cookies,
                  ch.cookieHigh,
                  ch.cookieLow,
                  ch.state,
                  ch.operation,
                  Duration.ofNanos(ch.lastActivityNanos - startNanos)));
        }
      }
      return ImmutableList.copyOf(l);
    }
  }

  /** The channel in slot {@code id}, if occupied. */
  public Optional<ChannelInfo> channel(int id) {
    for (ChannelInfo c : channels()) {
      if (c.id() == id) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "VirtualHost{uuid="
        + uuid
        + ", channels="
        + channels().size()
        + "/"
        + channelTableSize
        + (highBandwidth ? ", HB" : ", no HB")
        + "}";
  }

  // =============================================================================================
  // The port
  // =============================================================================================

  private final class InProcessBackdoor implements Backdoor {
    @Override
    public Registers in(Registers registers) {
      Preconditions.checkNotNull(registers, "registers");
      Result res;
      synchronized (lock) {
        res = handleIn(registers);
      }
      return delayed(res);
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      Preconditions.checkNotNull(registers, "registers");
      Preconditions.checkNotNull(bytes, "bytes");
      Preconditions.checkArgument(
          registers.ecx() == bytes.length,
          "ecx %s must equal the byte count %s",
          registers.ecx(),
          bytes.length);
      Result res;
      synchronized (lock) {
        res = handleOuts(registers, bytes);
      }
      return delayed(res);
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      Preconditions.checkNotNull(registers, "registers");
      Preconditions.checkNotNull(into, "into");
      Preconditions.checkArgument(
          registers.ecx() == into.length,
          "ecx %s must equal the buffer length %s",
          registers.ecx(),
          into.length);
      Result res;
      synchronized (lock) {
        res = handleIns(registers, into);
      }
      return delayed(res);
    }

    @Override
    public String toString() {
      return "in-process backdoor to " + VirtualHost.this;
    }
  }

  /** Tells the delayer, outside the lock, of the extra time a DELAY fault gave the call. */
  private Registers delayed(Result res) {
    if (!res.delay.isZero()) {
      delayer.accept(res.delay);
    }
    return res.answer;
  }

  /** The outcome of a message call: answer registers, a note for the log, an optional delay. */
  private static final class Result {
    Registers answer;
    String note;
    Duration delay = Duration.ZERO;
    int payloadLength;
    long payloadCrc;

    /** The status a fault answers with, when it replaces the call's handling. */
    int faultStatus;
  }

  private Result handleIn(Registers r) {
    Result res = new Result();
    if (r.eax() != MAGIC) {
      res.answer = r.withEax(NO_BACKDOOR);
      res.note = "wrong magic";
    } else {
      BackdoorCommand command = BackdoorCommand.of(r.ecxLow()).orElse(null);
      if (command == null) {
        unknown(r, res);
      } else {
        command(command, r, res);
      }
    }
    finish(CallRecord.Kind.IN, r, res);
    return res;
  }

  private static void unknown(Registers r, Result res) {
    res.answer = r.withEax(NO_BACKDOOR);
    res.note = "unknown command " + r.ecxLow();
  }

  private void command(BackdoorCommand command, Registers r, Result res) {
    res.note = command.name();
    switch (command) {
      case MESSAGE:
        message(r, res);
        break;
      case GETVERSION:
        res.answer = r.toBuilder().eax(vmxVersion).ebx(MAGIC).ecx(productType).build();
        break;
      case GETHWVERSION:
        res.answer = r.toBuilder().eax(hardwareVersion).ebx(MAGIC).build();
        break;
      case GETMHZ:
        res.answer = r.withEax(mhz);
        break;
      case GETMEMSIZE:
        res.answer = r.withEax(memoryMb);
        break;
      case GETUUID:
        res.answer = uuidRegisters(r);
        break;
      case GETHZ:
        {
          long tscHz = mhz * 1_000_000L;
          res.answer =
              r.toBuilder().eax((int) tscHz).ebx((int) (tscHz >>> 32)).ecx((int) apicHz).build();
          break;
        }
      case GETTIME:
        {
          Instant t = clock.instant();
          res.answer =
              r.toBuilder()
                  .eax((int) t.getEpochSecond())
                  .ebx(t.getNano() / 1000)
                  .ecx(maxTimeLagMicros)
                  .edx(0)
                  .build();
          break;
        }
      case GETTIMEFULL:
      case GETTIMEFULL_WITH_LAG:
        {
          Instant t = clock.instant();
          long s = t.getEpochSecond();
          Registers.Builder b =
              r.toBuilder()
                  .esi((int) (s >>> 32))
                  .edx((int) s)
                  .ebx(t.getNano() / 1000)
                  .ecx(maxTimeLagMicros);
          if (command == BackdoorCommand.GETTIMEFULL_WITH_LAG) {
            b.edi(interruptLagMicros);
          }
          res.answer = b.build();
          break;
        }
      default:
        unknown(r, res);
    }
  }

  private Registers uuidRegisters(Registers r) {
    ByteBuffer b = ByteBuffer.allocate(16);
    b.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
    b.flip();
    b.order(java.nio.ByteOrder.LITTLE_ENDIAN);
    return r.toBuilder().eax(b.getInt()).ebx(b.getInt()).ecx(b.getInt()).edx(b.getInt()).build();
  }

  private void finish(CallRecord.Kind kind, Registers request, Result res) {
    callSequence++;
    if (callLogLimit > 0) {
      if (callLog.size() >= callLogLimit) {
        callLog.removeFirst();
      }
      callLog.addLast(
          new CallRecord(
              callSequence,
              hostTime(),
              kind,
              request,
              res.answer,
              res.payloadLength,
              res.payloadCrc,
              res.note));
    }
  }

  // ---- the message layer, command port ----

  private static Registers lb(Registers r, int status) {
    return r.withEcx(status << 16);
  }

  private static String stepName(int sub) {
    return BackdoorProtocol.messageTypeName(sub);
  }

  private static Step stepOf(int sub) {
    switch (sub) {
      case MESSAGE_OPEN:
        return Step.OPEN;
      case MESSAGE_SENDSIZE:
        return Step.SENDSIZE;
      case MESSAGE_SENDPAYLOAD:
        return Step.SENDPAYLOAD;
      case MESSAGE_RECVSIZE:
        return Step.RECVSIZE;
      case MESSAGE_RECVPAYLOAD:
        return Step.RECVPAYLOAD;
      case MESSAGE_RECVSTATUS:
        return Step.RECVSTATUS;
      case MESSAGE_CLOSE:
        return Step.CLOSE;
      default:
        return null;
    }
  }

  private void message(Registers r, Result res) {
    int sub = r.ecxHigh();
    Step step = stepOf(sub);
    if (step == null) {
      res.answer = lb(r, 0);
      res.note = stepName(sub) + " unknown sub-command";
      return;
    }
    if (sub == MESSAGE_OPEN) {
      open(r, res);
      return;
    }
    int id = r.edxHigh();
    HostChannel ch = lookup(id, r.esi(), r.edi());
    String prefix = stepName(sub) + " ch " + id + ": ";
    if (ch == null) {
      res.answer = lb(r, 0);
      res.note =
          prefix
              + (id < channels.length && channels[id] != null ? "wrong cookie" : "no such channel");
      return;
    }
    checkIdle(ch);
    Fault fault = matchFault(ch.protocol, id, step);
    // SENDSIZE and RECVSIZE never answer CPT: a checkpoint at them cancels the operation they
    // start, so the operation's next step answers CPT.
    boolean checkpointAfter =
        fault != null
            && fault.action() == Fault.Action.CHECKPOINT
            && (sub == MESSAGE_SENDSIZE || sub == MESSAGE_RECVSIZE);
    if (fault != null && !checkpointAfter) {
      if (applyBlockingFault(fault, ch, res, prefix)) {
        res.answer = lb(r, res.faultStatus);
        return;
      }
    }
    boolean corrupt = fault != null && fault.action() == Fault.Action.CORRUPT_PAYLOAD;
    if (fault != null && fault.action() == Fault.Action.DELAY) {
      res.delay = fault.delay();
    }
    String faultNote = fault != null ? " [" + fault.action() + "]" : "";
    if (sub == MESSAGE_CLOSE) {
      release(ch);
      res.answer = lb(r, STATUS_SUCCESS);
      res.note = prefix + "closed" + faultNote;
      return;
    }
    if (!ch.isOpen()) {
      int status = STATUS_CLOSED | (ch.state == ChannelInfo.State.TIMED_OUT ? STATUS_TIMEOUT : 0);
      res.answer = lb(r, status);
      res.note = prefix + "channel closed by host" + faultNote;
      return;
    }
    ch.lastActivityNanos = ticker.read();
    switch (sub) {
      case MESSAGE_SENDSIZE:
        sendSize(ch, r, res, prefix);
        break;
      case MESSAGE_SENDPAYLOAD:
        sendPayload(ch, r, res, prefix, corrupt);
        break;
      case MESSAGE_RECVSIZE:
        receiveSize(ch, r, res, prefix);
        break;
      case MESSAGE_RECVPAYLOAD:
        receivePayload(ch, r, res, prefix, corrupt);
        break;
      case MESSAGE_RECVSTATUS:
        receiveStatus(ch, r, res, prefix);
        break;
      default:
        throw new AssertionError(sub);
    }
    if (checkpointAfter && ch.operation != ChannelInfo.Operation.IDLE) {
      ch.operationGeneration = checkpointGeneration - 1;
    }
    res.note += faultNote;
  }

  /** The channel addressed by id and cookies, or null when there is none or a cookie is wrong. */
  private HostChannel lookup(int id, int cookieHigh, int cookieLow) {
    if (id >= channels.length) {
      return null;
    }
    HostChannel ch = channels[id];
    if (ch == null || ch.cookieHigh != cookieHigh || ch.cookieLow != cookieLow) {
      return null;
    }
    return ch;
  }

  private void open(Registers r, Result res) {
    boolean withCookie = (r.ebx() & FLAG_COOKIE) != 0;
    int protocol = r.ebx() & ~FLAG_COOKIE;
    String prefix =
        "OPEN " + BackdoorProtocol.protocolName(protocol) + (withCookie ? " cookie" : "") + ": ";
    Fault fault = matchFault(protocol, -1, Step.OPEN);
    if (fault != null) {
      switch (fault.action()) {
        case CLEAR_SUCCESS:
        case DROP_CHANNEL:
          res.answer = lb(r, 0);
          res.note = prefix + "refused [" + fault.action() + "]";
          return;
        case CHECKPOINT:
          res.answer = lb(r, STATUS_CPT);
          res.note = prefix + "refused [CHECKPOINT]";
          return;
        case CLOSE_CHANNEL:
          res.answer = lb(r, STATUS_CLOSED);
          res.note = prefix + "refused [CLOSE_CHANNEL]";
          return;
        case DELAY:
          res.delay = fault.delay();
          break;
        default:
          break;
      }
    }
    if (protocol != PROTOCOL_RPCI && protocol != PROTOCOL_TCLO) {
      res.answer = lb(r, 0);
      res.note = prefix + "unknown protocol";
      return;
    }
    if (withCookie && !cookiesSupported) {
      res.answer = lb(r, 0);
      res.note = prefix + "cookies not supported";
      return;
    }
    expireIdle();
    HostChannel ch = allocate(protocol, withCookie);
    if (ch == null) {
      res.answer = lb(r, 0);
      res.note = prefix + "channel table full";
      return;
    }
    res.answer =
        r.toBuilder()
            .ecx(STATUS_SUCCESS << 16)
            .edx(ch.id << 16)
            .esi(ch.cookieHigh)
            .edi(ch.cookieLow)
            .build();
    res.note = prefix + "channel " + ch.id;
  }

  /** Takes a slot for a new channel: the lowest free id, else the longest host-closed one. */
  private HostChannel allocate(int protocol, boolean withCookie) {
    int slot = -1;
    for (int i = 0; i < channels.length; i++) {
      if (channels[i] == null) {
        slot = i;
        break;
      }
    }
    if (slot < 0) {
      long oldest = Long.MAX_VALUE;
      for (int i = 0; i < channels.length; i++) {
        if (!channels[i].isOpen() && channels[i].closedNanos < oldest) {
          oldest = channels[i].closedNanos;
          slot = i;
        }
      }
      if (slot < 0) {
        return null;
      }
      channels[slot] = null;
    }
    int high = 0;
    int low = 0;
    if (withCookie) {
      do {
        high = random.nextInt();
        low = random.nextInt();
      } while (high == 0 && low == 0);
    }
    HostChannel ch = new HostChannel(slot, protocol, withCookie, high, low, ticker.read());
    channels[slot] = ch;
    if (protocol == PROTOCOL_TCLO) {
      HostChannel previous = tclo.opened(ch);
      if (previous != null && channels[previous.id] == previous && previous.isOpen()) {
        invalidate(previous, tcloTakeover, ChannelInfo.State.HOST_CLOSED);
      }
    }
    return ch;
  }

  /** Frees a slot (guest CLOSE, or the host forgetting the channel). */
  private void release(HostChannel ch) {
    endEndpoint(ch);
    if (channels[ch.id] == ch) {
      channels[ch.id] = null;
    }
  }

  private void invalidate(HostChannel ch, Invalidation kind, ChannelInfo.State closedState) {
    if (kind == Invalidation.COOKIES_INVALID) {
      release(ch);
      return;
    }
    if (ch.isOpen()) {
      endEndpoint(ch);
      ch.abandonOperation();
      ch.state = closedState;
      ch.closedNanos = ticker.read();
    }
  }

  /** What a channel's end means to its endpoint: an outstanding TCLO command is lost. */
  private void endEndpoint(HostChannel ch) {
    tclo.ended(ch);
  }

  private void checkIdle(HostChannel ch) {
    if (idleTimeout.isPresent()
        && ch.isOpen()
        && ticker.read() - ch.lastActivityNanos > idleTimeout.get().toNanos()) {
      invalidate(ch, Invalidation.HOST_CLOSED, ChannelInfo.State.TIMED_OUT);
    }
  }

  private int expireIdle() {
    if (idleTimeout.isEmpty()) {
      return 0;
    }
    int n = 0;
    for (HostChannel ch : channels) {
      if (ch != null && ch.isOpen()) {
        checkIdle(ch);
        if (!ch.isOpen()) {
          n++;
        }
      }
    }
    return n;
  }

  // ---- faults ----

  private Fault matchFault(int protocol, int id, Step step) {
    if (faults.isEmpty()) {
      return null;
    }
    Duration at = hostTime();
    for (Fault f : faults) {
      if (!f.matches(protocol, id, step, at)) {
        continue;
      }
      long count = ++faultCounts.get(f)[0];
      if (f.nth() > 0 && count != f.nth()) {
        continue;
      }
      if (f.probability() < 1.0 && random.nextDouble() >= f.probability()) {
        continue;
      }
      return f;
    }
    return null;
  }

  /**
   * Applies a fault that replaces the call's normal handling. Returns true when it did, with the
   * status to answer in {@code res.faultStatus}.
   */
  private boolean applyBlockingFault(Fault f, HostChannel ch, Result res, String prefix) {
    switch (f.action()) {
      case CLEAR_SUCCESS:
        res.faultStatus = 0;
        res.note = prefix + "refused [CLEAR_SUCCESS]";
        return true;
      case CHECKPOINT:
        ch.abandonOperation();
        res.faultStatus = STATUS_CPT;
        res.note = prefix + "cancelled [CHECKPOINT]";
        return true;
      case CLOSE_CHANNEL:
        invalidate(ch, Invalidation.HOST_CLOSED, ChannelInfo.State.HOST_CLOSED);
        res.faultStatus = STATUS_CLOSED;
        res.note = prefix + "closed by host [CLOSE_CHANNEL]";
        return true;
      case DROP_CHANNEL:
        release(ch);
        res.faultStatus = 0;
        res.note = prefix + "dropped [DROP_CHANNEL]";
        return true;
      default:
        return false;
    }
  }

  // ---- send ----

  private void sendSize(HostChannel ch, Registers r, Result res, String prefix) {
    if (ch.operation == ChannelInfo.Operation.SENDING) {
      ch.abandonOperation();
      res.answer = lb(r, 0);
      res.note = prefix + "out of order: message in progress discarded";
      return;
    }
    long length = r.ebx() & 0xFFFFFFFFL;
    if (length > MAX_GUEST_MESSAGE) {
      ch.abandonOperation();
      res.answer = lb(r, 0);
      res.note = prefix + length + " bytes: over the limit of " + MAX_GUEST_MESSAGE;
      return;
    }
    if (ch.protocol == PROTOCOL_TCLO && tclo.refusesUnsolicited(ch, length)) {
      ch.abandonOperation();
      res.answer = lb(r, 0);
      res.note = prefix + length + " bytes: unsolicited reply rejected";
      return;
    }
    // A send ends any receive in progress; the message being received stays available.
    ch.abandonOperation();
    int hb = highBandwidth ? STATUS_HB : 0;
    res.answer = lb(r, STATUS_SUCCESS | hb);
    if (length == 0) {
      res.note = prefix + "0 bytes, delivered";
      messageComplete(ch, new byte[0]);
      return;
    }
    ch.operation = ChannelInfo.Operation.SENDING;
    ch.operationGeneration = checkpointGeneration;
    ch.sendBuffer = new byte[(int) length];
    ch.sendOffset = 0;
    res.note = prefix + length + " bytes announced";
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
      HostChannel ch, Registers r, Result res, String prefix, boolean corrupt) {
    if (cancelledByCheckpoint(ch)) {
      res.answer = lb(r, STATUS_CPT);
      res.note = prefix + "checkpoint: send cancelled";
      return;
    }
    if (ch.operation != ChannelInfo.Operation.SENDING) {
      res.answer = lb(r, 0);
      res.note = prefix + "out of order: no send in progress";
      return;
    }
    int word = corrupt ? r.ebx() ^ 0xFF : r.ebx();
    int n = Math.min(4, ch.sendBuffer.length - ch.sendOffset);
    for (int i = 0; i < n; i++) {
      ch.sendBuffer[ch.sendOffset + i] = (byte) (word >>> (8 * i));
    }
    ch.sendOffset += n;
    res.answer = lb(r, STATUS_SUCCESS);
    if (ch.sendOffset == ch.sendBuffer.length) {
      byte[] message = ch.sendBuffer;
      ch.abandonOperation();
      res.note = prefix + "piece, message of " + message.length + " bytes delivered";
      messageComplete(ch, message);
    } else {
      res.note = prefix + "piece " + ch.sendOffset + "/" + ch.sendBuffer.length;
    }
  }

  // ---- receive ----

  private void receiveSize(HostChannel ch, Registers r, Result res, String prefix) {
    if (ch.operation == ChannelInfo.Operation.SENDING) {
      ch.abandonOperation();
      res.answer = lb(r, 0);
      res.note = prefix + "out of order: message in progress discarded";
      return;
    }
    ch.abandonOperation();
    int hb = highBandwidth ? STATUS_HB : 0;
    byte[] message;
    TcloCommand command = null;
    if (ch.protocol == PROTOCOL_RPCI) {
      message = ch.pendingReply;
    } else {
      command = tclo.commandToOffer(ch);
      message = command != null ? command.bytes : null;
    }
    if (message == null) {
      res.answer = lb(r, STATUS_SUCCESS | hb);
      res.note = prefix + "nothing to receive";
      return;
    }
    ch.operation =
        message.length == 0 ? ChannelInfo.Operation.RECEIVED : ChannelInfo.Operation.RECEIVING;
    ch.operationGeneration = checkpointGeneration;
    ch.receiveBuffer = message;
    ch.receiveOffset = 0;
    ch.receiveCommand = command;
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
            + (command != null ? " (" + command.text + ")" : "");
  }

  private void receivePayload(
      HostChannel ch, Registers r, Result res, String prefix, boolean corrupt) {
    if (cancelledByCheckpoint(ch)) {
      res.answer = lb(r, STATUS_CPT);
      res.note = prefix + "checkpoint: receive cancelled";
      return;
    }
    boolean receiving =
        ch.operation == ChannelInfo.Operation.RECEIVING
            || ch.operation == ChannelInfo.Operation.RECEIVED;
    if (!receiving) {
      res.answer = lb(r, 0);
      res.note = prefix + "out of order: no receive in progress";
      return;
    }
    if ((r.ebx() & STATUS_GUEST_MASK) == 0) {
      ch.abandonOperation();
      res.answer = lb(r, STATUS_SUCCESS);
      res.note = prefix + "guest reports receive failed; message kept";
      return;
    }
    if (ch.operation != ChannelInfo.Operation.RECEIVING) {
      res.answer = lb(r, 0);
      res.note = prefix + "out of order: payload all fetched";
      return;
    }
    int word = 0;
    int n = Math.min(4, ch.receiveBuffer.length - ch.receiveOffset);
    for (int i = 0; i < n; i++) {
      word |= (ch.receiveBuffer[ch.receiveOffset + i] & 0xFF) << (8 * i);
    }
    if (corrupt) {
      word ^= 0xFF;
    }
    ch.receiveOffset += n;
    if (ch.receiveOffset == ch.receiveBuffer.length) {
      ch.operation = ChannelInfo.Operation.RECEIVED;
    }
    res.answer =
        r.toBuilder()
            .ecx(STATUS_SUCCESS << 16)
            .edx(Registers.words(MESSAGE_SENDPAYLOAD, 0))
            .ebx(word)
            .build();
    res.note = prefix + "piece " + ch.receiveOffset + "/" + ch.receiveBuffer.length;
  }

  private void receiveStatus(HostChannel ch, Registers r, Result res, String prefix) {
    if (cancelledByCheckpoint(ch)) {
      res.answer = lb(r, STATUS_CPT);
      res.note = prefix + "checkpoint: receive cancelled";
      return;
    }
    boolean success = (r.ebx() & STATUS_GUEST_MASK) != 0;
    if (ch.operation == ChannelInfo.Operation.RECEIVING && !success) {
      ch.abandonOperation();
      res.answer = lb(r, STATUS_SUCCESS);
      res.note = prefix + "guest reports receive failed; message kept";
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
    TcloCommand command = ch.receiveCommand;
    int length = ch.receiveBuffer.length;
    ch.abandonOperation();
    res.answer = lb(r, STATUS_SUCCESS);
    if (!success) {
      res.note = prefix + "guest reports receive failed; message kept";
      return;
    }
    res.note = prefix + "message of " + length + " bytes received";
    if (ch.protocol == PROTOCOL_RPCI) {
      ch.pendingReply = null;
    } else if (command != null) {
      tclo.delivered(ch, command);
    }
  }

  // ---- the message layer, HB port ----

  private Result handleOuts(Registers r, byte[] bytes) {
    Result res = new Result();
    res.payloadLength = bytes.length;
    res.payloadCrc = callLogLimit > 0 ? crc(bytes) : 0;
    hbCall(r, bytes, true, res);
    finish(CallRecord.Kind.OUTS, r, res);
    return res;
  }

  private Result handleIns(Registers r, byte[] into) {
    Result res = new Result();
    hbCall(r, into, false, res);
    res.payloadLength = into.length;
    res.payloadCrc = callLogLimit > 0 ? crc(into) : 0;
    finish(CallRecord.Kind.INS, r, res);
    return res;
  }

  private static long crc(byte[] bytes) {
    CRC32 c = new CRC32();
    c.update(bytes);
    return c.getValue();
  }

  private static Registers hb(Registers r, int status) {
    return r.withEbx(status << 16);
  }

  private void hbCall(Registers r, byte[] bytes, boolean out, Result res) {
    Step step = out ? Step.SEND_HB : Step.RECV_HB;
    String prefix = (out ? "HB out" : "HB in") + " ch " + r.edxHigh() + ": ";
    if (r.eax() != MAGIC) {
      res.answer = hb(r, 0).withEax(NO_BACKDOOR);
      res.note = prefix + "wrong magic";
      return;
    }
    if (r.ebxLow() != HB_CMD_MESSAGE) {
      res.answer = hb(r, 0);
      res.note = prefix + "unknown HB command " + r.ebxLow();
      return;
    }
    int id = r.edxHigh();
    // outs: edi = low cookie, ebp = high; ins: esi = high, ebp = low.
    HostChannel ch = out ? lookup(id, r.ebp(), r.edi()) : lookup(id, r.esi(), r.ebp());
    if (ch == null) {
      res.answer = hb(r, 0);
      res.note =
          prefix
              + (id < channels.length && channels[id] != null ? "wrong cookie" : "no such channel");
      return;
    }
    checkIdle(ch);
    Fault fault = matchFault(ch.protocol, id, step);
    if (fault != null && applyBlockingFault(fault, ch, res, prefix)) {
      res.answer = hb(r, res.faultStatus);
      return;
    }
    boolean corrupt = fault != null && fault.action() == Fault.Action.CORRUPT_PAYLOAD;
    if (fault != null && fault.action() == Fault.Action.DELAY) {
      res.delay = fault.delay();
    }
    String faultNote = fault != null ? " [" + fault.action() + "]" : "";
    if (!ch.isOpen()) {
      int status = STATUS_CLOSED | (ch.state == ChannelInfo.State.TIMED_OUT ? STATUS_TIMEOUT : 0);
      res.answer = hb(r, status);
      res.note = prefix + "channel closed by host" + faultNote;
      return;
    }
    ch.lastActivityNanos = ticker.read();
    if (cancelledByCheckpoint(ch)) {
      res.answer = hb(r, STATUS_CPT);
      res.note = prefix + "checkpoint: " + (out ? "send" : "receive") + " cancelled" + faultNote;
      return;
    }
    if (!highBandwidth) {
      res.answer = hb(r, 0);
      res.note = prefix + "high-bandwidth port not offered" + faultNote;
      return;
    }
    if (out) {
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
                    : "no send in progress")
                + faultNote;
        return;
      }
      byte[] message = bytes.clone();
      if (corrupt && message.length > 0) {
        message[0] ^= (byte) 0xFF;
      }
      ch.abandonOperation();
      res.answer = hb(r, STATUS_SUCCESS);
      res.note = prefix + "message of " + message.length + " bytes delivered" + faultNote;
      messageComplete(ch, message);
    } else {
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
                    : "no receive in progress")
                + faultNote;
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
                  : "")
              + faultNote;
    }
  }

  // =============================================================================================
  // Endpoints
  // =============================================================================================

  private void messageComplete(HostChannel ch, byte[] message) {
    if (ch.protocol == PROTOCOL_RPCI) {
      ch.pendingReply = rpci.handle(ch.id, hostTime(), message);
    } else {
      tclo.message(ch, message);
    }
  }

  // =============================================================================================
  // Builder
  // =============================================================================================

  /** Builds a {@link VirtualHost}. Every setting has a default. */
  public static final class Builder {
    private UUID uuid;
    private int memoryMb = 4096;
    private int mhz = 2400;
    private int hardwareVersion = 19;
    private int productType = VmxVersion.ProductType.SCALABLE_SERVER.code();
    private int vmxVersion = BackdoorProtocol.VERSION_MAGIC;
    private long apicHz = 66_000_000L;
    private int maxTimeLagMicros = 1_000_000;
    private int interruptLagMicros = 0;
    private String machineId = "";
    private Clock clock;
    private Ticker ticker;
    private Simulation simulation;
    private Consumer<Duration> delayer;
    private Long seed;
    private int channelTableSize = BackdoorProtocol.MAX_CHANNELS;
    private boolean highBandwidth = true;
    private boolean cookiesSupported = true;
    private boolean rejectUnsolicitedTcloReplies;
    private Optional<Duration> idleTimeout = Optional.empty();
    private Invalidation tcloTakeover = Invalidation.HOST_CLOSED;
    private int callLogLimit = 10_000;
    private int historyLimit = 10_000;
    private int guestStoreLimit = 1024;
    private final Map<String, RpciHandler> handlers = new HashMap<>();

    private Builder() {}

    /** The BIOS UUID (GETUUID). Default: drawn from the seed. */
    public Builder uuid(UUID uuid) {
      this.uuid = Preconditions.checkNotNull(uuid);
      return this;
    }

    /** Guest memory in MB (GETMEMSIZE). Default 4096. */
    public Builder memoryMb(int memoryMb) {
      Preconditions.checkArgument(memoryMb > 0, "memoryMb must be positive");
      this.memoryMb = memoryMb;
      return this;
    }

    /** CPU speed in MHz (GETMHZ; GETHZ reports it as the TSC rate). Default 2400. */
    public Builder mhz(int mhz) {
      Preconditions.checkArgument(mhz > 0, "mhz must be positive");
      this.mhz = mhz;
      return this;
    }

    /** Virtual hardware version (GETHWVERSION). Default 19. */
    public Builder hardwareVersion(int hardwareVersion) {
      this.hardwareVersion = hardwareVersion;
      return this;
    }

    /** The product in GETVERSION's ecx. Default SCALABLE_SERVER (2, ESX; QEMU's default too). */
    public Builder productType(VmxVersion.ProductType productType) {
      Preconditions.checkArgument(
          productType != VmxVersion.ProductType.UNKNOWN,
          "UNKNOWN has no code; use productType(int)");
      this.productType = productType.code();
      return this;
    }

    /** GETVERSION's ecx as a raw value, for types the protocol does not define. */
    public Builder productType(int ecx) {
      this.productType = ecx;
      return this;
    }

    /** GETVERSION's eax. Default 6, the only value guests accept. */
    public Builder vmxVersion(int vmxVersion) {
      this.vmxVersion = vmxVersion;
      return this;
    }

    /** APIC bus frequency in Hz (GETHZ's ecx). Default 66,000,000. */
    public Builder apicHz(long apicHz) {
      this.apicHz = apicHz;
      return this;
    }

    /** Max time lag in microseconds (GETTIME/GETTIMEFULL ecx). Default 1,000,000. */
    public Builder maxTimeLagMicros(int micros) {
      this.maxTimeLagMicros = micros;
      return this;
    }

    /** Interrupt lag in microseconds (GETTIMEFULL_WITH_LAG edi). Default 0. */
    public Builder interruptLagMicros(int micros) {
      this.interruptLagMicros = micros;
      return this;
    }

    /** What {@code machine.id.get} answers after "1 ". Default empty. */
    public Builder machineId(String machineId) {
      this.machineId = Preconditions.checkNotNull(machineId);
      return this;
    }

    /**
     * Share this simulation's virtual time (clock and ticker) and, unless a seed is set, its seed.
     * DELAY faults advance it.
     */
    public Builder simulation(Simulation simulation) {
      this.simulation = Preconditions.checkNotNull(simulation);
      return this;
    }

    /** The host clock for GETTIME/GETTIMEFULL. Default: the simulation's clock. */
    public Builder hostClock(Clock clock) {
      this.clock = Preconditions.checkNotNull(clock);
      return this;
    }

    /**
     * The ticker for host time (idle timeout, fault windows, records). Default: the simulation's.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Preconditions.checkNotNull(ticker);
      return this;
    }

    /**
     * Told of the extra time a DELAY fault adds to a call: called on the calling thread, after the
     * call was answered and outside the host's lock, before the answer is returned. A network
     * server can use it to hold the answer back. Default: advance the simulation the host reads its
     * time from; nothing when a ticker was given instead.
     */
    public Builder delayer(Consumer<Duration> delayer) {
      this.delayer = Preconditions.checkNotNull(delayer);
      return this;
    }

    /**
     * Seed for cookies, fault probabilities and the default UUID. Default: the simulation's, or 0.
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Channel table size: 128 like current hosts (default), 8 like old ones. */
    public Builder channelTableSize(int size) {
      Preconditions.checkArgument(size >= 1 && size <= 0x10000, "bad channel table size %s", size);
      this.channelTableSize = size;
      return this;
    }

    /**
     * Whether the host offers the high-bandwidth port (HB bit at SENDSIZE/RECVSIZE). Default true.
     */
    public Builder highBandwidth(boolean offered) {
      this.highBandwidth = offered;
      return this;
    }

    /**
     * Whether an OPEN with the cookie flag is accepted. Default true; false is an old host that
     * refuses it, so guests fall back to a cookieless OPEN.
     */
    public Builder cookies(boolean supported) {
      this.cookiesSupported = supported;
      return this;
    }

    /**
     * Whether a non-empty TCLO message with no command outstanding is refused at its SENDSIZE
     * (true) or accepted and ignored (false, the default).
     */
    public Builder rejectUnsolicitedTcloReplies(boolean reject) {
      this.rejectUnsolicitedTcloReplies = reject;
      return this;
    }

    /** Close channels idle for longer than this. Default: never. */
    public Builder idleTimeout(Duration timeout) {
      Preconditions.checkArgument(timeout.compareTo(Duration.ZERO) > 0, "timeout must be positive");
      this.idleTimeout = Optional.of(timeout);
      return this;
    }

    /** What happens to the older TCLO channel when a newer one opens. Default HOST_CLOSED. */
    public Builder tcloTakeover(Invalidation kind) {
      this.tcloTakeover = Preconditions.checkNotNull(kind);
      return this;
    }

    /** How many calls the call log keeps (newest); 0 turns it off. Default 10,000. */
    public Builder callLogLimit(int limit) {
      Preconditions.checkArgument(limit >= 0, "negative limit");
      this.callLogLimit = limit;
      return this;
    }

    /**
     * How many RPCI requests, TCLO exchanges, commands sent and log lines are kept (newest); 0
     * keeps none. Default 10,000.
     */
    public Builder historyLimit(int limit) {
      Preconditions.checkArgument(limit >= 0, "negative limit");
      this.historyLimit = limit;
      return this;
    }

    /**
     * How many distinct names a guest may store in each of guestinfo, capabilities and {@code
     * SetGuestInfo} values; a request that would add one more is refused ({@code 0 Too many ...}),
     * so no guest can grow the host's memory without bound. Values the host puts itself ({@link
     * VirtualHost#putGuestInfo}) are not limited. Default 1,024.
     */
    public Builder guestStoreLimit(int names) {
      Preconditions.checkArgument(names >= 0, "negative limit");
      this.guestStoreLimit = names;
      return this;
    }

    /** Adds or replaces an RPCI handler (see {@link VirtualHost#rpciHandler}). */
    public Builder rpciHandler(String name, RpciHandler handler) {
      handlers.put(Preconditions.checkNotNull(name), Preconditions.checkNotNull(handler));
      return this;
    }

    /** The host. */
    public VirtualHost build() {
      return new VirtualHost(this);
    }

    /** Sets every policy of {@code policy} (channel table, offers, limits, idle timeout). */
    public Builder policy(HostPolicy policy) {
      channelTableSize(policy.channelTableSize());
      highBandwidth(policy.highBandwidth());
      cookies(policy.cookies());
      rejectUnsolicitedTcloReplies(policy.rejectUnsolicitedTcloReplies());
      idleTimeout = policy.idleTimeout();
      tcloTakeover(policy.tcloTakeover());
      callLogLimit(policy.callLogLimit());
      historyLimit(policy.historyLimit());
      return guestStoreLimit(policy.guestStoreLimit());
    }

    /** Sets every value of {@code identity}; an empty UUID is drawn from the seed. */
    public Builder identity(HostIdentity identity) {
      uuid = identity.uuid().orElse(null);
      memoryMb(identity.memoryMb());
      mhz(identity.mhz());
      hardwareVersion(identity.hardwareVersion());
      productType(identity.productType());
      vmxVersion(identity.vmxVersion());
      apicHz(identity.apicHz());
      maxTimeLagMicros(identity.maxTimeLagMicros());
      interruptLagMicros(identity.interruptLagMicros());
      return machineId(identity.machineId());
    }
  }
}
