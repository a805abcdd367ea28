package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.Backdoor;

/** Makes a machine outside a {@link ToolsService}, as the machine tests drive it directly. */
final class Machines {

  private Machines() {}

  /** A machine of {@code factory} whose command table knows no command. */
  static TcloStateMachine create(
      TcloMachineFactory factory, Backdoor backdoor, TcloOptions options, TcloListener listener) {
    return factory.create(
        new TcloMachineContext(
            backdoor, command -> TcloResult.error(TcloResult.UNKNOWN_COMMAND), options, listener));
  }
}
