package io.github.vmbackdoor.hostsim;

/**
 * A host endpoint of the message layer, chosen by the protocol number a guest asks for at OPEN:
 * RPCI ({@link RpciEndpoint}) or TCLO ({@link TcloEndpoint}). Each open channel gets a {@link
 * ChannelSession} of its endpoint, so the message layer moves bytes without knowing which protocol
 * it serves. Guarded by the host's lock.
 */
interface Endpoint {

  /** The protocol number, without the cookie flag. */
  int protocol();

  /** A channel of this protocol has just taken its slot; returns its session. */
  ChannelSession open(HostChannel channel);
}
