package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.Backdoor;
import java.util.Objects;

/** Makes the three {@link TcloStateMachine}s, so one scenario can be run against each. */
public final class TcloStateMachines {

  private TcloStateMachines() {}

  /**
   * The fixed machine: open-vm-tools' loop on {@code MessageChannel} (ping first after every open,
   * a reset reply only when asked, close and forget after any failure, reopen after 1 s, 15 s after
   * a failed open, restarts counted and capped). Commands go to {@code dispatcher}.
   */
  public static TcloStateMachine fixed(
      Backdoor backdoor, TcloDispatcher dispatcher, TcloOptions options, TcloListener listener) {
    return new FixedTcloMachine(
        Objects.requireNonNull(backdoor, "backdoor"),
        Objects.requireNonNull(dispatcher, "dispatcher"),
        Objects.requireNonNull(options, "options"),
        Objects.requireNonNull(listener, "listener"));
  }

  /**
   * vmt(4) as shipped, step for step, through vmt's own message calls on the raw backdoor (no
   * cookie fallback, always the high-bandwidth port, no checkpoint retry). Handles commands with
   * vmt's own table; its RPCI transactions use the same calls.
   */
  public static TcloStateMachine legacy(
      Backdoor backdoor, TcloOptions options, TcloListener listener) {
    return new LegacyTcloMachine(
        Objects.requireNonNull(backdoor, "backdoor"),
        Objects.requireNonNull(options, "options"),
        Objects.requireNonNull(listener, "listener"));
  }

  /** vmt(4) with the 2024 patch, including its flaw: a refused close leaves the channel "alive". */
  public static TcloStateMachine proposedPatch(
      Backdoor backdoor, TcloOptions options, TcloListener listener) {
    return new ProposedPatchTcloMachine(
        Objects.requireNonNull(backdoor, "backdoor"),
        Objects.requireNonNull(options, "options"),
        Objects.requireNonNull(listener, "listener"));
  }
}
