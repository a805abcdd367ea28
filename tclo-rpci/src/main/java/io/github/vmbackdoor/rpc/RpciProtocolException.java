package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.BackdoorException;

/**
 * The host's answer to an RPCI request broke the reply format: shorter than two bytes, or not
 * starting with {@code "1 "} (success) or {@code "0 "} (failure).
 *
 * <p>open-vm-tools reports the same condition as "Invalid format for the result of the RPCI
 * command". The transport worked; the bytes are kept so the caller can show them.
 */
public final class RpciProtocolException extends BackdoorException {
  private static final long serialVersionUID = 1L;

  private final byte[] reply;

  /**
   * @param reply the bytes the host answered with
   * @param reason why they are not a valid reply
   */
  public RpciProtocolException(byte[] reply, String reason) {
    super("invalid RPCI reply (" + reason + "): " + QuotedBytes.of(reply));
    this.reply = reply.clone();
  }

  /** The bytes the host answered with. */
  public byte[] reply() {
    return reply.clone();
  }
}
