package io.github.vmbackdoor.rpc;

import java.util.Optional;

/**
 * The built-in TCLO machines, by name: the one table the command line ({@code --machine}), the
 * scenarios and the JUnit extension pick a machine from.
 */
public enum TcloMachines implements TcloMachineFactory {
  /**
   * The fixed machine: open-vm-tools' loop on {@code MessageChannel} (ping first after every open,
   * a reset reply only when asked, close and forget after any failure, reopen after 1 s, 15 s after
   * a failed open, restarts counted and capped). Commands go to the context's command table.
   */
  FIXED("fixed") {
    @Override
    public TcloStateMachine create(TcloMachineContext c) {
      return new FixedTcloMachine(c.backdoor(), c.commands(), c.options(), c.listener());
    }
  },

  /**
   * vmt(4) as shipped, step for step, through vmt's own message calls on the raw backdoor (no
   * cookie fallback, always the high-bandwidth port, no checkpoint retry). Handles commands with
   * vmt's own table; its RPCI transactions use the same calls.
   */
  LEGACY("legacy") {
    @Override
    public TcloStateMachine create(TcloMachineContext c) {
      return new LegacyTcloMachine(c.backdoor(), c.options(), c.listener());
    }
  },

  /** vmt(4) with the 2024 patch, including its flaw: a refused close leaves the channel "alive". */
  PROPOSED_PATCH("proposed-patch") {
    @Override
    public TcloStateMachine create(TcloMachineContext c) {
      return new ProposedPatchTcloMachine(c.backdoor(), c.options(), c.listener());
    }
  };

  private final String machineName;

  TcloMachines(String machineName) {
    this.machineName = machineName;
  }

  @Override
  public String machineName() {
    return machineName;
  }

  /** The built-in machine of a {@link #machineName()}, or empty. */
  public static Optional<TcloMachines> named(String name) {
    for (TcloMachines m : values()) {
      if (m.machineName.equals(name)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }
}
