package io.github.vmbackdoor.hostsim.settings;

import com.google.common.base.Preconditions;

/**
 * The settings of one host: its {@link HostPolicy} and its {@link HostIdentity}. The value that
 * scenario files ({@code host} lines), vm-config files and the JUnit extension fill through the one
 * table of {@link HostSetting}s, and a host builder takes whole ({@link
 * io.github.vmbackdoor.hostsim.VirtualHostBuilder#settings}).
 *
 * @param policy how the host behaves
 * @param identity who the host is
 */
public record HostSettings(HostPolicy policy, HostIdentity identity) {

  /** Every setting at its default. */
  public static final HostSettings DEFAULTS =
      new HostSettings(HostPolicy.DEFAULTS, HostIdentity.DEFAULTS);

  /** Checks that both parts are given. */
  public HostSettings {
    Preconditions.checkNotNull(policy, "policy");
    Preconditions.checkNotNull(identity, "identity");
  }

  /** A copy with another policy. */
  public HostSettings withPolicy(HostPolicy value) {
    return new HostSettings(value, identity);
  }

  /** A copy with another identity. */
  public HostSettings withIdentity(HostIdentity value) {
    return new HostSettings(policy, value);
  }
}
