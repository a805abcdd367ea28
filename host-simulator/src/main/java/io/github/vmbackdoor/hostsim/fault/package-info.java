/**
 * Faults as values: where a {@link io.github.vmbackdoor.hostsim.fault.Fault} matches and how often,
 * its {@link io.github.vmbackdoor.hostsim.fault.FaultAction} (one record per action, and {@code
 * FaultAction.Custom} for one's own), the two {@link
 * io.github.vmbackdoor.hostsim.fault.Invalidation}s, and the {@link
 * io.github.vmbackdoor.hostsim.fault.FaultHit} the host records when one fires. The host applies
 * them through {@code FaultAction.Call}; this package imports nothing of the host.
 */
package io.github.vmbackdoor.hostsim.fault;
