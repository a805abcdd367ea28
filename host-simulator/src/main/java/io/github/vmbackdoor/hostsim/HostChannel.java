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

  /** The guest connection that opened the channel; null for the host's own and in-process opens. */
  ChannelOwner owner;

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

  /** SENDING: stores the next piece of up to four bytes (little-endian in {@code word}). */
  void putPiece(int word) {
    int n = Math.min(4, sendBuffer.length - sendOffset);
    for (int i = 0; i < n; i++) {
      sendBuffer[sendOffset + i] = (byte) (word >>> (8 * i));
    }
    sendOffset += n;
  }

  /** RECEIVING: the next piece of up to four bytes, little-endian; RECEIVED after the last one. */
  int takePiece() {
    int word = 0;
    int n = Math.min(4, receiveBuffer.length - receiveOffset);
    for (int i = 0; i < n; i++) {
      word |= (receiveBuffer[receiveOffset + i] & 0xFF) << (8 * i);
    }
    receiveOffset += n;
    if (receiveOffset == receiveBuffer.length) {
      operation = ChannelInfo.Operation.RECEIVED;
    }
    return word;
  }
}
