package io.github.vmbackdoor.hostsim;

/** The host's state for one occupied slot of the channel table. Guarded by the host's lock. */
final class HostChannel {
  final int id;
  final int protocol;
  final boolean cookies;
  final int cookieHigh;
  final int cookieLow;
  final long openedNanos;
  long lastActivityNanos;

  /** OPEN, HOST_CLOSED or TIMED_OUT. */
  ChannelInfo.State state = ChannelInfo.State.OPEN;

  long closedNanos;

  ChannelInfo.Operation operation = ChannelInfo.Operation.IDLE;

  /** The checkpoint generation the current operation started in. */
  long operationGeneration;

  /** SENDING: the announced message and how much of it arrived. */
  byte[] sendBuffer;

  int sendOffset;

  /** RECEIVING/RECEIVED: the message being fetched and how much of it went out. */
  byte[] receiveBuffer;

  int receiveOffset;

  /** The endpoint's side of this channel (RPCI or TCLO), attached when the channel opens. */
  Endpoint.Session session;

  HostChannel(int id, int protocol, boolean cookies, int cookieHigh, int cookieLow, long now) {
    this.id = id;
    this.protocol = protocol;
    this.cookies = cookies;
    this.cookieHigh = cookieHigh;
    this.cookieLow = cookieLow;
    this.openedNanos = now;
    this.lastActivityNanos = now;
  }

  boolean isOpen() {
    return state == ChannelInfo.State.OPEN;
  }

  /** Abandons a send or receive in progress (a message being received stays available). */
  void abandonOperation() {
    operation = ChannelInfo.Operation.IDLE;
    sendBuffer = null;
    sendOffset = 0;
    receiveBuffer = null;
    receiveOffset = 0;
  }
}
