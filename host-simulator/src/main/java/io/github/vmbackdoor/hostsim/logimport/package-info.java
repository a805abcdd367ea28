/**
 * Kernel logs with vmt(4) lines: {@link io.github.vmbackdoor.hostsim.logimport.VmtLogParser} reads
 * them (both register formats, syslog and dmesg stamps, OpenBSD's run-in debug lines), {@link
 * io.github.vmbackdoor.hostsim.logimport.LogImport} turns them into a scenario that reproduces the
 * host behaviour they imply (docs/kernel-log-import.md).
 */
package io.github.vmbackdoor.hostsim.logimport;
