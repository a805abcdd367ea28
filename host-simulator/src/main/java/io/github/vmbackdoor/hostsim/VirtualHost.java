package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.NO_BACKDOOR;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;

import com.google.common.base.Preconditions;
import com.google.common.base.Ticker;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.core.VmxVersion;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

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

  private final Object lock = new Object();
  private final Simulation simulation;
  private final Ticker ticker;
  private final long startNanos;
  private final Consumer<Duration> delayer;
  private final boolean cookiesSupported;
  private final Backdoor backdoor = new InProcessBackdoor();

  // ---- the parts, guarded by lock ----
  private final CommandPortAnswers commandPort;
  private final ChannelTable table;
  private final TcloEndpoint tclo;
  private final RpciEndpoint rpci;
  private final FaultBook faults;
  private final GuestMsgServer messages;
  private final CallLog callLog;

  private VirtualHost(HostConfig c) {
    long seed = c.seed != null ? c.seed : (c.simulation != null ? c.simulation.seed() : 0L);
    if (c.simulation != null) {
      this.simulation = c.simulation;
    } else if (c.clock != null && c.ticker != null) {
      this.simulation = null;
    } else {
      this.simulation = Simulation.create(seed);
    }
    Clock clock = c.clock != null ? c.clock : simulation.clock();
    this.ticker = c.ticker != null ? c.ticker : simulation.ticker();
    if (c.delayer != null) {
      this.delayer = c.delayer;
    } else if (simulation != null && c.ticker == null) {
      this.delayer = simulation::advance;
    } else {
      this.delayer = d -> {};
    }
    this.startNanos = ticker.read();
    this.cookiesSupported = c.cookiesSupported;
    SplittableRandom random = new SplittableRandom(seed);
    SplittableRandom identity = new SplittableRandom(seed ^ 0x5DEECE66DL);
    UUID uuid = c.uuid != null ? c.uuid : new UUID(identity.nextLong(), identity.nextLong());
    this.commandPort = new CommandPortAnswers(c, uuid, clock);
    this.table = new ChannelTable(c.channelTableSize, random, ticker, c.idleTimeout);
    PowerOperations power = new PowerOperations();
    this.tclo =
        new TcloEndpoint(
            ticker,
            startNanos,
            c.historyLimit,
            c.rejectUnsolicitedTcloReplies,
            table,
            c.tcloTakeover,
            power);
    this.rpci =
        new RpciEndpoint(c.historyLimit, c.guestStoreLimit, c.machineId, this::hostTime, power);
    c.handlers.forEach(rpci::handler);
    this.faults = new FaultBook(random);
    this.messages =
        new GuestMsgServer(
            table,
            List.of(rpci, tclo),
            faults,
            ticker,
            this::hostTime,
            c.highBandwidth,
            c.cookiesSupported);
    this.callLog = new CallLog(c.callLogLimit);
  }

  /** A builder with the defaults listed on each of its methods. */
  public static Builder builder() {
    return new Builder();
  }

  /** The in-process transport: guest code calls it directly. The same instance every time. */
  public Backdoor backdoor() {
    return backdoor;
  }

  private <T> T locked(Supplier<T> read) {
    synchronized (lock) {
      return read.get();
    }
  }

  // ---- identity and policies ----

  /** The BIOS UUID GETUUID returns. */
  public UUID uuid() {
    return commandPort.uuid();
  }

  /** The size of the channel table. */
  public int channelTableSize() {
    return table.size();
  }

  /** Whether the host offers the high-bandwidth port. */
  public boolean offersHighBandwidth() {
    return messages.offersHighBandwidth();
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

  // ---- host events ----

  /**
   * A checkpoint: the VM is suspended and resumed (snapshot, suspend/resume, vMotion). Every
   * message operation in progress across it is cancelled: the next payload, HB or RECVSTATUS call
   * of that operation answers CPT without SUCCESS (a message being received stays available). After
   * the resume the host sends "reset" on the TCLO channel before any other queued command. Channels
   * stay open.
   */
  public void checkpoint() {
    synchronized (lock) {
      messages.checkpoint();
      tclo.queueFirst(TcloEndpoint.RESET);
    }
  }

  /** Checkpoints so far. */
  public long checkpoints() {
    return locked(messages::checkpoints);
  }

  /**
   * Makes one channel unusable in the given way.
   *
   * @return whether a channel with that id existed
   */
  public boolean invalidateChannel(int id, Invalidation kind) {
    Preconditions.checkNotNull(kind, "kind");
    synchronized (lock) {
      HostChannel ch = table.at(id);
      if (ch != null) {
        table.invalidate(ch, kind, ChannelInfo.State.HOST_CLOSED);
      }
      return ch != null;
    }
  }

  /** Makes every channel unusable in the given way; returns how many there were. */
  public int invalidateAllChannels(Invalidation kind) {
    Preconditions.checkNotNull(kind, "kind");
    return locked(() -> table.invalidateAll(kind));
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
  public void requestPowerOperation(GuestOsState operation) {
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
    return locked(table::expireIdle);
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
      HostChannel ch = messages.open(PROTOCOL_TCLO, true);
      return ch == null ? -1 : ch.id;
    }
  }

  /**
   * Channel exhaustion: another guest process opens RPCI channels (with cookies when the host
   * supports them) and never closes them, until the table is full. As at any OPEN, idle channels
   * are closed first, and a slot the host closed is taken again; the guest's next OPEN fails until
   * a channel is freed. These opens are the host's own doing: they are not in the call log and no
   * fault applies to them.
   *
   * @return how many channels the other process opened
   */
  public int fillChannelTable() {
    synchronized (lock) {
      table.expireIdle();
      int n = 0;
      while (messages.open(PROTOCOL_RPCI, cookiesSupported) != null) {
        n++;
      }
      return n;
    }
  }

  // ---- RPCI handlers and faults ----

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
      faults.install(fault);
    }
  }

  /** Removes a fault; returns whether it was installed. */
  public boolean removeFault(Fault fault) {
    return locked(() -> faults.remove(fault));
  }

  /** Removes every fault. */
  public void clearFaults() {
    synchronized (lock) {
      faults.clear();
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

  // ---- introspection ----

  /** The newest calls, oldest first (at most the call log limit; empty when the log is off). */
  public List<CallRecord> callLog() {
    return locked(callLog::records);
  }

  /** Every call the host answered so far (also those the bounded log dropped). */
  public long callCount() {
    return locked(callLog::count);
  }

  /** The RPCI requests received, oldest first (at most the history limit). */
  public List<RpciRequest> rpciRequests() {
    return locked(rpci::requests);
  }

  /** The guestinfo store (keys with their {@code guestinfo.} prefix). */
  public Map<String, String> guestInfo() {
    return locked(rpci::guestInfo);
  }

  /** The capabilities the guest declared with {@code tools.capability.<name> [value]}. */
  public Map<String, String> capabilities() {
    return locked(rpci::capabilities);
  }

  /** The values the guest set with {@code SetGuestInfo <type> <value>}, by type. */
  public Map<Integer, String> setGuestInfoValues() {
    return locked(rpci::setGuestInfo);
  }

  /** The text of the guest's {@code log} requests, oldest first. */
  public List<String> guestLog() {
    return locked(rpci::guestLog);
  }

  /** The application names declared with {@code vmx.capability.unified_loop}. */
  public List<String> unifiedLoopApps() {
    return locked(rpci::unifiedLoopApps);
  }

  /** The version from {@code tools.set.version}, or from {@code tools.set.versiontype}. */
  public Optional<String> toolsVersion() {
    return locked(rpci::toolsVersion);
  }

  /** The type from {@code tools.set.versiontype}. */
  public Optional<String> toolsVersionType() {
    return locked(rpci::toolsVersionType);
  }

  /** The TCLO commands delivered to the guest (fetched and acknowledged), oldest first. */
  public List<String> tcloCommandsSent() {
    return locked(tclo::commandsSent);
  }

  /** The TCLO commands waiting to be delivered, in order. */
  public List<String> pendingTcloCommands() {
    return locked(tclo::pending);
  }

  /** The command delivered on the current TCLO channel and not answered yet. */
  public Optional<String> outstandingTcloCommand() {
    return locked(tclo::outstanding);
  }

  /** The id of the TCLO channel the host talks to, if one is open. */
  public Optional<Integer> activeTcloChannel() {
    return locked(tclo::activeChannel);
  }

  /** Finished TCLO exchanges, oldest first (at most the history limit). */
  public List<TcloExchange> tcloExchanges() {
    return locked(tclo::exchanges);
  }

  /** The guest's replies to host commands, oldest first (answered exchanges only). */
  public List<String> tcloReplies() {
    return locked(tclo::replies);
  }

  /** Every power operation requested, with what became of it, oldest first. */
  public List<PowerOperationReport> powerOperations() {
    return locked(tclo::powerOperations);
  }

  /** The occupied slots of the channel table, by id. */
  public List<ChannelInfo> channels() {
    return locked(() -> table.snapshot(startNanos));
  }

  /** The channel in slot {@code id}, if occupied. */
  public Optional<ChannelInfo> channel(int id) {
    return channels().stream().filter(c -> c.id() == id).findFirst();
  }

  @Override
  public String toString() {
    return "VirtualHost{uuid="
        + uuid()
        + ", channels="
        + channels().size()
        + "/"
        + channelTableSize()
        + (offersHighBandwidth() ? ", HB" : ", no HB")
        + "}";
  }

  // ---- the port ----

  /** One call: answered under the lock, logged, then delayed outside it as a fault asked. */
  private Registers call(
      TraceCall.Operation operation, Registers r, byte[] bytes, Consumer<CallResult> serve) {
    CallResult res = new CallResult();
    synchronized (lock) {
      serve.accept(res);
      if (bytes != null) {
        res.payloadLength = bytes.length;
        res.payloadCrc = callLog.crc(bytes);
      }
      callLog.add(operation, hostTime(), r, res);
    }
    if (!res.delay.isZero()) {
      delayer.accept(res.delay);
    }
    return res.answer;
  }

  private void in(Registers r, CallResult res) {
    BackdoorCommand command = BackdoorCommand.of(r.ecxLow()).orElse(null);
    Registers answer = command == null ? null : commandPort.answer(command, r);
    if (r.eax() != MAGIC) {
      res.answer = r.withEax(NO_BACKDOOR);
      res.note = "wrong magic";
    } else if (command == BackdoorCommand.MESSAGE) {
      messages.message(r, res);
    } else if (answer == null) {
      res.answer = r.withEax(NO_BACKDOOR);
      res.note = "unknown command " + r.ecxLow();
    } else {
      res.answer = answer;
      res.note = command.name();
    }
  }

  private final class InProcessBackdoor implements Backdoor {
    @Override
    public Registers in(Registers registers) {
      Preconditions.checkNotNull(registers, "registers");
      return call(
          TraceCall.Operation.IN, registers, null, res -> VirtualHost.this.in(registers, res));
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
      return call(
          TraceCall.Operation.OUTS,
          registers,
          bytes,
          res -> messages.highBandwidth(registers, bytes, true, res));
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
      return call(
          TraceCall.Operation.INS,
          registers,
          into,
          res -> messages.highBandwidth(registers, into, false, res));
    }

    @Override
    public String toString() {
      return "in-process backdoor to " + VirtualHost.this;
    }
  }

  /** Builds a {@link VirtualHost}. Every setting has a default. */
  public static final class Builder {
    private final HostConfig config = new HostConfig();

    private Builder() {}

    /** The BIOS UUID (GETUUID). Default: drawn from the seed. */
    public Builder uuid(UUID uuid) {
      config.uuid = Preconditions.checkNotNull(uuid);
      return this;
    }

    /** Guest memory in MB (GETMEMSIZE). Default 4096. */
    public Builder memoryMb(int memoryMb) {
      Preconditions.checkArgument(memoryMb > 0, "memoryMb must be positive");
      config.memoryMb = memoryMb;
      return this;
    }

    /** CPU speed in MHz (GETMHZ; GETHZ reports it as the TSC rate). Default 2400. */
    public Builder mhz(int mhz) {
      Preconditions.checkArgument(mhz > 0, "mhz must be positive");
      config.mhz = mhz;
      return this;
    }

    /** Virtual hardware version (GETHWVERSION). Default 19. */
    public Builder hardwareVersion(int hardwareVersion) {
      config.hardwareVersion = hardwareVersion;
      return this;
    }

    /** The product in GETVERSION's ecx. Default SCALABLE_SERVER (2, ESX; QEMU's default too). */
    public Builder productType(VmxVersion.ProductType productType) {
      Preconditions.checkArgument(
          productType != VmxVersion.ProductType.UNKNOWN,
          "UNKNOWN has no code; use productType(int)");
      config.productType = productType.code();
      return this;
    }

    /** GETVERSION's ecx as a raw value, for types the protocol does not define. */
    public Builder productType(int ecx) {
      config.productType = ecx;
      return this;
    }

    /** GETVERSION's eax. Default 6, the only value guests accept. */
    public Builder vmxVersion(int vmxVersion) {
      config.vmxVersion = vmxVersion;
      return this;
    }

    /** APIC bus frequency in Hz (GETHZ's ecx). Default 66,000,000. */
    public Builder apicHz(long apicHz) {
      config.apicHz = apicHz;
      return this;
    }

    /** Max time lag in microseconds (GETTIME/GETTIMEFULL ecx). Default 1,000,000. */
    public Builder maxTimeLagMicros(int micros) {
      config.maxTimeLagMicros = micros;
      return this;
    }

    /** Interrupt lag in microseconds (GETTIMEFULL_WITH_LAG edi). Default 0. */
    public Builder interruptLagMicros(int micros) {
      config.interruptLagMicros = micros;
      return this;
    }

    /** What {@code machine.id.get} answers after "1 ". Default empty. */
    public Builder machineId(String machineId) {
      config.machineId = Preconditions.checkNotNull(machineId);
      return this;
    }

    /**
     * Share this simulation's virtual time (clock and ticker) and, unless a seed is set, its seed.
     * DELAY faults advance it.
     */
    public Builder simulation(Simulation simulation) {
      config.simulation = Preconditions.checkNotNull(simulation);
      return this;
    }

    /** The host clock for GETTIME/GETTIMEFULL. Default: the simulation's clock. */
    public Builder hostClock(Clock clock) {
      config.clock = Preconditions.checkNotNull(clock);
      return this;
    }

    /**
     * The ticker for host time (idle timeout, fault windows, records). Default: the simulation's.
     */
    public Builder ticker(Ticker ticker) {
      config.ticker = Preconditions.checkNotNull(ticker);
      return this;
    }

    /**
     * Told of the extra time a DELAY fault adds to a call: called on the calling thread, after the
     * call was answered and outside the host's lock, before the answer is returned. A network
     * server can use it to hold the answer back. Default: advance the simulation the host reads its
     * time from; nothing when a ticker was given instead.
     */
    public Builder delayer(Consumer<Duration> delayer) {
      config.delayer = Preconditions.checkNotNull(delayer);
      return this;
    }

    /**
     * Seed for cookies, fault probabilities and the default UUID. Default: the simulation's, or 0.
     */
    public Builder seed(long seed) {
      config.seed = seed;
      return this;
    }

    /** Channel table size: 128 like current hosts (default), 8 like old ones. */
    public Builder channelTableSize(int size) {
      Preconditions.checkArgument(size >= 1 && size <= 0x10000, "bad channel table size %s", size);
      config.channelTableSize = size;
      return this;
    }

    /**
     * Whether the host offers the high-bandwidth port (HB bit at SENDSIZE/RECVSIZE). Default true.
     */
    public Builder highBandwidth(boolean offered) {
      config.highBandwidth = offered;
      return this;
    }

    /**
     * Whether an OPEN with the cookie flag is accepted. Default true; false is an old host that
     * refuses it, so guests fall back to a cookieless OPEN.
     */
    public Builder cookies(boolean supported) {
      config.cookiesSupported = supported;
      return this;
    }

    /**
     * Whether a non-empty TCLO message with no command outstanding is refused at its SENDSIZE
     * (true) or accepted and ignored (false, the default).
     */
    public Builder rejectUnsolicitedTcloReplies(boolean reject) {
      config.rejectUnsolicitedTcloReplies = reject;
      return this;
    }

    /** Close channels idle for longer than this. Default: never. */
    public Builder idleTimeout(Duration timeout) {
      Preconditions.checkArgument(timeout.compareTo(Duration.ZERO) > 0, "timeout must be positive");
      config.idleTimeout = Optional.of(timeout);
      return this;
    }

    /** What happens to the older TCLO channel when a newer one opens. Default HOST_CLOSED. */
    public Builder tcloTakeover(Invalidation kind) {
      config.tcloTakeover = Preconditions.checkNotNull(kind);
      return this;
    }

    /** How many calls the call log keeps (newest); 0 turns it off. Default 10,000. */
    public Builder callLogLimit(int limit) {
      Preconditions.checkArgument(limit >= 0, "negative limit");
      config.callLogLimit = limit;
      return this;
    }

    /**
     * How many RPCI requests, TCLO exchanges, commands sent and log lines are kept (newest); 0
     * keeps none. Default 10,000.
     */
    public Builder historyLimit(int limit) {
      Preconditions.checkArgument(limit >= 0, "negative limit");
      config.historyLimit = limit;
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
      config.guestStoreLimit = names;
      return this;
    }

    /** Adds or replaces an RPCI handler (see {@link VirtualHost#rpciHandler}). */
    public Builder rpciHandler(String name, RpciHandler handler) {
      config.handlers.put(Preconditions.checkNotNull(name), Preconditions.checkNotNull(handler));
      return this;
    }

    /** The host. */
    public VirtualHost build() {
      return new VirtualHost(config);
    }
  }
}
