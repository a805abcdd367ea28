package io.github.vmbackdoor.hostsim;

/**
 * A host endpoint of the message layer, chosen by the protocol number a guest asks for at OPEN:
 * RPCI ({@link RpciEndpoint}) or TCLO ({@link TcloEndpoint}). Each open channel gets a {@link
 * Session} of its endpoint, so the message layer moves bytes without knowing which protocol it
 * serves. Guarded by the host's lock.
 */
interface Endpoint {

  /** The protocol number, without the cookie flag. */
  int protocol();

  /** A channel of this protocol has just taken its slot; returns its session. */
  Session open(HostChannel channel);

  /** The endpoint's side of one channel. */
  interface Session {

    /**
     * Why the host refuses a SENDSIZE of {@code length} on this channel (the call-log words), or
     * null to accept it.
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
  }

  /**
   * A message offered to the guest.
   *
   * @param bytes the message
   * @param label words for the call log (the TCLO command), or null
   */
  record Offer(byte[] bytes, String label) {}
}
