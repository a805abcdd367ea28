package io.github.vmbackdoor.rpc;

/**
 * The guest power states a host asks for over TCLO, with the state number the guest reports back in
 * RPCI {@code tools.os.statechange.status <success> <state>}.
 */
public enum GuestOsState {
  /** {@code OS_Halt}, state 1. */
  HALT(1, "OS_Halt"),
  /** {@code OS_Reboot}, state 2. */
  REBOOT(2, "OS_Reboot"),
  /** {@code OS_PowerOn}, state 3. */
  POWER_ON(3, "OS_PowerOn"),
  /** {@code OS_Resume}, state 4. */
  RESUME(4, "OS_Resume"),
  /** {@code OS_Suspend}, state 5. */
  SUSPEND(5, "OS_Suspend");

  private final int id;
  private final String command;

  GuestOsState(int id, String command) {
    this.id = id;
    this.command = command;
  }

  /** The number sent in {@code tools.os.statechange.status}. */
  public int id() {
    return id;
  }

  /** The TCLO command that asks for this state, e.g. {@code OS_Halt}. */
  public String command() {
    return command;
  }
}
