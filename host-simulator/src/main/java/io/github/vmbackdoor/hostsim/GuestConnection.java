package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import java.time.Duration;

/**
 * One guest process's connection to a VM ({@link VirtualHost#connect}): a {@link Backdoor} whose
 * channels belong to it, as the TCP server gives each of its connections. Calls on one connection
 * are made one at a time.
 */
public interface GuestConnection extends Backdoor {

  /**
   * The extra time a fault asked the answer of the call just made to be held back (a {@code delay=}
   * fault), or zero. The caller holds the answer back itself, without blocking other connections.
   */
  Duration answerDelay();

  /**
   * The guest process has gone: the channels it opened are closed when its {@link ConnectionPolicy}
   * says so. Further calls are not expected.
   */
  void disconnect();
}
