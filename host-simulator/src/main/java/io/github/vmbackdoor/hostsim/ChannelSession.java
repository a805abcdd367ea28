package io.github.vmbackdoor.hostsim;

/**
 * An endpoint's side of one channel ({@link Endpoint#open}): what the message layer hands complete
 * messages to and takes offers from. Guarded by the host's lock.
 */
interface ChannelSession {

  /**
   * Why the host refuses a SENDSIZE of {@code length} on this channel (the call-log words), or null
   * to accept it.
   */
  default String refuseSend(long length) {
    return null;
  }

  /**
   * A complete message from the guest. Returns why the host refuses it (the call-log words), or
   * null to accept it: a refused message's last call answers without SUCCESS.
   */
  String message(byte[] message);

  /** The message waiting for the guest now (RECVSIZE), or null; the session remembers it. */
  Offer offer();

  /** The guest acknowledged the message last offered (RECVSTATUS 1). */
  void received();

  /** The channel ended: closed by the guest, invalidated or dropped by the host. */
  void ended();

  /**
   * A message offered to the guest.
   *
   * @param bytes the message
   * @param label words for the call log (the TCLO command), or null
   */
  record Offer(byte[] bytes, String label) {}
}
