package io.github.vmbackdoor.rpc;

/** A handler for one TCLO command name, registered with {@link ToolsService}. */
@FunctionalInterface
public interface TcloHandler {

  /**
   * Handles one command.
   *
   * @param arguments everything after the command name, including the leading space (empty when the
   *     command has no arguments), as open-vm-tools passes it
   * @return the reply
   */
  TcloResult handle(String arguments);
}
