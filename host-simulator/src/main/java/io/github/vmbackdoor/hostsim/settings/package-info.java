/**
 * The host's settings: how it behaves ({@link io.github.vmbackdoor.hostsim.settings.HostPolicy},
 * {@link io.github.vmbackdoor.hostsim.settings.TcloTakeover}, {@link
 * io.github.vmbackdoor.hostsim.settings.ConnectionPolicy}), who it is ({@link
 * io.github.vmbackdoor.hostsim.settings.HostIdentity}), both together ({@link
 * io.github.vmbackdoor.hostsim.settings.HostSettings}), and the one table of named settings behind
 * scenario {@code host} lines, vm-config keys and the docs ({@link
 * io.github.vmbackdoor.hostsim.settings.HostSetting}).
 */
package io.github.vmbackdoor.hostsim.settings;
