package io.github.vmbackdoor.core;

/**
 * The answer to GETHZ (45): the frequencies the host tells the guest to use instead of calibrating
 * its own clocks.
 *
 * @param tscHz the time-stamp counter frequency in Hz, (ebx &lt;&lt; 32) | eax, unsigned
 * @param apicBusHz the local APIC bus frequency in Hz, ecx unsigned
 */
public record HostHz(long tscHz, long apicBusHz) {}
