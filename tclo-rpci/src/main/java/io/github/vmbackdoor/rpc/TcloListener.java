package io.github.vmbackdoor.rpc;

/**
 * Receives what a {@link TcloStateMachine} does: structured events and the log lines vmt(4) would
 * print for the same situation, word for word (for example {@code vmt0: resetting rpc} or {@code
 * vmware: sending length failed, eax=0x564d5868, ecx=0}), so a run can be put beside a kernel log.
 *
 * <p>Called on the thread that runs {@link TcloStateMachine#tick()}; implementations should return
 * quickly and not throw.
 */
public interface TcloListener {

  /** A listener that ignores everything. */
  TcloListener NONE = new TcloListener() {};

  /** One structured event. */
  default void onEvent(TcloEvent event) {}

  /** One log line, without a trailing newline. */
  default void onLogLine(String line) {}
}
