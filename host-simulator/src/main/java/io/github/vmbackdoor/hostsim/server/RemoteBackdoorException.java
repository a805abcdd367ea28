package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.BackdoorException;
import java.util.Optional;

/**
 * The simulator server refused a connection or a call with an ERROR frame, and closed the
 * connection. Carries the server's error code and text.
 */
public final class RemoteBackdoorException extends BackdoorException {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final String serverMessage;

  RemoteBackdoorException(String context, int code, String serverMessage) {
    super(context + ": server error " + code + " (" + name(code) + "): " + serverMessage);
    this.code = code;
    this.serverMessage = serverMessage;
  }

  /** The error code of the server's ERROR frame. */
  public int code() {
    return code;
  }

  /** The error, or empty when the server sent a code this client does not know. */
  public Optional<WireError> error() {
    return WireError.forCode(code);
  }

  /** The text of the server's ERROR frame. */
  public String serverMessage() {
    return serverMessage;
  }

  private static String name(int code) {
    return WireError.forCode(code).map(Enum::name).orElse("unknown");
  }
}
