package io.github.vmbackdoor.core;

/**
 * The guest under replay made a call the trace does not have at that point. The message shows the
 * expected and the actual call side by side, marking every register that differs.
 */
public final class ReplayDivergenceException extends BackdoorException {
  private static final long serialVersionUID = 1L;

  private final int callIndex;

  public ReplayDivergenceException(int callIndex, String message) {
    super(message);
    this.callIndex = callIndex;
  }

  /** The 0-based index in the trace of the call that diverged. */
  public int callIndex() {
    return callIndex;
  }
}
