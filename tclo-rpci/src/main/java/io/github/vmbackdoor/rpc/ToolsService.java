package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.Backdoor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The guest agent's TCLO service: runs a {@link TcloStateMachine} (one of {@link TcloMachines}, or
 * the user's own through a {@link TcloMachineFactory}) on a {@link TickScheduler} and answers the
 * host's commands with the exact words vmtoolsd uses.
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
 *
 * <p>A façade over two parts: the tick runner and the command table, which also reaches the
 * listeners. Unless the builder was given an RPCI client, the service keeps none: each built-in
 * RPCI (rare: after a reset, a power command or a capability registration) goes through a client
 * made for it.
 */
public final class ToolsService implements TcloDispatcher {

  private final ToolsCommandTable commands;
  private final TcloStateMachine machine;
  private final TickRunner runner;

  private ToolsService(Builder b) {
    this.commands = new ToolsCommandTable(b.options, b.backdoor, b.rpci, b.powerCallback);
    b.listeners.forEach(commands::addListener);
    b.handlers.forEach(commands::register);
    this.machine =
        Objects.requireNonNull(
            b.machine.create(new TcloMachineContext(b.backdoor, commands, b.options, commands)),
            () -> "machine factory " + b.machine.machineName() + " made no machine");
    this.runner = new TickRunner(b.scheduler, machine);
  }

  /** A builder for a service on {@code backdoor}. */
  public static Builder builder(Backdoor backdoor) {
    return new Builder(backdoor);
  }

  /** The machine this service drives. */
  public TcloStateMachine machine() {
    return machine;
  }

  /**
   * A client on the service's backdoor with the options the built-in handlers use: the builder's
   * own client when one was given, otherwise a new client with {@link
   * RpciClient.Options#defaults()} (the service keeps none; clients hold no channel between
   * requests).
   */
  public RpciClient rpci() {
    return commands.rpci();
  }

  /** The options the host set with {@code Set_Option}, by name. */
  public Map<String, String> hostOptions() {
    return commands.hostOptions();
  }

  /** Adds a listener for the machine's and the handlers' events and log lines. */
  public void addListener(TcloListener listener) {
    commands.addListener(listener);
  }

  /** Removes a listener added before. */
  public void removeListener(TcloListener listener) {
    commands.removeListener(listener);
  }

  /** Registers (or replaces) the handler of a command name. */
  public void registerHandler(String name, TcloHandler handler) {
    commands.register(name, handler);
  }

  /** Schedules the first tick at once; every tick schedules the next after the delay it returns. */
  public void start() {
    runner.start();
  }

  /** Whether the service has been started and neither stopped nor detached. */
  public boolean isRunning() {
    return runner.isRunning();
  }

  /**
   * Stops ticking and shuts the machine down, closing its channel the way the machine does. A
   * second call does nothing.
   */
  public void stop() {
    runner.stop();
  }

  /** Answers one command from the service's command table (see the list above). */
  @Override
  public TcloResult dispatch(String command) {
    return commands.dispatch(command);
  }

  @Override
  public String toString() {
    return "ToolsService{" + machine + ", running=" + runner.isRunning() + "}";
  }

  /** Builds a {@link ToolsService}. */
  public static final class Builder {
    private final Backdoor backdoor;
    private TickScheduler scheduler;
    private TcloMachineFactory machine = TcloMachines.FIXED;
    private TcloOptions options = TcloOptions.defaults();
    private RpciClient rpci;
    private Consumer<GuestOsState> powerCallback = state -> {};
    private final Map<String, TcloHandler> handlers = new HashMap<>();
    private final List<TcloListener> listeners = new ArrayList<>();

    private Builder(Backdoor backdoor) {
      this.backdoor = Objects.requireNonNull(backdoor, "backdoor");
    }

    /** Where ticks run (required). */
    public Builder scheduler(TickScheduler value) {
      scheduler = Objects.requireNonNull(value, "scheduler");
      return this;
    }

    /**
     * Which machine to run: one of {@link TcloMachines} or the user's own; {@link
     * TcloMachines#FIXED} unless set.
     */
    public Builder machine(TcloMachineFactory value) {
      machine = Objects.requireNonNull(value, "machine");
      return this;
    }

    /** The options; {@link TcloOptions#defaults()} unless set. */
    public Builder options(TcloOptions value) {
      options = Objects.requireNonNull(value, "options");
      return this;
    }

    /**
     * The RPCI client of the built-in handlers; unless set, each of their requests goes through a
     * client on the same backdoor with the default options.
     */
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
      handlers.put(ToolsCommandTable.checkName(name), Objects.requireNonNull(handler, "handler"));
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
