package io.github.vmbackdoor.hostsim.server;

import java.util.Optional;

/**
 * The error codes of the simulator's wire protocol: what an ERROR frame reports before the server
 * closes the connection.
 *
 * <p>A refused backdoor call is not an error at this level (the host answers it with registers that
 * lack the SUCCESS bit, as a VMware host would); these codes cover only what the register-level
 * protocol cannot express.
 */
public enum WireError {
  /** The HELLO did not start with the magic bytes "VMBD". */
  BAD_MAGIC(1),
  /** The HELLO asked for a protocol version this server does not speak. */
  UNSUPPORTED_VERSION(2),
  /** A frame's length, or the byte count of a transfer, exceeds the protocol's limits. */
  FRAME_TOO_LARGE(3),
  /**
   * A frame's body does not match its type's layout, its type is unknown, or the input ended
   * mid-frame.
   */
  MALFORMED_FRAME(4),
  /**
   * A well-formed frame that is not allowed now: a request before HELLO, a second HELLO, a server
   * frame type.
   */
  UNEXPECTED_FRAME(5),
  /** The server has no VM of the name the HELLO gave. */
  UNKNOWN_VM(6),
  /**
   * The server already serves as many connections as it allows, in all or from the client's
   * address.
   */
  TOO_MANY_CONNECTIONS(7),
  /** The client did not complete the handshake in time. */
  HANDSHAKE_TIMEOUT(8),
  /** The server is shutting down. */
  SHUTTING_DOWN(9),
  /** The host failed while carrying out a request (a fault in the simulator, not in the client). */
  INTERNAL_ERROR(10),
  /**
   * The connection held more than the server allows: too many requests waiting while its client
   * does not read the answers, or the most unread answers when the server's memory budget ran out.
   */
  OVERLOADED(11),
  /**
   * After the handshake, the connection neither completed a request frame nor took any answer bytes
   * within the read timeout.
   */
  IDLE_TIMEOUT(12);

  private final int code;

  WireError(int code) {
    this.code = code;
  }

  /** The number the ERROR frame carries. */
  public int code() {
    return code;
  }

  /** The error with this code, or empty for a code this version does not know. */
  public static Optional<WireError> forCode(int code) {
    for (WireError error : values()) {
      if (error.code == code) {
        return Optional.of(error);
      }
    }
    return Optional.empty();
  }
}
