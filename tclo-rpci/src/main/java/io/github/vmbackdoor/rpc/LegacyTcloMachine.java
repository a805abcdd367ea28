package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.time.Duration;

/**
 * vmt(4) as shipped (NetBSD vmt_subr.c 1.10, NetBSD vmt.c 1.7.12.3 for the NetBSD 6-9 flavor,
 * OpenBSD vmt.c 1.17, dev/pv/vmt.c 1.8 and 1.32 for the OpenBSD flavors): the channel opened at
 * attach, the sticky error flag cleared only by a reopen, the reset handler that closes only when
 * the flag is set, and the unsolicited reset reply after every reopen. When the next tick comes is
 * the flavor's ({@link VmtFlavor#nextTick}).
 */
final class LegacyTcloMachine extends VmtTcloMachine {

  LegacyTcloMachine(Backdoor backdoor, TcloOptions options, TcloListener listener) {
    super(backdoor, options, listener);
  }

  @Override
  public String name() {
    return "legacy";
  }

  @Override
  Duration attach() {
    if (!tclo.open(PROTOCOL_TCLO)) {
      log.event(Type.OPEN_FAILED);
      return detach(VmtMessage.ATTACH_TCLO_FAILED);
    }
    log.event(Type.CHANNEL_OPENED, "channel " + tclo.channel);
    return finishAttach();
  }

  @Override
  Duration step() {
    quiesceTick();
    if (tclo.isZero()) {
      if (!openTclo()) {
        log.device(VmtMessage.REOPEN_FAILED);
        return REOPEN_DELAY;
      }
      if (!tclo.sendString(options.resetReply())) {
        fail(VmtMessage.RESET_REPLY_FAILED);
        return options.flavor().nextTick(false, rpcError, tcloPing);
      }
      log.event(Type.UNSOLICITED_RESET_REPLY_SENT, options.resetReply());
      rpcError = false;
    }
    boolean handled = poll();
    return options.flavor().nextTick(handled, rpcError, tcloPing);
  }

  @Override
  void onReset() {
    if (rpcError) {
      log.device(VmtMessage.RESETTING_RPC);
      log.event(Type.RESETTING);
      closeTclo();
      // OpenBSD sets the flag again here; NetBSD leaves it set. Either way the next tick comes
      // after a second and reopens.
      rpcError = true;
      return;
    }
    reply(options.resetReply(), VmtMessage.RESET_REPLY_FAILED);
  }

  @Override
  boolean closeOnShutdown() {
    return true;
  }
}
