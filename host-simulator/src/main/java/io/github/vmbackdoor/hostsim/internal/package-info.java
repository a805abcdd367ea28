/**
 * Rules the simulator's packages share, not part of the public API (they may change in any
 * release): the one duration grammar ({@code Durations}), the one VM-name rule ({@code VmName}),
 * the one enum spelling ({@code KebabCase}) and the one way untrusted text is quoted in a message
 * ({@code Printable}).
 */
package io.github.vmbackdoor.hostsim.internal;
