package io.github.vmbackdoor.hostsim.fault;

import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.internal.Durations;
import java.time.Duration;

/**
 * A fault that fired: it hit a call and its action applied ({@link
 * io.github.vmbackdoor.hostsim.HostRecords#faultHits()}).
 *
 * @param at host time of the call it hit
 * @param fault the fault
 * @param step the message step of the call
 * @param channelId the channel of the call; -1 at OPEN, before there is one
 */
public record FaultHit(Duration at, Fault fault, Step step, int channelId) {

  @Override
  public String toString() {
    return "at "
        + Durations.format(at)
        + " "
        + step
        + (channelId < 0 ? "" : " ch " + channelId)
        + ": "
        + fault;
  }
}
