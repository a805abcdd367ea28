package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.time.Duration;

/**
 * vmt(4) with the 2024 patch: the channel zeroed at attach instead of opened; a liveness test
 * (channel or either cookie non-zero); when not alive the tick opens, clears the error flag and
 * flags a ping, with no reset reply; at the end of a tick with the error flag set it prints {@code
 * resetting rpc} and closes; the reset handler only replies.
 *
 * <p>Its remaining flaw is kept: vmt's close zeroes the channel only when the host accepts the
 * close, so after a refused close the dead channel still looks alive and is pinged again every
 * second.
 */
final class ProposedPatchTcloMachine extends VmtTcloMachine {

  ProposedPatchTcloMachine(Backdoor backdoor, TcloOptions options, TcloListener listener) {
    super(backdoor, options, listener);
  }

  @Override
  public String name() {
    return "proposed-patch";
  }

  /** vm_rpc_alive: channel or either cookie non-zero. */
  boolean alive() {
    return !tclo.isZero();
  }

  @Override
  Duration attach() {
    tclo.zero();
    return finishAttach();
  }

  @Override
  Duration step() {
    if (!alive()) {
      if (!openTclo()) {
        log.device(VmtMessage.REOPEN_FAILED);
        return REOPEN_DELAY;
      }
      rpcError = false;
      tcloPing = true;
    }
    boolean handled = poll();
    if (rpcError) {
      log.device(VmtMessage.RESETTING_RPC);
      log.event(Type.RESETTING);
      closeTclo();
    }
    return options.flavor().nextTick(handled, rpcError, tcloPing);
  }

  @Override
  void onReset() {
    reply(options.resetReply(), VmtMessage.RESET_REPLY_FAILED);
  }

  @Override
  boolean closeOnShutdown() {
    return alive();
  }
}
