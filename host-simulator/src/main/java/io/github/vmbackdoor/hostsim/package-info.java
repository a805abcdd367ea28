/**
 * The emulated host: one VM's VMX side.
 *
 * <p>{@link io.github.vmbackdoor.hostsim.VirtualHost} is the façade (host events, {@code
 * backdoor()}, {@code connect()}, its builder) over package-private parts, each doing one job: the
 * message server and its high-bandwidth port, the channel table, the RPCI and TCLO endpoints, the
 * command-port answers, the fault book. Below it, each in a package of its own and none importing
 * this one: {@link io.github.vmbackdoor.hostsim.time} (virtual time and lanes), {@link
 * io.github.vmbackdoor.hostsim.fault} (faults as values), {@link
 * io.github.vmbackdoor.hostsim.settings} (the host's settings and their one table), {@link
 * io.github.vmbackdoor.hostsim.record} (what the host's read side returns) and {@link
 * io.github.vmbackdoor.hostsim.internal} (shared text rules, not API). Above it: {@code scenario},
 * {@code server}, {@code admin}, {@code junit}, {@code logimport}, {@code report} and {@code cli}.
 */
package io.github.vmbackdoor.hostsim;
