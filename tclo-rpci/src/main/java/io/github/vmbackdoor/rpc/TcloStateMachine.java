package io.github.vmbackdoor.rpc;

import java.time.Duration;

/**
 * The guest side of the TCLO channel as a pure step function: {@link #tick()} does one poll and
 * returns the delay until the next one. A machine owns no thread and no clock, so a real scheduler
 * and a virtual-time simulation drive the same code ({@link ToolsService} does the driving).
 *
 * <p>Three implementations are built in, made by {@link TcloMachines}: the fixed machine, vmt(4) as
 * shipped (legacy) and vmt with the 2024 patch (proposed patch); a {@link TcloMachineFactory} plugs
 * in one of the user's own. Each reports what it does to a {@link TcloListener}, as events and, for
 * the built-ins, as vmt-worded log lines.
 *
 * <p>Not thread-safe: call {@link #tick()} and {@link #shutdown()} from one thread at a time.
 */
public interface TcloStateMachine {

  /**
   * Performs one step. The first tick attaches (the legacy machine opens its channel there). After
   * {@link #health()} became {@link TcloHealth#STOPPED} a tick does nothing and returns {@link
   * Duration#ZERO}; whoever drives the machine must not schedule it again.
   *
   * @return the delay until the next tick
   */
  Duration tick();

  /** The machine's health as its own state shows it. */
  TcloHealth health();

  /**
   * Stops the machine: says goodbye to the host the way the implementation does (vmt: disable the
   * HGFS capability, a last empty message, close) and leaves it {@link TcloHealth#STOPPED}. Never
   * throws for a host that refuses; a second call does nothing.
   */
  void shutdown();

  /** A short name, the {@link TcloMachineFactory#machineName()} of its factory. */
  String name();
}
