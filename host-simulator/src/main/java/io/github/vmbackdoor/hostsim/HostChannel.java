package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CLOSED;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_TIMEOUT;

import io.github.vmbackdoor.hostsim.record.ChannelInfo;

/**
 * The host's state for one occupied slot of the channel table, and through its subclass the
 * endpoint's side of the channel ({@link ChannelSession}: RPCI or TCLO), made by the endpoint when
 * the channel opens; one object per open channel. Guarded by the host's lock.
 */
abstract class HostChannel implements ChannelSession {
  private static final ChannelInfo.State[] STATES = ChannelInfo.State.values();
  private static final ChannelInfo.Operation[] OPERATIONS = ChannelInfo.Operation.values();

  final int id;

  /** The channel's cookies; both 0 for a channel opened without (a cookie pair is never 0, 0). */
  final int cookieHigh;

  final int cookieLow;
  long lastActivityNanos;

  /**
   * OPEN, HOST_CLOSED or TIMED_OUT, and the operation in progress: their ordinals, a byte each
   * rather than a reference ({@link #state()}, {@link #operation()}).
   */
  private byte state = (byte) ChannelInfo.State.OPEN.ordinal();

  private byte operation = (byte) ChannelInfo.Operation.IDLE.ordinal();

  long closedNanos;

  /**
   * The checkpoint generation the current operation started in, its low 32 bits (compared only for
   * equality: four billion checkpoints apart would look alike).
   */
  int operationGeneration;

  /**
   * The message in transfer, one way at a time: SENDING, the announced message and (offset) how
   * much of it arrived; RECEIVING/RECEIVED, the message being fetched and how much of it went out.
   */
  byte[] buffer;

  int offset;

  /** The guest connection that opened the channel; null for the host's own and in-process opens. */
  ChannelOwner owner;

  HostChannel(int id, int cookieHigh, int cookieLow, long now) {
    this.id = id;
    this.cookieHigh = cookieHigh;
    this.cookieLow = cookieLow;
    this.lastActivityNanos = now;
  }

  /** The protocol number the channel speaks, its endpoint's (without the cookie flag). */
  abstract int protocol();

  /** OPEN, HOST_CLOSED or TIMED_OUT. */
  ChannelInfo.State state() {
    return STATES[state];
  }

  void state(ChannelInfo.State s) {
    state = (byte) s.ordinal();
  }

  /** The message operation in progress: IDLE, SENDING, RECEIVING or RECEIVED. */
  ChannelInfo.Operation operation() {
    return OPERATIONS[operation];
  }

  void operation(ChannelInfo.Operation o) {
    operation = (byte) o.ordinal();
  }

  /** Whether the channel was opened with cookies. */
  boolean hasCookies() {
    return cookieHigh != 0 || cookieLow != 0;
  }

  boolean isOpen() {
    return state == ChannelInfo.State.OPEN.ordinal();
  }

  /** Abandons a send or receive in progress (a message being received stays available). */
  void abandonOperation() {
    operation(ChannelInfo.Operation.IDLE);
    buffer = null;
    offset = 0;
  }

  /**
   * Whether a checkpoint came since the operation in progress started ({@code generation} is the
   * checkpoint generation now): then the operation is abandoned, and its call answers CPT.
   */
  boolean cancelledSince(int generation) {
    if (operation() != ChannelInfo.Operation.IDLE && operationGeneration != generation) {
      abandonOperation();
      return true;
    }
    return false;
  }

  /** SENDING: stores the next piece of up to four bytes (little-endian in {@code word}). */
  void putPiece(int word) {
    int n = Math.min(4, buffer.length - offset);
    for (int i = 0; i < n; i++) {
      buffer[offset + i] = (byte) (word >>> (8 * i));
    }
    offset += n;
  }

  /** RECEIVING: the next piece of up to four bytes, little-endian; RECEIVED after the last one. */
  int takePiece() {
    int word = 0;
    int n = Math.min(4, buffer.length - offset);
    for (int i = 0; i < n; i++) {
      word |= (buffer[offset + i] & 0xFF) << (8 * i);
    }
    offset += n;
    if (offset == buffer.length) {
      operation(ChannelInfo.Operation.RECEIVED);
    }
    return word;
  }

  /** The status a call on this channel gets once the host has closed it (and why). */
  int closedStatus() {
    return STATUS_CLOSED | (state() == ChannelInfo.State.TIMED_OUT ? STATUS_TIMEOUT : 0);
  }
}
