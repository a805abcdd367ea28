package io.github.vmbackdoor.hostsim;

/**
 * A host endpoint of the message layer, chosen by the protocol number a guest asks for at OPEN:
 * RPCI ({@link RpciEndpoint}) or TCLO ({@link TcloEndpoint}). Each open channel is made by its
 * endpoint, a {@link HostChannel} that is also the endpoint's {@link ChannelSession}, so the
 * message layer moves bytes without knowing which protocol it serves. Guarded by the host's lock.
 */
interface Endpoint {

  /** The protocol number, without the cookie flag. */
  int protocol();

  /**
   * A channel of this protocol taking slot {@code id}, with its cookies (both 0 for none), opened
   * at {@code nanos} of the host's uptime: the channel with this endpoint's session.
   */
  HostChannel open(int id, int cookieHigh, int cookieLow, long nanos);
}
