package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * vmtoolsd's command table: each TCLO command name mapped to its handler, with the replies and
 * follow-up RPCIs open-vm-tools uses (see {@link ToolsService} for the list). Handlers registered
 * by name take precedence over the built-in ones. RPCI failures are reported to the listeners and
 * never touch the TCLO channel.
 *
 * <p>The table is also where its service's listeners are reached: as a {@link TcloListener} it
 * passes every event and log line on to them (the machine's as well as its own), so a guest has no
 * object of its own for them.
 */
final class ToolsCommandTable implements TcloDispatcher, TcloListener {

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

  private final TcloOptions options;
  private final Backdoor backdoor;
  private final Consumer<GuestOsState> powerCallback;
  // The handlers registered, the options the host set and the builder's RPCI client:
  // copy-on-write, replaced whole on each change, read on every command; for most guests the
  // shared empty one (a concurrent map each would cost every guest its objects).
  private volatile Registered registered = Registered.NONE;
  // The listeners as one value (ListenerFanOut), replaced whole on each change.
  private volatile TcloListener listeners = TcloListener.NONE;

  /**
   * The handlers registered by name and the options the host set, both immutable maps, and the RPCI
   * client the built-in handlers were given, or null for one made for each request.
   */
  private record Registered(
      Map<String, TcloHandler> handlers, Map<String, String> hostOptions, RpciClient rpci) {
    static final Registered NONE = new Registered(Map.of(), Map.of(), null);
  }

  /**
   * A table whose built-in RPCIs go through {@code rpci}, or when it is null through a client on
   * {@code backdoor} with the default options, made for each request (they are rare, and a guest
   * then keeps no client).
   */
  ToolsCommandTable(
      TcloOptions options,
      Backdoor backdoor,
      RpciClient rpci,
      Consumer<GuestOsState> powerCallback) {
    this.options = options;
    this.backdoor = backdoor;
    this.powerCallback = powerCallback;
    if (rpci != null) {
      registered = new Registered(Map.of(), Map.of(), rpci);
    }
  }

  /** The client the built-in RPCIs go through: the one given, or a new one on the backdoor. */
  RpciClient rpci() {
    RpciClient given = registered.rpci();
    return given != null ? given : RpciClient.create(backdoor);
  }

  /** Adds a listener after those added before. */
  synchronized void addListener(TcloListener listener) {
    listeners = ListenerFanOut.with(listeners, listener);
  }

  /** Removes the first listener equal to {@code listener}, if any. */
  synchronized void removeListener(TcloListener listener) {
    listeners = ListenerFanOut.without(listeners, listener);
  }

  @Override
  public void onEvent(TcloEvent event) {
    listeners.onEvent(event);
  }

  @Override
  public void onLogLine(String line) {
    listeners.onLogLine(line);
  }

  /** A built-in command: its result on the table it is given; shared by every table. */
  private interface BuiltIn {
    TcloResult handle(ToolsCommandTable table, String arguments);
  }

  private static final Map<String, BuiltIn> BUILT_INS = builtIns();

  private static Map<String, BuiltIn> builtIns() {
    Map<String, BuiltIn> b = new LinkedHashMap<>();
    b.put(
        "reset",
        (t, arguments) ->
            TcloResult.ok("ATR " + t.options.appName()).thenAfterReply(t::afterReset));
    b.put("ping", (t, arguments) -> TcloResult.ok());
    b.put("Capabilities_Register", (t, arguments) -> t.capabilitiesRegister());
    b.put("Set_Option", ToolsCommandTable::setOption);
    for (GuestOsState state : GuestOsState.values()) {
      b.put(state.command(), (t, arguments) -> t.powerOperation(state));
    }
    return Collections.unmodifiableMap(b);
  }

  /** Checks a command name a handler may be registered under. */
  static String checkName(String name) {
    if (name.isEmpty() || name.indexOf(' ') >= 0) {
      throw new IllegalArgumentException("bad name: " + name);
    }
    return name;
  }

  /** Registers (or replaces) the handler of a command name. */
  void register(String name, TcloHandler handler) {
    checkName(name);
    Objects.requireNonNull(handler, "handler");
    synchronized (this) {
      Registered r = registered;
      registered = new Registered(with(r.handlers(), name, handler), r.hostOptions(), r.rpci());
    }
  }

  /** A copy of {@code map} with {@code key} set to {@code value}. */
  private static <V> Map<String, V> with(Map<String, V> map, String key, V value) {
    Map<String, V> copy = new HashMap<>(map);
    copy.put(key, value);
    return Map.copyOf(copy);
  }

  /** The options the host set with {@code Set_Option}, by name. */
  Map<String, String> hostOptions() {
    return Map.copyOf(registered.hostOptions());
  }

  @Override
  public TcloResult dispatch(String command) {
    Objects.requireNonNull(command, "command");
    if (command.trim().isEmpty()) {
      return TcloResult.error(TcloResult.BAD_COMMAND);
    }
    int space = command.indexOf(' ');
    String name = space < 0 ? command : command.substring(0, space);
    String arguments = space < 0 ? "" : command.substring(space);
    TcloHandler handler = registered.handlers().get(name);
    if (handler != null) {
      return handler.handle(arguments);
    }
    BuiltIn builtIn = BUILT_INS.get(name);
    return builtIn != null
        ? builtIn.handle(this, arguments)
        : TcloResult.error(TcloResult.UNKNOWN_COMMAND);
  }

  private void afterReset() {
    RpciReply reply =
        attempt("vmx.capability.unified_loop", () -> rpci().unifiedLoop(options.appName()));
    if (reply != null && !reply.isSuccess()) {
      onLogLine(options.deviceName() + ": " + VmtMessage.UNIFIED_LOOP_REJECTED.words());
    }
  }

  private TcloResult powerOperation(GuestOsState state) {
    onEvent(TcloEvent.of(Type.STATE_CHANGE_REQUESTED, state.command()));
    if (stateChangeStatus(state) == null) {
      onLogLine(options.deviceName() + ": " + VmtMessage.STATE_CHANGE_FAILED.words());
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
    RpciClient rpci = rpci();
    for (int attempt = 1; ; attempt++) {
      try {
        RpciReply reply = rpci.stateChangeStatus(true, state);
        onEvent(TcloEvent.of(Type.RPCI_SENT, what + " -> " + reply));
        return reply;
      } catch (BackdoorException e) {
        onEvent(TcloEvent.of(Type.RPCI_FAILED, what + ": " + e.getMessage()));
        if (attempt >= STATE_CHANGE_ATTEMPTS || !neverArrived(e)) {
          return null;
        }
      }
    }
  }

  /** Whether a failed RPCI certainly did not reach the host: refused at open or while sending. */
  static boolean neverArrived(BackdoorException e) {
    return e instanceof MessageException m
        && switch (m.step()) {
          case OPEN, SENDSIZE, SENDPAYLOAD, SEND_HB -> true;
          case RECVSIZE, RECVPAYLOAD, RECV_HB, RECVSTATUS, CLOSE -> false;
        };
  }

  private TcloResult capabilitiesRegister() {
    RpciClient rpci = rpci();
    RpciReply loop =
        attempt("vmx.capability.unified_loop", () -> rpci.unifiedLoop(options.appName()));
    if (loop == null) {
      onLogLine(options.deviceName() + ": " + VmtMessage.UNIFIED_LOOP_FAILED.words());
    }
    if (attempt("tools.capability.statechange", () -> rpci.capability("statechange")) == null) {
      onLogLine(options.deviceName() + ": " + VmtMessage.STATECHANGE_CAPABILITY_FAILED.words());
    }
    if (attempt(
            "tools.set.versiontype",
            () ->
                rpci.setToolsVersion(
                    RpciClient.TOOLS_VERSION_UNMANAGED,
                    RpciClient.TOOLS_INSTALL_TYPE_OPEN_VM_TOOLS))
        == null) {
      onLogLine(options.deviceName() + ": " + VmtMessage.TOOLS_VERSION_FAILED.words());
    }
    if (attempt(
            "SetGuestInfo uptime",
            () -> rpci.setGuestInfo(RpciClient.GUEST_INFO_UPTIME, options.uptimeHundredths()))
        == null) {
      onLogLine(options.deviceName() + ": " + VmtMessage.UPTIME_FAILED.words());
    }
    return TcloResult.ok();
  }

  private TcloResult setOption(String arguments) {
    String[] parts = arguments.trim().split(" ", 2);
    if (parts.length != 2 || !KNOWN_OPTIONS.contains(parts[0])) {
      return TcloResult.error(TcloResult.INVALID_OPTION);
    }
    synchronized (this) {
      Registered r = registered;
      registered =
          new Registered(r.handlers(), with(r.hostOptions(), parts[0], parts[1]), r.rpci());
    }
    return TcloResult.ok();
  }

  /** One RPCI request; failures become events, never exceptions. Returns null when it failed. */
  private RpciReply attempt(String what, Supplier<RpciReply> request) {
    try {
      RpciReply reply = request.get();
      onEvent(TcloEvent.of(Type.RPCI_SENT, what + " -> " + reply));
      return reply;
    } catch (BackdoorException e) {
      onEvent(TcloEvent.of(Type.RPCI_FAILED, what + ": " + e.getMessage()));
      return null;
    }
  }
}
