/**
 * Unmodified guest programs against the simulator: {@link RealGuest} runs a Linux x86-64 program
 * under the trap helper, which answers its backdoor instructions ({@code in}, {@code rep insb},
 * {@code rep outsb}) from a simulated VM over the wire protocol; {@link Trap} says whether this
 * machine can trap. See {@code docs/real-guests.md}.
 */
package io.github.vmbackdoor.hostsim.guest;
