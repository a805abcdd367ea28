package io.github.vmbackdoor.hostsim.server;

import io.netty.handler.codec.DecoderException;

/**
 * A client broke the wire protocol: the connection gets an ERROR frame with {@link #error()} and is
 * closed. A {@link DecoderException} so that Netty's decoder passes it on unwrapped; without a
 * stack trace, because it describes the client's input, not a fault in the server.
 */
final class WireProtocolException extends DecoderException {
  private static final long serialVersionUID = 1L;

  private final WireError error;

  WireProtocolException(WireError error, String message) {
    super(message);
    this.error = error;
  }

  WireError error() {
    return error;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
