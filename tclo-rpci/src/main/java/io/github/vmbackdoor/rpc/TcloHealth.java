package io.github.vmbackdoor.rpc;

/** How a {@link TcloStateMachine} is doing, as seen from its own state. */
public enum TcloHealth {
  /** Not attached yet: no tick has run. */
  STARTING,
  /** A channel is open and the last poll worked. */
  UP,
  /**
   * A failure happened; the machine believes it is on its way back (or, for vmt, is stuck believing
   * so).
   */
  RECOVERING,
  /** The fixed machine reached its restart cap: it keeps retrying, but only with the long delay. */
  GIVING_UP,
  /** Stopped for good (attach failed or shut down); ticks do nothing. */
  STOPPED
}
