package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The guest agent's TCLO service: runs a {@link TcloStateMachine} on a {@link TickScheduler} and
 * answers the host's commands with the exact words vmtoolsd uses.
 *
 * <p>Built-in commands (for the fixed machine; the legacy and proposed-patch machines answer with
 * vmt's own table and never call {@link #dispatch}):
 *
 * <ul>
 *   <li>{@code reset} → {@code OK ATR <app>}; once that reply reached the host, RPCI {@code
 *       vmx.capability.unified_loop <app>};
 *   <li>{@code ping} → {@code OK };
 *   <li>{@code OS_Halt}, {@code OS_Reboot}, {@code OS_PowerOn}, {@code OS_Suspend}, {@code
 *       OS_Resume} → RPCI {@code tools.os.statechange.status 1 <state>} (tried up to three times
 *       while the host refuses it before it arrives), the power callback, {@code OK };
 *   <li>{@code Capabilities_Register} → RPCIs unified loop, {@code tools.capability.statechange },
 *       tools version, uptime, then {@code OK };
 *   <li>{@code Set_Option <name> <value>} → {@code OK } for a known option (kept in {@link
 *       #hostOptions()}), {@code ERROR Unknown or invalid option} otherwise;
 *   <li>handlers registered by name (they take precedence over the built-ins);
 *   <li>an empty command → {@code ERROR Bad command}; anything else → {@code ERROR Unknown
 *       command}.
 * </ul>
 *
 * RPCI failures in these handlers are reported to the listeners and never touch the TCLO channel.
 *
 * <p>Thread-safe: ticks run under the service's lock; {@link #stop()} may be called from any
 * thread.
 */
public final class ToolsService implements TcloDispatcher {

  /** Which machine the service runs. */
  public enum Machine {
    /** {@link TcloStateMachines#fixed}. */
    FIXED,
    /** {@link TcloStateMachines#legacy}. */
    LEGACY,
    /** {@link TcloStateMachines#proposedPatch}. */
    PROPOSED_PATCH
  }

  /**
   * The reply to a command no handler knows, as vmt(4) words it and as this project's issue asks.
   * open-vm-tools' own guest reply (GUEST_RPC_UNKNOWN_COMMAND) is "Unknown Command" with a capital
   * C; hosts do not look at the text.
   */
  public static final String UNKNOWN_COMMAND = "Unknown command";

  /** The reply to an empty command. */
  public static final String BAD_COMMAND = "Bad command";

  /** The reply to a {@code Set_Option} this service does not know. */
  public static final String INVALID_OPTION = "Unknown or invalid option";

  /** The {@code Set_Option} names open-vm-tools accepts. */
  static final Set<String> KNOWN_OPTIONS =
      Set.of(
          "copypaste",
          "autohide",
          "broadcastIP",
          "enableDnD",
          "mapRootHgfsShare",
          "linkRootHgfsShare",
          "enableMessageBusTunnel",
          "guestLogLevel",
          "enableAppInfo",
          "enableGuestStoreAccess",
          "enableDeviceHelper",
          "toolScripts.afterPowerOn",
          "toolScripts.beforePowerOff",
          "toolScripts.afterResume",
          "toolScripts.beforeSuspend",
          "synctime",
          "synctime.period",
          "time.synchronize.allow",
          "time.synchronize.tools.enable",
          "time.synchronize.tools.startup",
          "time.synchronize.tools.startup.backward",
          "time.synchronize.tools.slewCorrection",
          "time.synchronize.tools.percentCorrection",
          "time.synchronize.guest.resync",
          "time.synchronize.guest.resync.timeout");

  /** How often the state-change status of one power operation is tried. */
  static final int STATE_CHANGE_ATTEMPTS = 3;

  private final TickScheduler scheduler;
  private final TcloOptions options;
  private final RpciClient rpci;
  private final Consumer<GuestOsState> powerCallback;
  private final Map<String, TcloHandler> handlers = new ConcurrentHashMap<>();
  private final Map<String, String> hostOptions = new ConcurrentHashMap<>();
  private final List<TcloListener> listeners = new CopyOnWriteArrayList<>();
  private final TcloListener fanOut =
      new TcloListener() {
        @Override
        public void onEvent(TcloEvent event) {
          for (TcloListener l : listeners) {
            l.onEvent(event);
          }
        }

        @Override
        public void onLogLine(String line) {
          for (TcloListener l : listeners) {
            l.onLogLine(line);
          }
        }
      };
  private final TcloStateMachine machine;

  private boolean running;
  private boolean started;
  private Cancellable next;

  private ToolsService(Builder b) {
    this.scheduler = b.scheduler;
    this.options = b.options;
    this.rpci = b.rpci != null ? b.rpci : RpciClient.create(b.backdoor);
    this.powerCallback = b.powerCallback;
    this.handlers.putAll(b.handlers);
    this.listeners.addAll(b.listeners);
    switch (b.machine) {
      case LEGACY:
        machine = TcloStateMachines.legacy(b.backdoor, options, fanOut);
        break;
      case PROPOSED_PATCH:
        machine = TcloStateMachines.proposedPatch(b.backdoor, options, fanOut);
        break;
      default:
        machine = TcloStateMachines.fixed(b.backdoor, this, options, fanOut);
        break;
    }
  }

  /** A builder for a service on {@code backdoor}. */
  public static Builder builder(Backdoor backdoor) {
    return new Builder(backdoor);
  }

  /** The machine this service drives. */
  public TcloStateMachine machine() {
    return machine;
  }

  /** The RPCI client the built-in handlers use. */
  public RpciClient rpci() {
    return rpci;
  }

  /** The options the host set with {@code Set_Option}, by name. */
  public Map<String, String> hostOptions() {
    return Map.copyOf(hostOptions);
  }

  /** Adds a listener for the machine's and the handlers' events and log lines. */
  public void addListener(TcloListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Removes a listener added before. */
  public void removeListener(TcloListener listener) {
    listeners.remove(listener);
  }

  /** Registers (or replaces) the handler of a command name. */
  public void registerHandler(String name, TcloHandler handler) {
    if (name.isEmpty() || name.indexOf(' ') >= 0) {
      throw new IllegalArgumentException("bad name: " + name);
    }
    handlers.put(name, Objects.requireNonNull(handler, "handler"));
  }

  /** Schedules the first tick at once; every tick schedules the next after the delay it returns. */
  public synchronized void start() {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    running = true;
    next = scheduler.schedule(Duration.ZERO, this::runTick);
  }

  /** Whether the service has been started and neither stopped nor detached. */
  public synchronized boolean isRunning() {
    return running;
  }

  /**
   * Stops ticking and shuts the machine down, closing its channel the way the machine does. A
   * second call does nothing.
   */
  public synchronized void stop() {
    if (!started) {
      started = true;
      machine.shutdown();
      return;
    }
    if (!running && machine.health() == TcloHealth.STOPPED) {
      return;
    }
    running = false;
    if (next != null) {
      next.cancel();
      next = null;
    }
    machine.shutdown();
  }

  private synchronized void runTick() {
    if (!running) {
      return;
    }
    Duration delay = machine.tick();
    if (machine.health() == TcloHealth.STOPPED) {
      running = false;
      next = null;
      return;
    }
    next = scheduler.schedule(delay, this::runTick);
  }

  @Override
  public TcloResult dispatch(String command) {
    Objects.requireNonNull(command, "command");
    if (command.trim().isEmpty()) {
      return TcloResult.error(BAD_COMMAND);
    }
    int space = command.indexOf(' ');
    String name = space < 0 ? command : command.substring(0, space);
    String arguments = space < 0 ? "" : command.substring(space);
    TcloHandler user = handlers.get(name);
    if (user != null) {
      return user.handle(arguments);
    }
    switch (name) {
      case "reset":
        return TcloResult.ok("ATR " + options.appName()).thenAfterReply(this::afterReset);
      case "ping":
        return TcloResult.ok();
      case "Capabilities_Register":
        return capabilitiesRegister();
      case "Set_Option":
        return setOption(arguments);
      default:
        GuestOsState state = GuestOsState.forCommand(name);
        if (state != null) {
          return powerOperation(state);
        }
        return TcloResult.error(UNKNOWN_COMMAND);
    }
  }

  private void afterReset() {
    RpciReply reply =
        rpci("vmx.capability.unified_loop", () -> rpci.unifiedLoop(options.appName()));
    if (reply != null && !reply.isSuccess()) {
      fanOut.onLogLine(options.deviceName() + ": host rejected unified loop setting");
    }
  }

  private TcloResult powerOperation(GuestOsState state) {
    fanOut.onEvent(TcloEvent.of(Type.STATE_CHANGE_REQUESTED, state.command()));
    if (stateChangeStatus(state) == null) {
      fanOut.onLogLine(options.deviceName() + ": unable to send state change result");
    }
    powerCallback.accept(state);
    return TcloResult.ok();
  }

  /**
   * The state-change status, sent again (up to {@link #STATE_CHANGE_ATTEMPTS} times) while the
   * failure shows the host never got the request: the open or a send step was refused (say the
   * channel timed out while the guest stalled). A failure after the request arrived is not retried,
   * so the host never counts one status twice. Returns null when it failed.
   */
  private RpciReply stateChangeStatus(GuestOsState state) {
    String what = "tools.os.statechange.status 1 " + state.id();
    for (int attempt = 1; ; attempt++) {
      try {
        RpciReply reply = rpci.stateChangeStatus(true, state);
        fanOut.onEvent(TcloEvent.of(Type.RPCI_SENT, what + " -> " + reply));
        return reply;
      } catch (BackdoorException e) {
        fanOut.onEvent(TcloEvent.of(Type.RPCI_FAILED, what + ": " + e.getMessage()));
        if (attempt >= STATE_CHANGE_ATTEMPTS || !neverArrived(e)) {
          return null;
        }
      }
    }
  }

  /** Whether a failed RPCI certainly did not reach the host: refused at open or while sending. */
  static boolean neverArrived(BackdoorException e) {
    if (!(e instanceof MessageException)) {
      return false;
    }
    switch (((MessageException) e).step()) {
      case OPEN:
      case SENDSIZE:
      case SENDPAYLOAD:
      case SEND_HB:
        return true;
      default:
        return false;
    }
  }

  private TcloResult capabilitiesRegister() {
    RpciReply loop = rpci("vmx.capability.unified_loop", () -> rpci.unifiedLoop(options.appName()));
    if (loop == null) {
      fanOut.onLogLine(options.deviceName() + ": unable to set unified loop");
    }
    if (rpci("tools.capability.statechange", () -> rpci.capability("statechange")) == null) {
      fanOut.onLogLine(options.deviceName() + ": unable to send statechange capability");
    }
    if (rpci(
            "tools.set.versiontype",
            () ->
                rpci.setToolsVersion(
                    RpciClient.TOOLS_VERSION_UNMANAGED,
                    RpciClient.TOOLS_INSTALL_TYPE_OPEN_VM_TOOLS))
        == null) {
      fanOut.onLogLine(options.deviceName() + ": unable to set tools version");
    }
    if (rpci(
            "SetGuestInfo uptime",
            () -> rpci.setGuestInfo(RpciClient.GUEST_INFO_UPTIME, options.uptimeHundredths()))
        == null) {
      fanOut.onLogLine(options.deviceName() + ": unable to set guest uptime");
    }
    return TcloResult.ok();
  }

  private TcloResult setOption(String arguments) {
    String[] parts = arguments.trim().split(" ", 2);
    if (parts.length != 2 || !KNOWN_OPTIONS.contains(parts[0])) {
      return TcloResult.error(INVALID_OPTION);
    }
    hostOptions.put(parts[0], parts[1]);
    return TcloResult.ok();
  }

  /** One RPCI request; failures become events, never exceptions. Returns null when it failed. */
  private RpciReply rpci(String what, Supplier<RpciReply> request) {
    try {
      RpciReply reply = request.get();
      fanOut.onEvent(TcloEvent.of(Type.RPCI_SENT, what + " -> " + reply));
      return reply;
    } catch (BackdoorException e) {
      fanOut.onEvent(TcloEvent.of(Type.RPCI_FAILED, what + ": " + e.getMessage()));
      return null;
    }
  }

  @Override
  public String toString() {
    return "ToolsService{" + machine + ", running=" + running + "}";
  }

  /** Builds a {@link ToolsService}. */
  public static final class Builder {
    private final Backdoor backdoor;
    private TickScheduler scheduler;
    private Machine machine = Machine.FIXED;
    private TcloOptions options = TcloOptions.defaults();
    private RpciClient rpci;
    private Consumer<GuestOsState> powerCallback = state -> {};
    private final Map<String, TcloHandler> handlers = new HashMap<>();
    private final List<TcloListener> listeners = new CopyOnWriteArrayList<>();

    private Builder(Backdoor backdoor) {
      this.backdoor = Objects.requireNonNull(backdoor, "backdoor");
    }

    /** Where ticks run (required). */
    public Builder scheduler(TickScheduler value) {
      scheduler = Objects.requireNonNull(value, "scheduler");
      return this;
    }

    /** Which machine to run; {@link Machine#FIXED} unless set. */
    public Builder machine(Machine value) {
      machine = Objects.requireNonNull(value, "machine");
      return this;
    }

    /** The options; {@link TcloOptions#defaults()} unless set. */
    public Builder options(TcloOptions value) {
      options = Objects.requireNonNull(value, "options");
      return this;
    }

    /** The RPCI client of the built-in handlers; one on the same backdoor unless set. */
    public Builder rpci(RpciClient value) {
      rpci = Objects.requireNonNull(value, "rpci");
      return this;
    }

    /**
     * Called for every power command, after its state-change RPCI and before the reply. Only the
     * fixed machine dispatches through the service; the vmt machines keep to vmt's own table.
     */
    public Builder powerCallback(Consumer<GuestOsState> value) {
      powerCallback = Objects.requireNonNull(value, "callback");
      return this;
    }

    /**
     * A handler for a command name; takes precedence over a built-in one (fixed machine only, as
     * for {@link #powerCallback}).
     */
    public Builder handler(String name, TcloHandler handler) {
      if (name.isEmpty() || name.indexOf(' ') >= 0) {
        throw new IllegalArgumentException("bad name: " + name);
      }
      handlers.put(name, Objects.requireNonNull(handler, "handler"));
      return this;
    }

    /** A listener for events and log lines. */
    public Builder listener(TcloListener value) {
      listeners.add(Objects.requireNonNull(value, "listener"));
      return this;
    }

    /** The service, not started yet. */
    public ToolsService build() {
      if (scheduler == null) {
        throw new IllegalStateException("no scheduler");
      }
      return new ToolsService(this);
    }
  }
}
