package io.github.vmbackdoor.hostsim.settings;

import com.google.common.base.Preconditions;

/**
 * What the host allows one guest connection ({@link
 * io.github.vmbackdoor.hostsim.VirtualHost#connect}): how many channels it may hold open at once,
 * and whether its channels close when it disconnects.
 *
 * @param channelLimit the most channels the connection may hold open at once; an OPEN beyond it is
 *     refused (status 0), so that one guest process cannot take the whole channel table
 * @param closeChannelsOnDisconnect whether the channels the connection opened are closed (their
 *     slots freed) when it disconnects; otherwise they stay until a CLOSE or the idle timeout
 */
public record ConnectionPolicy(int channelLimit, boolean closeChannelsOnDisconnect) {

  /**
   * The defaults: 32 channels, closed when the connection ends, so that no connection leaves
   * channels behind for other guests to wait on (a VMware host, which knows no guest processes,
   * keeps them until the idle timeout: {@code closeChannelsOnDisconnect} false).
   */
  public static final ConnectionPolicy DEFAULTS = new ConnectionPolicy(32, true);

  /** Checks the limit is at least 1. */
  public ConnectionPolicy {
    Preconditions.checkArgument(
        channelLimit >= 1, "channelLimit must be at least 1: %s", channelLimit);
  }
}
