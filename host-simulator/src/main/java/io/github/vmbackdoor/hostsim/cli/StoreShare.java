package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import java.util.function.UnaryOperator;

/**
 * {@code serve --store-limit}: the server-wide bound on what all VMs' histories, guest stores and
 * TCLO queues keep, applied as each VM's share of it (docs/admin-api.md, Bounds).
 */
final class StoreShare {

  private StoreShare() {}

  /**
   * What one host keeps at most, as its byte limits count it: six histories (the call log, RPCI
   * requests, the guest's log, unified-loop applications, two of TCLO), three guest stores and the
   * TCLO queue.
   */
  static long weight(HostPolicy p) {
    return 6 * p.historyBytesLimit() + 3 * p.guestStoreBytesLimit() + p.tcloQueueBytesLimit();
  }

  /**
   * Scales a VM's byte limits down so that {@code vms} VMs keep at most {@code bound} bytes
   * together ({@link #weight}); limits that fit already are kept.
   */
  static UnaryOperator<HostSettings> of(long bound, int vms) {
    long each = bound / Math.max(1, vms);
    return settings -> {
      HostPolicy p = settings.policy();
      long weight = weight(p);
      if (weight <= each) {
        return settings;
      }
      double f = (double) each / weight;
      return settings.withPolicy(
          p.withHistoryBytesLimit((long) (p.historyBytesLimit() * f))
              .withGuestStoreBytesLimit((long) (p.guestStoreBytesLimit() * f))
              .withTcloQueueBytesLimit((long) (p.tcloQueueBytesLimit() * f)));
    };
  }
}
