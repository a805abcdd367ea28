package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;

import com.google.common.base.Preconditions;
import com.google.common.base.Ticker;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.VmxVersion;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import io.github.vmbackdoor.hostsim.settings.GuestApiValues;
import io.github.vmbackdoor.hostsim.settings.HostIdentity;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.settings.HostProfile;
import io.github.vmbackdoor.hostsim.settings.HostSetting;
import io.github.vmbackdoor.hostsim.settings.HostSettingLayer;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import io.github.vmbackdoor.hostsim.settings.RefusalRegisters;
import io.github.vmbackdoor.hostsim.settings.RemovableDevice;
import io.github.vmbackdoor.hostsim.settings.TcloTakeover;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.GuestInfoKey;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One emulated VM's VMX side of the backdoor: the command port, the message layer's channel table,
 * the TCLO and RPCI endpoints, host events and faults.
 *
 * <p>Guest code talks to it through {@link #backdoor()}, the in-process transport: each {@link
 * Backdoor} call is answered at once from the host's state, with no copying beyond the payload
 * bytes the protocol moves. Everything the host does is described, with the source each behaviour
 * rests on, in {@code docs/host-model.md}.
 *
 * <p>A façade over the host's parts: its own methods are the host events, the transports ({@link
 * #backdoor()}, {@link #connect}) and a few essentials; what the host recorded and holds (the call
 * log, the guest's requests and stores, the TCLO exchanges, the channels, the faults that hit) is
 * read through {@link #records()}.
 *
 * <p>Thread-safe: one lock per VirtualHost serialises every call, host event and read. Guests of
 * one VM may call from several threads.
 *
 * <p>Time: the host reads virtual time from a {@link Ticker} (idle timeouts, fault windows, the
 * times in its records, all as a {@link Duration} since the host was built) and its host clock from
 * a {@link Clock} (GETTIME and GETTIMEFULL). By default both come from a {@link Simulation} of its
 * own, seeded with the host's seed; pass {@link Builder#simulation(Simulation)} to share one loop
 * with guest code. Host events are methods ({@link #checkpoint()}, {@link #invalidateChannel},
 * {@link #hostReset()}, {@link #requestPowerOperation}, {@link #expireIdleChannels()}, {@link
 * #openCompetingTcloChannel()}, {@link #fillChannelTable()}) and are scheduled on the simulation as
 * {@code simulation.schedule(delay, host::checkpoint)}.
 */
public final class VirtualHost {

  /** GETVERSION's product type for ESX (SCALABLE_SERVER, 2), the default; QEMU's too. */
  public static final int PRODUCT_ESX = VmxVersion.ProductType.SCALABLE_SERVER.code();

  /** GETVERSION's product type for Workstation, Fusion and Player (4). */
  public static final int PRODUCT_WORKSTATION = VmxVersion.ProductType.WORKSTATION.code();

  /**
   * The TCLO application of vmtoolsd's service loop (vmsvc; {@code TOOLS_DAEMON_NAME} in
   * open-vm-tools' lib/include/vmware/guestrpc/tclodefs.h), the one host commands go to unless they
   * name another.
   */
  public static final String DEFAULT_TCLO_APP = TcloEndpoint.DEFAULT_APP;

  private static final Logger logger = LoggerFactory.getLogger(VirtualHost.class);

  /** Where a host's warnings go unless its builder says otherwise: one instance for all hosts. */
  private static final Consumer<String> LOG_WARNINGS = logger::warn;

  private final Simulation simulation;
  private final Backdoor backdoor;

  // ---- the parts, guarded by lock ----
  private final CommandPortAnswers commandPort;
  private final TcloEndpoint tclo;
  private final RpciEndpoint rpci;
  private final GuestMsgServer messages;
  private final CallLog callLog;

  private VirtualHost(Builder c) {
    long seed = c.effectiveSeed();
    this.simulation = c.simulationFor(seed);
    Clock clock = c.clock != null ? c.clock : simulation.clock();
    HostUptime time = new HostUptime(c.ticker != null ? c.ticker : simulation.ticker());
    HostPolicy p = c.policy;
    UUID uuid = c.identity.uuid().orElseGet(() -> CookieSource.uuidFor(seed));
    this.commandPort = new CommandPortAnswers(c.identity, uuid, clock);
    ChannelTable table =
        new ChannelTable(p.channelTableSize(), c.cookieSource(), seed, time, p.idleTimeout());
    this.tclo = new TcloEndpoint(time, p, table, commandPort);
    this.rpci = new RpciEndpoint(p, commandPort, time, tclo);
    c.handlers.forEach(rpci::handler);
    this.messages =
        new GuestMsgServer(
            table, rpci, tclo, seed, time, p, c.warnings != null ? c.warnings : LOG_WARNINGS);
    this.callLog = new CallLog(p.callLogLimit(), p.historyBytesLimit());
    this.backdoor =
        new InProcessBackdoor(messages, commandPort, callLog, c.delayerFor(simulation), null);
  }

  /** A builder with the defaults listed on each of its methods. */
  public static Builder builder() {
    return new Builder();
  }

  /** The in-process transport: guest code calls it directly. The same instance every time. */
  public Backdoor backdoor() {
    return backdoor;
  }

  /**
   * A new guest connection to this VM, as the TCP server makes one per client: its calls are
   * answered like those of {@link #backdoor()}, the channels it opens are its own (at most {@link
   * ConnectionPolicy#channelLimit()} open at once, closed on {@link GuestConnection#disconnect()}
   * when the policy says so), and a fault's delay is handed to the caller ({@link
   * GuestConnection#answerDelay()}) instead of being waited out.
   *
   * @param name the connection's name in the host's log lines, e.g. its remote address
   */
  public GuestConnection connect(String name, ConnectionPolicy policy) {
    Preconditions.checkNotNull(name, "name");
    Preconditions.checkNotNull(policy, "policy");
    ChannelOwner owner = new ChannelOwner(name, policy, messages.warnings());
    return new ConnectedGuest(
        owner,
        delay -> new InProcessBackdoor(messages, commandPort, callLog, delay, owner),
        () -> {
          synchronized (lock()) {
            table().releaseOwnedBy(owner);
          }
        },
        () -> {
          synchronized (lock()) {
            return table().openOwnedBy(owner) > 0;
          }
        });
  }

  /**
   * What the host has recorded and holds: the call log, the guest's requests and stores, the TCLO
   * queues and exchanges, the channel table, the faults: a view over the host's parts, each of
   * whose methods reads the host as it is at the call.
   */
  public HostRecords records() {
    return new HostRecords(messages, callLog, rpci, tclo);
  }

  /**
   * The host's lock: the monitor of its message server, a part nothing outside the host reaches.
   */
  private Object lock() {
    return messages;
  }

  /** The TCLO endpoint, for tests of its parts. */
  TcloEndpoint tcloPart() {
    return tclo;
  }

  /** The channel table, the message server's. */
  private ChannelTable table() {
    return messages.table();
  }

  /** Reads under the host's lock. */
  private <T> T locked(Supplier<T> read) {
    synchronized (lock()) {
      return read.get();
    }
  }

  // ---- identity and time ----

  /** The BIOS UUID GETUUID returns. */
  public UUID uuid() {
    return commandPort.uuid();
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
    return messages.time().now();
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
    synchronized (lock()) {
      messages.checkpoint();
      tclo.owesResetAll();
      tclo.resumed();
    }
  }

  /**
   * Makes one channel unusable in the given way.
   *
   * @return whether a channel with that id existed
   */
  public boolean invalidateChannel(int id, Invalidation kind) {
    Preconditions.checkNotNull(kind, "kind");
    synchronized (lock()) {
      HostChannel ch = table().at(id);
      if (ch != null) {
        table().invalidate(ch, kind, ChannelInfo.State.HOST_CLOSED);
      }
      return ch != null;
    }
  }

  /** Makes every channel unusable in the given way; returns how many there were. */
  public int invalidateAllChannels(Invalidation kind) {
    Preconditions.checkNotNull(kind, "kind");
    return locked(() -> table().invalidateAll(kind));
  }

  /** A host reset: "reset" goes to the front of the TCLO queue. Channels stay as they are. */
  public void hostReset() {
    synchronized (lock()) {
      tclo.owesResetAll();
    }
  }

  /**
   * Queues a host command for the guest's {@code toolbox} TCLO channel (vmtoolsd's service loop),
   * behind the commands already queued: {@code enqueueTclo("toolbox", command)}.
   *
   * @return false, queueing nothing, when the TCLO queues are full (see {@link #enqueueTclo(String,
   *     String)})
   */
  public boolean enqueueTclo(String command) {
    return enqueueTclo(TcloEndpoint.DEFAULT_APP, command);
  }

  /**
   * Queues a host command for the TCLO channel of application {@code app} ({@code toolbox}, {@code
   * toolbox-dnd}, ...: the name the channel's reply to "reset" gave, {@code OK ATR <app>}), behind
   * the commands already queued for that application.
   *
   * @return false, queueing nothing, when the queues of all applications together already hold
   *     {@link HostPolicy#tcloQueueLimit()} commands or the command would pass {@link
   *     HostPolicy#tcloQueueBytesLimit()}
   */
  public boolean enqueueTclo(String app, String command) {
    Preconditions.checkNotNull(app, "app");
    Preconditions.checkNotNull(command, "command");
    Preconditions.checkArgument(
        !app.isEmpty() && app.chars().noneMatch(c -> c <= ' '),
        "an application name has no spaces: \"%s\"",
        app);
    synchronized (lock()) {
      return tclo.enqueue(app, command);
    }
  }

  /**
   * Queues the TCLO command of a power operation and tracks it: the guest's reply, and the status
   * it reports with {@code tools.os.statechange.status}; see {@link HostRecords#powerOperations()}.
   *
   * @return false, requesting nothing, when the TCLO queue is full (see {@link #enqueueTclo})
   */
  public boolean requestPowerOperation(GuestOsState operation) {
    Preconditions.checkNotNull(operation, "operation");
    synchronized (lock()) {
      return tclo.requestPowerOperation(operation);
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
    return locked(() -> table().expireIdle());
  }

  /**
   * A second TCLO user: another guest process opens a TCLO channel (with cookies) for the {@code
   * toolbox} application and never polls it. The host talks to one TCLO channel per application, so
   * the takeover policy ({@link TcloTakeover}) decides. By default the guest's current {@code
   * toolbox} channel is made unusable; when the guest reopens, it takes the application back from
   * the other process the same way: they fight, as the NetBSD vmt(4) man page describes. With
   * {@code refuse-newer} the other process's channel is refused (closed host-side at once) while
   * the guest's channel lives, and the guest is untouched; but if the guest has no live {@code
   * toolbox} channel, the other process keeps the application and the guest's next channels are
   * refused.
   *
   * @return the id of the other process's channel, or -1 when the channel table is full
   */
  public int openCompetingTcloChannel() {
    synchronized (lock()) {
      HostChannel ch = messages.open(PROTOCOL_TCLO, true);
      if (ch == null) {
        return -1;
      }
      tclo.claim(ch, TcloEndpoint.DEFAULT_APP);
      return ch.id;
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
    synchronized (lock()) {
      table().expireIdle();
      int n = 0;
      while (messages.open(PROTOCOL_RPCI, messages.cookiesSupported()) != null) {
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
    synchronized (lock()) {
      rpci.handler(name, handler);
    }
  }

  /** Installs a fault; faults are tried in installation order and the first that hits applies. */
  public void installFault(Fault fault) {
    Preconditions.checkNotNull(fault, "fault");
    synchronized (lock()) {
      messages.install(fault);
    }
  }

  /** Removes a fault; returns whether it was installed. */
  public boolean removeFault(Fault fault) {
    return locked(() -> messages.faults().remove(fault));
  }

  /** Removes every fault. */
  public void clearFaults() {
    synchronized (lock()) {
      messages.faults().clear();
    }
  }

  /**
   * Sets a guestinfo value as if the VMX configuration held it. The name is bare ({@code ip}); the
   * full key ({@code guestinfo.ip}) means the same ({@link GuestInfoKey}).
   */
  public void putGuestInfo(String name, String value) {
    String key = GuestInfoKey.of(name);
    Preconditions.checkNotNull(value, "value");
    synchronized (lock()) {
      rpci.putGuestInfo(key, value);
    }
  }

  /**
   * Runs {@code action} under the host's lock, so that no guest call and no other host event comes
   * between its steps (a host event of several steps, a consistent read of several records); the
   * host's own methods and its {@link #records()} may be called inside it. The action must not
   * block.
   */
  public <T> T exclusively(Function<VirtualHost, T> action) {
    Objects.requireNonNull(action, "action");
    synchronized (lock()) {
      return action.apply(this);
    }
  }

  @Override
  public String toString() {
    return "VirtualHost{uuid="
        + uuid()
        + ", channels="
        + records().channels().size()
        + "/"
        + table().size()
        + (messages.offersHighBandwidth() ? ", HB" : ", no HB")
        + "}";
  }

  /**
   * Builds a {@link VirtualHost}: a {@link HostPolicy} and a {@link HostIdentity}, whose setters
   * here change one value each through their {@code with...} methods (so each value is checked
   * once, there), plus the host's time sources, seed and RPCI handlers. Every setting has a
   * default; the setters are listed with their defaults below.
   */
  public static final class Builder {
    HostPolicy policy = HostPolicy.DEFAULTS;
    HostIdentity identity = HostIdentity.DEFAULTS;

    // time
    Clock clock;
    Ticker ticker;
    Simulation simulation;
    Consumer<Duration> delayer;
    Long seed;
    CookieSource cookieSource;
    Consumer<String> warnings;

    final Map<String, RpciHandler> handlers = new HashMap<>();

    private Builder() {}

    /**
     * Where cookies come from: {@link CookieSource#SECURE} when set, else derived from the seed.
     */
    CookieSource cookieSource() {
      return cookieSource != null ? cookieSource : CookieSource.KEYED;
    }

    /** The seed: the one set, else the simulation's, else 0. */
    long effectiveSeed() {
      return seed != null ? seed : (simulation != null ? simulation.seed() : 0L);
    }

    /**
     * The simulation the host reads its time from: the one given, none when both a clock and a
     * ticker were given instead, else a new one seeded with {@code seed}.
     */
    Simulation simulationFor(long seed) {
      if (simulation != null) {
        return simulation;
      }
      return clock != null && ticker != null ? null : Simulation.create(seed);
    }

    /**
     * Who is told of a fault's extra time: the one given, else the simulation unless a ticker was.
     */
    Consumer<Duration> delayerFor(Simulation simulation) {
      if (delayer != null) {
        return delayer;
      }
      return simulation != null && ticker == null ? simulation.advancer() : d -> {};
    }

    /**
     * One host setting read from its text, as a scenario's {@code host} line or a vm-config key
     * gives it ({@link HostSetting#ALL}).
     *
     * @throws IllegalArgumentException with a one-line message when the value is not allowed
     */
    public Builder setting(HostSetting setting, String value) {
      apply(setting.parse(new HostSettings(policy, identity), value));
      return this;
    }

    /**
     * The settings {@code layer} gives, over what this builder holds; the settings it does not give
     * keep theirs.
     */
    public Builder settings(HostSettingLayer layer) {
      apply(layer.applyTo(new HostSettings(policy, identity)));
      return this;
    }

    private void apply(HostSettings settings) {
      policy = settings.policy();
      identity = settings.identity();
    }

    /**
     * Makes the host of this kind ({@link HostProfile}): its behaviour, product type and hardware
     * version. Later setters of those two values override it. Default {@link HostProfile#ESXI_8}.
     */
    public Builder profile(HostProfile profile) {
      Preconditions.checkNotNull(profile, "profile");
      policy = policy.withProfile(profile);
      identity = profile.applyTo(identity);
      return this;
    }

    /** Whether the host drives the tools' conversation itself (default false; serve's true). */
    public Builder toolsConversation(boolean drive) {
      policy = policy.withToolsConversation(drive);
      return this;
    }

    /** How often the host pings the tools while nothing else is queued (default 10 s). */
    public Builder heartbeatInterval(Duration interval) {
      policy = policy.withHeartbeatInterval(interval);
      return this;
    }

    /** How long after their last answer the tools count as not running (default 30 s). */
    public Builder heartbeatTimeout(Duration timeout) {
      policy = policy.withHeartbeatTimeout(timeout);
      return this;
    }

    /** Whether the time synchronisation of the VM's configuration is on (default false). */
    public Builder timeSync(boolean on) {
      identity = identity.withTimeSync(on);
      return this;
    }

    /** The VM's removable devices (default {@link RemovableDevice#DEFAULTS}). */
    public Builder devices(java.util.List<RemovableDevice> devices) {
      identity = identity.withDevices(devices);
      return this;
    }

    /** The values the Guest API answers (default {@link GuestApiValues#DEFAULTS}). */
    public Builder guestApi(GuestApiValues values) {
      identity = identity.withGuestApi(values);
      return this;
    }

    /** Sets every policy of {@code policy} (channel table, offers, limits, idle timeout). */
    public Builder policy(HostPolicy policy) {
      this.policy = Preconditions.checkNotNull(policy);
      return this;
    }

    /** Sets every value of {@code identity}; an empty UUID is drawn from the seed. */
    public Builder identity(HostIdentity identity) {
      this.identity = Preconditions.checkNotNull(identity);
      return this;
    }

    /**
     * Sets the host's policy and identity together, as scenario files and vm-config files give
     * them.
     */
    public Builder settings(HostSettings settings) {
      return policy(settings.policy()).identity(settings.identity());
    }

    /** The BIOS UUID (GETUUID). Default: drawn from the seed. */
    public Builder uuid(UUID uuid) {
      identity = identity.withUuid(Optional.of(uuid));
      return this;
    }

    /** Guest memory in MB (GETMEMSIZE). Default 4096. */
    public Builder memoryMb(int memoryMb) {
      identity = identity.withMemoryMb(memoryMb);
      return this;
    }

    /** CPU speed in MHz (GETMHZ; GETHZ reports it as the TSC rate). Default 2400. */
    public Builder mhz(int mhz) {
      identity = identity.withMhz(mhz);
      return this;
    }

    /** Virtual hardware version (GETHWVERSION). Default 19. */
    public Builder hardwareVersion(int hardwareVersion) {
      identity = identity.withHardwareVersion(hardwareVersion);
      return this;
    }

    /** The product in GETVERSION's ecx. Default SCALABLE_SERVER (2, ESX; QEMU's default too). */
    public Builder productType(VmxVersion.ProductType productType) {
      Preconditions.checkArgument(
          productType != VmxVersion.ProductType.UNKNOWN,
          "UNKNOWN has no code; use productType(int)");
      return productType(productType.code());
    }

    /** GETVERSION's ecx as a raw value, for types the protocol does not define. */
    public Builder productType(int ecx) {
      identity = identity.withProductType(ecx);
      return this;
    }

    /** GETVERSION's eax. Default 6, the only value guests accept. */
    public Builder vmxVersion(int vmxVersion) {
      identity = identity.withVmxVersion(vmxVersion);
      return this;
    }

    /** APIC bus frequency in Hz (GETHZ's ecx). Default 66,000,000. */
    public Builder apicHz(long apicHz) {
      identity = identity.withApicHz(apicHz);
      return this;
    }

    /** Max time lag in microseconds (GETTIME/GETTIMEFULL ecx). Default 1,000,000. */
    public Builder maxTimeLagMicros(int micros) {
      identity = identity.withMaxTimeLagMicros(micros);
      return this;
    }

    /** Interrupt lag in microseconds (GETTIMEFULL_WITH_LAG edi). Default 0. */
    public Builder interruptLagMicros(int micros) {
      identity = identity.withInterruptLagMicros(micros);
      return this;
    }

    /** What {@code machine.id.get} answers after "1 ". Default empty. */
    public Builder machineId(String machineId) {
      identity = identity.withMachineId(machineId);
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
     * Where the host's warning lines go (a call with a wrong cookie, a refused OPEN). Default: the
     * {@code VirtualHost} logger, at WARN. Tests read them here.
     */
    Builder warnings(Consumer<String> sink) {
      this.warnings = Preconditions.checkNotNull(sink);
      return this;
    }

    /**
     * Seed for cookies (unless {@link #secureCookies()}), fault probabilities and the default UUID.
     * Default: the simulation's, or 0. Cookies and the UUID come from a keyed function of the seed
     * that the UUID does not reveal; but whoever knows or guesses the seed can compute the cookies,
     * so a seeded host is for tests, not for untrusted guests.
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Draws cookies from a {@link java.security.SecureRandom}, unrelated to the seed and to
     * anything a guest can read, as a host that untrusted guests reach must ({@code serve} does).
     * The run is then not reproducible in its cookie values; everything else still follows the
     * seed. Default: cookies derived from the seed.
     */
    public Builder secureCookies() {
      this.cookieSource = CookieSource.SECURE;
      return this;
    }

    /**
     * Derives cookies from {@code key} instead of the seed: a run that must replay (a recording
     * keeps the key) while guests cannot compute each other's cookies from what they read. The key
     * is a secret: draw it from a {@link java.security.SecureRandom}. Default: cookies derived from
     * the seed.
     */
    public Builder cookieKey(long key) {
      this.cookieSource = new CookieSource.KeyedBy(key);
      return this;
    }

    /** Channel table size: 128 like current hosts (default), 8 like old ones. */
    public Builder channelTableSize(int size) {
      policy = policy.withChannelTableSize(size);
      return this;
    }

    /**
     * Whether the host offers the high-bandwidth port (HB bit at SENDSIZE/RECVSIZE). Default true.
     */
    public Builder highBandwidth(boolean offered) {
      policy = policy.withHighBandwidth(offered);
      return this;
    }

    /**
     * Whether an OPEN with the cookie flag is accepted. Default true; false is an old host that
     * refuses it, so guests fall back to a cookieless OPEN.
     */
    public Builder cookies(boolean supported) {
      policy = policy.withCookies(supported);
      return this;
    }

    /**
     * The longest message, in bytes, the host accepts from the guest: a SENDSIZE of more is refused
     * (status 0) and the channel stays open. 0 to {@link HostPolicy#MAX_GUEST_MESSAGE_LIMIT};
     * default 65,536, a VMware host's limit.
     */
    public Builder guestMessageLimit(int bytes) {
      policy = policy.withGuestMessageLimit(bytes);
      return this;
    }

    /**
     * Whether a non-empty TCLO message with no command outstanding is refused at its SENDSIZE
     * (true) or accepted and ignored (false, the default).
     */
    public Builder rejectUnsolicitedTcloReplies(boolean reject) {
      policy = policy.withRejectUnsolicitedTcloReplies(reject);
      return this;
    }

    /**
     * What eax holds when the host refuses a message call on the command port: {@link
     * RefusalRegisters#ZERO} (the default, as a real host answers) or {@link
     * RefusalRegisters#AS_LOADED} (the magic the guest loaded).
     */
    public Builder refusalRegisters(RefusalRegisters registers) {
      policy = policy.withRefusalRegisters(registers);
      return this;
    }

    /**
     * Whether a TCLO channel whose first message was a non-empty message the host did not ask for
     * (vmt's {@code OK ATR toolbox} right after it reopened) has its next empty ping refused, with
     * "reset" queued for it; once per channel. Default false.
     */
    public Builder resetAfterUnsolicitedReply(boolean reset) {
      policy = policy.withResetAfterUnsolicitedReply(reset);
      return this;
    }

    /** Close channels idle for longer than this. Default: never. */
    public Builder idleTimeout(Duration timeout) {
      policy = policy.withIdleTimeout(Optional.of(timeout));
      return this;
    }

    /**
     * Which TCLO channel of an application loses when a newer one claims it. Default: the older
     * one, closed host-side ({@link TcloTakeover#DEFAULT}).
     */
    public Builder tcloTakeover(TcloTakeover takeover) {
      policy = policy.withTcloTakeover(takeover);
      return this;
    }

    /** How many calls the call log keeps (newest); 0 turns it off. Default 10,000. */
    public Builder callLogLimit(int limit) {
      policy = policy.withCallLogLimit(limit);
      return this;
    }

    /**
     * How many RPCI requests, TCLO exchanges, commands sent and log lines are kept (newest); 0
     * keeps none. Default 10,000.
     */
    public Builder historyLimit(int limit) {
      policy = policy.withHistoryLimit(limit);
      return this;
    }

    /**
     * How many distinct names a guest may store in each of guestinfo, capabilities and {@code
     * SetGuestInfo} values; a request that would add one more is refused ({@code 0 Too many ...}),
     * so no guest can grow the host's memory without bound. Values the host puts itself ({@link
     * VirtualHost#putGuestInfo}) are not limited. Default 1,024.
     */
    public Builder guestStoreLimit(int names) {
      policy = policy.withGuestStoreLimit(names);
      return this;
    }

    /**
     * How many bytes each history keeps (the call log, RPCI requests, TCLO exchanges and commands
     * sent, log lines), as well as {@link #historyLimit} entries; the oldest go first. Default 4
     * MiB.
     */
    public Builder historyBytesLimit(long bytes) {
      policy = policy.withHistoryBytesLimit(bytes);
      return this;
    }

    /**
     * How many bytes of names and values a guest may store in each of guestinfo, capabilities and
     * {@code SetGuestInfo} values; a request that would pass it is refused ({@code 0 Too much
     * ...}). Default 1 MiB.
     */
    public Builder guestStoreBytesLimit(long bytes) {
      policy = policy.withGuestStoreBytesLimit(bytes);
      return this;
    }

    /**
     * How many TCLO commands may wait to be delivered, the queues of all applications together;
     * {@link VirtualHost#enqueueTclo} refuses more. Default 1,024.
     */
    public Builder tcloQueueLimit(int commands) {
      policy = policy.withTcloQueueLimit(commands);
      return this;
    }

    /**
     * How many bytes of TCLO commands may wait to be delivered, the queues of all applications
     * together. Default 1 MiB.
     */
    public Builder tcloQueueBytesLimit(long bytes) {
      policy = policy.withTcloQueueBytesLimit(bytes);
      return this;
    }

    /** Adds or replaces an RPCI handler (see {@link VirtualHost#rpciHandler}). */
    public Builder rpciHandler(String name, RpciHandler handler) {
      this.handlers.put(Preconditions.checkNotNull(name), Preconditions.checkNotNull(handler));
      return this;
    }

    /** The host. */
    public VirtualHost build() {
      return new VirtualHost(this);
    }
  }
}
