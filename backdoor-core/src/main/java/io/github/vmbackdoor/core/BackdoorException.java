package io.github.vmbackdoor.core;

/**
 * A backdoor call that could not be made, or a protocol step the host refused.
 *
 * <p>Unchecked: guest code usually cannot do anything about a missing hypervisor or a lost
 * connection except report it, and the message layer's failures carry their own step and registers
 * in the subclass {@link MessageException}.
 */
public class BackdoorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BackdoorException(String message) {
    super(message);
  }

  public BackdoorException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * A failure without a stack trace and without a cause: for failures that are the caller's control
   * flow (see {@link MessageChannel.Options#withStackTraces(boolean)}).
   */
  BackdoorException(String message, boolean withoutStackTrace) {
    super(message, null, true, !withoutStackTrace);
  }
}
