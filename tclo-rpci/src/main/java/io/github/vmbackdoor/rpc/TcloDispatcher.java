package io.github.vmbackdoor.rpc;

/**
 * Turns a TCLO command from the host into the guest's reply. The fixed state machine calls it for
 * every command it receives; {@link ToolsService} is the usual implementation.
 */
@FunctionalInterface
public interface TcloDispatcher {

  /**
   * Handles one command.
   *
   * @param command the command as received: its name, and after a space its arguments
   * @return the reply; should not throw (the fixed machine answers {@code ERROR} if it does)
   */
  TcloResult dispatch(String command);
}
