/**
 * Kernel logs with vmt(4) lines: {@link io.github.vmbackdoor.hostsim.logimport.VmtLogParser} reads
 * them (both register formats, syslog and dmesg stamps, OpenBSD's run-in debug lines), {@link
 * io.github.vmbackdoor.hostsim.logimport.LogFlavor} names the version family that printed them,
 * {@link io.github.vmbackdoor.hostsim.logimport.LogImport} turns them into a scenario that
 * reproduces the host behaviour they imply (inference rules, the log's clock, the loop it ends in),
 * and {@link io.github.vmbackdoor.hostsim.logimport.Verification} checks that scenario against the
 * legacy machine (docs/kernel-log-import.md).
 */
package io.github.vmbackdoor.hostsim.logimport;
