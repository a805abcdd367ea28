package io.github.vmbackdoor.hostsim.fault;

/** The two ways a host makes a guest's channel unusable. */
public enum Invalidation {
  /**
   * The host closed the channel: every call on it answers {@code CLOSED} without {@code SUCCESS},
   * except {@code CLOSE}, which the host accepts and which frees the slot.
   */
  HOST_CLOSED,
  /**
   * The host no longer knows the channel's cookies (as after VMware's "wrong cookie, discarding
   * message"): every call on it, {@code CLOSE} included, answers without {@code SUCCESS}. The host
   * has discarded the channel, so its slot is free for the next open at once.
   */
  COOKIES_INVALID
}
