package io.github.vmbackdoor.hostsim;

import java.nio.charset.StandardCharsets;

/** A host command on its way to the guest over TCLO. Identity matters: each is queued once. */
final class TcloCommand {
  /** The text of a reset, the command a new channel and a reset host send first. */
  static final String RESET = "reset";

  final String text;
  final byte[] bytes;

  /** Whether this is the "reset" a new TCLO channel owes its guest (not from the queue). */
  final boolean channelReset;

  /** The power operation this command requests, or null. */
  final PowerOperations.Tracker power;

  /** What RECVSIZE offers for it: one offer however often it is offered. */
  final ChannelSession.Offer offer;

  TcloCommand(String text, boolean channelReset, PowerOperations.Tracker power) {
    this.text = text;
    this.bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    this.channelReset = channelReset;
    this.power = power;
    this.offer = new ChannelSession.Offer(bytes, text);
  }

  @Override
  public String toString() {
    return text;
  }
}
