package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.Backdoor;
import java.util.Objects;

/**
 * What a {@link TcloMachineFactory} gives the machine it makes.
 *
 * @param backdoor the backdoor the machine opens its channels on
 * @param commands the service's command table: the replies to the host's TCLO commands (a machine
 *     may answer with a table of its own instead, as the vmt machines do)
 * @param options the guest's names, delays and vmt flavor
 * @param listener where the machine reports its events and log lines
 */
public record TcloMachineContext(
    Backdoor backdoor, TcloDispatcher commands, TcloOptions options, TcloListener listener) {

  /** Checks that no part is null. */
  public TcloMachineContext {
    Objects.requireNonNull(backdoor, "backdoor");
    Objects.requireNonNull(commands, "commands");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(listener, "listener");
  }
}
