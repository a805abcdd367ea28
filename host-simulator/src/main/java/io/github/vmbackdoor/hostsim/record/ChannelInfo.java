package io.github.vmbackdoor.hostsim.record;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.Registers;
import java.time.Duration;

/**
 * A snapshot of one occupied slot of the host's channel table.
 *
 * @param id the channel id
 * @param protocol the protocol number (RPCI or TCLO), without the cookie flag
 * @param cookies whether the channel was opened with the cookie flag
 * @param cookieHigh the high cookie half (esi at OPEN), 0 without cookies
 * @param cookieLow the low cookie half (edi at OPEN), 0 without cookies
 * @param state whether the channel is open or closed by the host
 * @param operation the message operation in progress on it
 * @param lastActivity host time of the last accepted call on it
 */
public record ChannelInfo(
    int id,
    int protocol,
    boolean cookies,
    int cookieHigh,
    int cookieLow,
    State state,
    Operation operation,
    Duration lastActivity) {

  /** The channel's life state. */
  public enum State {
    /** Open: calls are served. */
    OPEN,
    /** Closed by the host: calls answer CLOSED, a CLOSE frees the slot. */
    HOST_CLOSED,
    /** Closed by the host for idleness: calls answer CLOSED|TIMEOUT, a CLOSE frees the slot. */
    TIMED_OUT
  }

  /** The message operation in progress on a channel. */
  public enum Operation {
    /** No send or receive in progress. */
    IDLE,
    /** SENDSIZE accepted, payload still expected. */
    SENDING,
    /** RECVSIZE announced a message, payload not all fetched. */
    RECEIVING,
    /** Payload all fetched, RECVSTATUS expected. */
    RECEIVED
  }

  @Override
  public String toString() {
    return "channel "
        + id
        + " "
        + BackdoorProtocol.protocolName(protocol)
        + (cookies
            ? " cookies " + Registers.hex(cookieHigh) + ":" + Registers.hex(cookieLow)
            : " no cookies")
        + " "
        + state
        + " "
        + operation
        + " last "
        + lastActivity;
  }
}
