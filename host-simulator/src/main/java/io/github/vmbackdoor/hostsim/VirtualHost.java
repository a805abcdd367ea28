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
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.settings.TcloTakeover;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.GuestInfoKey;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Clock;
import java.time.Duration;
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
 * one VM may call from several threads. A host built {@link VirtualHostBuilder#singleThreaded()} is
 * driven by one thread at a time instead, and its calls take no lock.
 *
 * <p>Time: the host reads virtual time from a {@link Ticker} (idle timeouts, fault windows, the
 * times in its records, all as a {@link Duration} since the host was built) and its host clock from
 * a {@link Clock} (GETTIME and GETTIMEFULL). By default both come from a {@link Simulation} of its
 * own, seeded with the host's seed; pass {@link VirtualHostBuilder#simulation(Simulation)} to share
 * one loop with guest code. Host events are methods ({@link #checkpoint()}, {@link
 * #invalidateChannel}, {@link #hostReset()}, {@link #requestPowerOperation}, {@link
 * #expireIdleChannels()}, {@link #openCompetingTcloChannel()}, {@link #fillChannelTable()}) and are
 * scheduled on the simulation as {@code simulation.schedule(delay, host::checkpoint)}.
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

  /**
   * The in-process transport; through it the host's message server, which holds the host's state:
   * the channel table, the endpoints, the call log, and its setup (policy, simulation, time). A
   * host holds one reference of its own, since a fleet holds a million hosts.
   */
  private final InProcessBackdoor backdoor;

  VirtualHost(VirtualHostBuilder c) {
    long seed = c.effectiveSeed();
    Simulation simulation = c.simulationFor(seed);
    HostSetup setup =
        HostSetup.of(
            c.policy,
            simulation,
            HostUptime.of(c.ticker != null ? c.ticker : simulation.ticker()),
            c.clock != null ? c.clock : simulation.clock(),
            c.cookieSource(),
            c.warnings != null ? c.warnings : LOG_WARNINGS,
            c.delayerFor(simulation),
            c.singleThreaded);
    UUID uuid = c.identity.uuid().orElseGet(() -> CookieSource.uuidFor(seed));
    this.backdoor =
        new InProcessBackdoor(new GuestMsgServer(setup, seed, c.identity, uuid, c.handlers));
  }

  /** The host's message server: its state, and its monitor the host's lock. */
  private GuestMsgServer messages() {
    return backdoor.messages();
  }

  /** A builder with the defaults listed on each of its methods. */
  public static VirtualHostBuilder builder() {
    return new VirtualHostBuilder();
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
    ChannelOwner owner = new ChannelOwner(name, policy, messages().warnings());
    return new ConnectedGuest(
        owner,
        delay -> backdoor.forConnection(delay, owner),
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
    return new HostRecords(messages(), messages().callLog(), messages().rpci(), messages().tclo());
  }

  /**
   * The host's lock: the monitor of its message server, a part nothing outside the host reaches.
   */
  private Object lock() {
    return messages();
  }

  /** The TCLO endpoint, for tests of its parts. */
  TcloEndpoint tcloPart() {
    return messages().tclo();
  }

  /** The channel table, the message server's. */
  private ChannelTable table() {
    return messages();
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
    return messages().uuid();
  }

  /**
   * The simulation whose virtual time this host reads: the one given to the builder, or the host's
   * own (seeded with the host's seed); empty only when both a clock and a ticker were given
   * instead.
   */
  public Optional<Simulation> simulation() {
    return Optional.ofNullable(messages().setup.simulation);
  }

  /** Host time: virtual time since the host was built. */
  public Duration hostTime() {
    return messages().time().now();
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
      messages().checkpoint();
      messages().tclo().owesResetAll();
      messages().tclo().resumed();
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
      messages().tclo().owesResetAll();
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
      return messages().tclo().enqueue(app, command);
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
      return messages().tclo().requestPowerOperation(operation);
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
      HostChannel ch = messages().open(PROTOCOL_TCLO, true);
      if (ch == null) {
        return -1;
      }
      messages().tclo().claim(ch, TcloEndpoint.DEFAULT_APP);
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
      while (messages().open(PROTOCOL_RPCI, messages().cookiesSupported()) != null) {
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
      messages().rpci().handler(name, handler);
    }
  }

  /** Installs a fault; faults are tried in installation order and the first that hits applies. */
  public void installFault(Fault fault) {
    Preconditions.checkNotNull(fault, "fault");
    synchronized (lock()) {
      messages().install(fault);
    }
  }

  /** Removes a fault; returns whether it was installed. */
  public boolean removeFault(Fault fault) {
    return locked(() -> messages().faults().remove(fault));
  }

  /** Removes every fault. */
  public void clearFaults() {
    synchronized (lock()) {
      messages().faults().clear();
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
      messages().rpci().putGuestInfo(key, value);
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
        + (messages().offersHighBandwidth() ? ", HB" : ", no HB")
        + "}";
  }
}
