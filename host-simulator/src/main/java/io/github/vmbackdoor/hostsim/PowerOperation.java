package io.github.vmbackdoor.hostsim;

/**
 * A power operation the host asks the guest to carry out over TCLO, with the guest OS state id the
 * guest reports back in {@code tools.os.statechange.status <0|1> <state>}.
 */
public enum PowerOperation {
  /** {@code OS_Halt}; state 1. */
  HALT("OS_Halt", 1),
  /** {@code OS_Reboot}; state 2. */
  REBOOT("OS_Reboot", 2),
  /** {@code OS_PowerOn}; state 3. */
  POWER_ON("OS_PowerOn", 3),
  /** {@code OS_Resume}; state 4. */
  RESUME("OS_Resume", 4),
  /** {@code OS_Suspend}; state 5. */
  SUSPEND("OS_Suspend", 5);

  private final String command;
  private final int stateId;

  PowerOperation(String command, int stateId) {
    this.command = command;
    this.stateId = stateId;
  }

  /** The TCLO command, e.g. {@code OS_Halt}. */
  public String command() {
    return command;
  }

  /** The GuestOsState id the guest reports for this operation. */
  public int stateId() {
    return stateId;
  }

  /** The operation whose state id is {@code stateId}, or {@code null}. */
  static PowerOperation ofStateId(int stateId) {
    for (PowerOperation op : values()) {
      if (op.stateId == stateId) {
        return op;
      }
    }
    return null;
  }
}
