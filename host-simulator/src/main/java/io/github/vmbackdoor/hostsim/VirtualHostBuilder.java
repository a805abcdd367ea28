package io.github.vmbackdoor.hostsim;

import com.google.common.base.Preconditions;
import com.google.common.base.Ticker;
import io.github.vmbackdoor.core.VmxVersion;
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
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Builds a {@link VirtualHost}: a {@link HostPolicy} and a {@link HostIdentity}, whose setters here
 * change one value each through their {@code with...} methods (so each value is checked once,
 * there), plus the host's time sources, seed and RPCI handlers. Every setting has a default; the
 * setters are listed with their defaults below.
 */
public final class VirtualHostBuilder {
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
  boolean singleThreaded;

  final Map<String, RpciHandler> handlers = new HashMap<>();

  VirtualHostBuilder() {}

  /** Where cookies come from: {@link CookieSource#SECURE} when set, else derived from the seed. */
  CookieSource cookieSource() {
    return cookieSource != null ? cookieSource : CookieSource.KEYED;
  }

  /** The seed: the one set, else the simulation's, else 0. */
  long effectiveSeed() {
    return seed != null ? seed : (simulation != null ? simulation.seed() : 0L);
  }

  /**
   * The simulation the host reads its time from: the one given, none when both a clock and a ticker
   * were given instead, else a new one seeded with {@code seed}.
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
   * One host setting read from its text, as a scenario's {@code host} line or a vm-config key gives
   * it ({@link HostSetting#ALL}).
   *
   * @throws IllegalArgumentException with a one-line message when the value is not allowed
   */
  public VirtualHostBuilder setting(HostSetting setting, String value) {
    apply(setting.parse(new HostSettings(policy, identity), value));
    return this;
  }

