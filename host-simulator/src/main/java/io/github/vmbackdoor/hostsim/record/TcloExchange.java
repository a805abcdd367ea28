package io.github.vmbackdoor.hostsim.record;

import java.time.Duration;
import java.util.Optional;

/**
 * One TCLO exchange as the host saw it: a command it sent and the reply the guest sent back, or a
 * reply nobody asked for, or a command whose channel went away before the reply.
 *
 * @param channelId the TCLO channel
 * @param command the host's command; empty for an unsolicited reply
 * @param reply the guest's reply; empty when none arrived (lost, or rejected before its bytes)
 * @param outcome how the exchange ended
 * @param sentAt host time the command was delivered (for unsolicited replies: when the reply came)
 * @param endedAt host time the exchange ended
 */
public record TcloExchange(
    int channelId,
    Optional<String> command,
    Optional<String> reply,
    Outcome outcome,
    Duration sentAt,
    Duration endedAt) {

  /** How a TCLO exchange ended. */
  public enum Outcome {
    /** The guest answered the command. */
    ANSWERED,
    /**
     * A non-empty message arrived with no command outstanding; the host accepted and ignored it.
     */
    UNSOLICITED_ACCEPTED,
    /**
     * A non-empty message was announced with no command outstanding; the host refused its SENDSIZE.
     */
    UNSOLICITED_REJECTED,
    /** The channel was closed, invalidated or dropped while the command was outstanding. */
    CHANNEL_LOST,
    /**
     * The reply to the channel's "reset" named an application another live channel has, and the
     * host refused it (takeover policy {@code refuse-newer}): the call that completed the reply
     * answered without SUCCESS and the channel was closed host-side.
     */
    CLAIM_REFUSED
  }
}
