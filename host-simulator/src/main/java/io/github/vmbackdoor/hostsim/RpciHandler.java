package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.hostsim.record.RpciRequest;

/**
 * Answers one RPCI command on the host side.
 *
 * <p>The reply is the whole text the guest receives, prefix included: {@code "1 <result>"} for
 * success, {@code "0 <error>"} for failure (ISO-8859-1, one character per byte). Handlers run under
 * the VirtualHost's lock: they must be quick and must not call the host's backdoor.
 */
@FunctionalInterface
public interface RpciHandler {

  /** The reply to {@code request}. */
  String reply(RpciRequest request);
}