  /**
   * The settings {@code layer} gives, over what this builder holds; the settings it does not give
   * keep theirs.
   */
  public VirtualHostBuilder settings(HostSettingLayer layer) {
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
  public VirtualHostBuilder profile(HostProfile profile) {
    Preconditions.checkNotNull(profile, "profile");
    policy = policy.withProfile(profile);
    identity = profile.applyTo(identity);
    return this;
  }

  /** Whether the host drives the tools' conversation itself (default false; serve's true). */
  public VirtualHostBuilder toolsConversation(boolean drive) {
    policy = policy.withToolsConversation(drive);
    return this;
  }

  /** How often the host pings the tools while nothing else is queued (default 10 s). */
  public VirtualHostBuilder heartbeatInterval(Duration interval) {
    policy = policy.withHeartbeatInterval(interval);
    return this;
  }

  /** How long after their last answer the tools count as not running (default 30 s). */
  public VirtualHostBuilder heartbeatTimeout(Duration timeout) {
    policy = policy.withHeartbeatTimeout(timeout);
    return this;
  }

  /** Whether the time synchronisation of the VM's configuration is on (default false). */
  public VirtualHostBuilder timeSync(boolean on) {
    identity = identity.withTimeSync(on);
    return this;
  }

  /** The VM's removable devices (default {@link RemovableDevice#DEFAULTS}). */
  public VirtualHostBuilder devices(java.util.List<RemovableDevice> devices) {
    identity = identity.withDevices(devices);
    return this;
  }

  /** The values the Guest API answers (default {@link GuestApiValues#DEFAULTS}). */
  public VirtualHostBuilder guestApi(GuestApiValues values) {
    identity = identity.withGuestApi(values);
    return this;
  }

  /** Sets every policy of {@code policy} (channel table, offers, limits, idle timeout). */
  public VirtualHostBuilder policy(HostPolicy policy) {
    this.policy = Preconditions.checkNotNull(policy);
    return this;
  }

  /** Sets every value of {@code identity}; an empty UUID is drawn from the seed. */
  public VirtualHostBuilder identity(HostIdentity identity) {
    this.identity = Preconditions.checkNotNull(identity);
    return this;
  }

  /**
   * Sets the host's policy and identity together, as scenario files and vm-config files give them.
   */
  public VirtualHostBuilder settings(HostSettings settings) {
    return policy(settings.policy()).identity(settings.identity());
  }

  /** The BIOS UUID (GETUUID). Default: drawn from the seed. */
  public VirtualHostBuilder uuid(UUID uuid) {
    identity = identity.withUuid(Optional.of(uuid));
    return this;
  }

  /** Guest memory in MB (GETMEMSIZE). Default 4096. */
  public VirtualHostBuilder memoryMb(int memoryMb) {
    identity = identity.withMemoryMb(memoryMb);
    return this;
  }

  /** CPU speed in MHz (GETMHZ; GETHZ reports it as the TSC rate). Default 2400. */
  public VirtualHostBuilder mhz(int mhz) {
    identity = identity.withMhz(mhz);
    return this;
  }

  /** Virtual hardware version (GETHWVERSION). Default 19. */
  public VirtualHostBuilder hardwareVersion(int hardwareVersion) {
    identity = identity.withHardwareVersion(hardwareVersion);
    return this;
  }

  /** The product in GETVERSION's ecx. Default SCALABLE_SERVER (2, ESX; QEMU's default too). */
  public VirtualHostBuilder productType(VmxVersion.ProductType productType) {
    Preconditions.checkArgument(
        productType != VmxVersion.ProductType.UNKNOWN, "UNKNOWN has no code; use productType(int)");
    return productType(productType.code());
  }

  /** GETVERSION's ecx as a raw value, for types the protocol does not define. */
  public VirtualHostBuilder productType(int ecx) {
    identity = identity.withProductType(ecx);
    return this;
  }

  /** GETVERSION's eax. Default 6, the only value guests accept. */
  public VirtualHostBuilder vmxVersion(int vmxVersion) {
    identity = identity.withVmxVersion(vmxVersion);
    return this;
  }

  /** APIC bus frequency in Hz (GETHZ's ecx). Default 66,000,000. */
  public VirtualHostBuilder apicHz(long apicHz) {
    identity = identity.withApicHz(apicHz);
    return this;
  }

  /** Max time lag in microseconds (GETTIME/GETTIMEFULL ecx). Default 1,000,000. */
  public VirtualHostBuilder maxTimeLagMicros(int micros) {
    identity = identity.withMaxTimeLagMicros(micros);
    return this;
  }

  /** Interrupt lag in microseconds (GETTIMEFULL_WITH_LAG edi). Default 0. */
  public VirtualHostBuilder interruptLagMicros(int micros) {
    identity = identity.withInterruptLagMicros(micros);
    return this;
  }

  /** What {@code machine.id.get} answers after "1 ". Default empty. */
  public VirtualHostBuilder machineId(String machineId) {
    identity = identity.withMachineId(machineId);
    return this;
  }

  /**
   * Share this simulation's virtual time (clock and ticker) and, unless a seed is set, its seed.
   * DELAY faults advance it.
   */
  public VirtualHostBuilder simulation(Simulation simulation) {
    this.simulation = Preconditions.checkNotNull(simulation);
    return this;
  }

  /** The host clock for GETTIME/GETTIMEFULL. Default: the simulation's clock. */
  public VirtualHostBuilder hostClock(Clock clock) {
    this.clock = Preconditions.checkNotNull(clock);
    return this;
  }

  /** The ticker for host time (idle timeout, fault windows, records). Default: the simulation's. */
  public VirtualHostBuilder ticker(Ticker ticker) {
    this.ticker = Preconditions.checkNotNull(ticker);
    return this;
  }

  /**
   * Told of the extra time a DELAY fault adds to a call: called on the calling thread, after the
   * call was answered and outside the host's lock, before the answer is returned. A network server
   * can use it to hold the answer back. Default: advance the simulation the host reads its time
   * from; nothing when a ticker was given instead.
   */
  public VirtualHostBuilder delayer(Consumer<Duration> delayer) {
    this.delayer = Preconditions.checkNotNull(delayer);
    return this;
  }

  /**
   * The host is driven by one thread at a time, so its in-process transport takes no lock per call:
   * for a fleet whose every VM (its guest, its host events, what reads its records) runs on one
   * thread, such as a simulation's loop, handed from thread to thread only with a happens-before
   * (an executor's submit and the future's get do that). A call that starts while another thread's
   * call is inside the host is refused with an {@link IllegalStateException} (a nested call on the
   * same thread is fine); this check is a help, not a guard: calls that overlap may also go
   * unnoticed. Guest connections ({@link VirtualHost#connect}) answer the same way. The host's
   * other methods still take its lock, which orders them among themselves but not against a call.
   * Default: every call takes the host's lock, and guests of one VM may call from several threads.
   */
  public VirtualHostBuilder singleThreaded() {
    this.singleThreaded = true;
    return this;
  }

  /**
   * Where the host's warning lines go (a call with a wrong cookie, a refused OPEN). Default: the
   * {@code VirtualHost} logger, at WARN. Tests read them here.
   */
  VirtualHostBuilder warnings(Consumer<String> sink) {
    this.warnings = Preconditions.checkNotNull(sink);
    return this;
  }

  /**
   * Seed for cookies (unless {@link #secureCookies()}), fault probabilities and the default UUID.
   * Default: the simulation's, or 0. Cookies and the UUID come from a keyed function of the seed
   * that the UUID does not reveal; but whoever knows or guesses the seed can compute the cookies,
   * so a seeded host is for tests, not for untrusted guests.
   */
  public VirtualHostBuilder seed(long seed) {
    this.seed = seed;
    return this;
  }

  /**
   * Draws cookies from a {@link java.security.SecureRandom}, unrelated to the seed and to anything
   * a guest can read, as a host that untrusted guests reach must ({@code serve} does). The run is
   * then not reproducible in its cookie values; everything else still follows the seed. Default:
   * cookies derived from the seed.
   */
  public VirtualHostBuilder secureCookies() {
    this.cookieSource = CookieSource.SECURE;
    return this;
  }

  /**
   * Derives cookies from {@code key} instead of the seed: a run that must replay (a recording keeps
   * the key) while guests cannot compute each other's cookies from what they read. The key is a
   * secret: draw it from a {@link java.security.SecureRandom}. Default: cookies derived from the
   * seed.
   */
  public VirtualHostBuilder cookieKey(long key) {
    this.cookieSource = new CookieSource.KeyedBy(key);
    return this;
  }

  /** Channel table size: 128 like current hosts (default), 8 like old ones. */
  public VirtualHostBuilder channelTableSize(int size) {
    policy = policy.withChannelTableSize(size);
    return this;
  }

  /**
   * Whether the host offers the high-bandwidth port (HB bit at SENDSIZE/RECVSIZE). Default true.
   */
  public VirtualHostBuilder highBandwidth(boolean offered) {
    policy = policy.withHighBandwidth(offered);
    return this;
  }

  /**
   * Whether an OPEN with the cookie flag is accepted. Default true; false is an old host that
   * refuses it, so guests fall back to a cookieless OPEN.
   */
  public VirtualHostBuilder cookies(boolean supported) {
    policy = policy.withCookies(supported);
    return this;
  }

  /**
   * The longest message, in bytes, the host accepts from the guest: a SENDSIZE of more is refused
   * (status 0) and the channel stays open. 0 to {@link HostPolicy#MAX_GUEST_MESSAGE_LIMIT}; default
   * 65,536, a VMware host's limit.
   */
  public VirtualHostBuilder guestMessageLimit(int bytes) {
    policy = policy.withGuestMessageLimit(bytes);
    return this;
  }

  /**
   * Whether a non-empty TCLO message with no command outstanding is refused at its SENDSIZE (true)
   * or accepted and ignored (false, the default).
   */
  public VirtualHostBuilder rejectUnsolicitedTcloReplies(boolean reject) {
    policy = policy.withRejectUnsolicitedTcloReplies(reject);
    return this;
  }

  /**
   * What eax holds when the host refuses a message call on the command port: {@link
   * RefusalRegisters#ZERO} (the default, as a real host answers) or {@link
   * RefusalRegisters#AS_LOADED} (the magic the guest loaded).
   */
  public VirtualHostBuilder refusalRegisters(RefusalRegisters registers) {
    policy = policy.withRefusalRegisters(registers);
    return this;
  }

  /**
   * Whether a TCLO channel whose first message was a non-empty message the host did not ask for
   * (vmt's {@code OK ATR toolbox} right after it reopened) has its next empty ping refused, with
   * "reset" queued for it; once per channel. Default false.
   */
  public VirtualHostBuilder resetAfterUnsolicitedReply(boolean reset) {
    policy = policy.withResetAfterUnsolicitedReply(reset);
    return this;
  }

  /** Close channels idle for longer than this. Default: never. */
  public VirtualHostBuilder idleTimeout(Duration timeout) {
    policy = policy.withIdleTimeout(Optional.of(timeout));
    return this;
  }

  /**
   * Which TCLO channel of an application loses when a newer one claims it. Default: the older one,
   * closed host-side ({@link TcloTakeover#DEFAULT}).
   */
  public VirtualHostBuilder tcloTakeover(TcloTakeover takeover) {
    policy = policy.withTcloTakeover(takeover);
    return this;
  }

  /** How many calls the call log keeps (newest); 0 turns it off. Default 10,000. */
  public VirtualHostBuilder callLogLimit(int limit) {
    policy = policy.withCallLogLimit(limit);
    return this;
  }

  /**
   * How many RPCI requests, TCLO exchanges, commands sent and log lines are kept (newest); 0 keeps
   * none. Default 10,000.
   */
  public VirtualHostBuilder historyLimit(int limit) {
    policy = policy.withHistoryLimit(limit);
    return this;
  }

  /**
   * How many distinct names a guest may store in each of guestinfo, capabilities and {@code
   * SetGuestInfo} values; a request that would add one more is refused ({@code 0 Too many ...}), so
   * no guest can grow the host's memory without bound. Values the host puts itself ({@link
   * VirtualHost#putGuestInfo}) are not limited. Default 1,024.
   */
  public VirtualHostBuilder guestStoreLimit(int names) {
    policy = policy.withGuestStoreLimit(names);
    return this;
  }

  /**
   * How many bytes each history keeps (the call log, RPCI requests, TCLO exchanges and commands
   * sent, log lines), as well as {@link #historyLimit} entries; the oldest go first. Default 4 MiB.
   */
  public VirtualHostBuilder historyBytesLimit(long bytes) {
    policy = policy.withHistoryBytesLimit(bytes);
    return this;
  }

  /**
   * How many bytes of names and values a guest may store in each of guestinfo, capabilities and
   * {@code SetGuestInfo} values; a request that would pass it is refused ({@code 0 Too much ...}).
   * Default 1 MiB.
   */
  public VirtualHostBuilder guestStoreBytesLimit(long bytes) {
    policy = policy.withGuestStoreBytesLimit(bytes);
    return this;
  }

  /**
   * How many TCLO commands may wait to be delivered, the queues of all applications together;
   * {@link VirtualHost#enqueueTclo} refuses more. Default 1,024.
   */
  public VirtualHostBuilder tcloQueueLimit(int commands) {
    policy = policy.withTcloQueueLimit(commands);
    return this;
  }

  /**
   * How many bytes of TCLO commands may wait to be delivered, the queues of all applications
   * together. Default 1 MiB.
   */
  public VirtualHostBuilder tcloQueueBytesLimit(long bytes) {
    policy = policy.withTcloQueueBytesLimit(bytes);
    return this;
  }

  /** Adds or replaces an RPCI handler (see {@link VirtualHost#rpciHandler}). */
  public VirtualHostBuilder rpciHandler(String name, RpciHandler handler) {
    this.handlers.put(Preconditions.checkNotNull(name), Preconditions.checkNotNull(handler));
    return this;
  }

  /** The host. */
  public VirtualHost build() {
    return new VirtualHost(this);
  }
}
