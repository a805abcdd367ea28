package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.Registers;

/** Log lines and events of one machine, worded and formatted as vmt(4) prints them. */
final class MachineLog {

  private final TcloListener listener;
  private final TcloOptions options;

  MachineLog(TcloListener listener, TcloOptions options) {
    this.listener = listener;
    this.options = options;
  }

  /** A device line: {@code vmt0: <text>}. */
  void device(String text) {
    listener.onLogLine(options.deviceName() + ": " + text);
  }

  /** A low-level backdoor line: {@code vmware: <text>}. */
  void vmware(String text) {
    listener.onLogLine("vmware: " + text);
  }

  /** A line without prefix (vmt's log() calls). */
  void plain(String text) {
    listener.onLogLine(text);
  }

  void event(TcloEvent.Type type, String detail) {
    listener.onEvent(TcloEvent.of(type, detail));
  }

  void event(TcloEvent.Type type) {
    listener.onEvent(TcloEvent.of(type));
  }

  String reg(int value) {
    return options.flavor().register(value);
  }

  /** {@code eax=..., ecx=...} in this machine's register format. */
  String eaxEcx(Registers r) {
    return "eax=" + reg(r.eax()) + ", ecx=" + reg(r.ecx());
  }

  /** The {@code vmware: } line vmt prints for a failed message-layer step. */
  String lowLevel(MessageException e) {
    Registers r = e.registers();
    switch (e.step()) {
      case OPEN:
        return "open failed, " + eaxEcx(r) + ", edx=" + reg(r.edx());
      case SEND_HB:
      case RECV_HB:
        return e.step().vmtWords() + ", ebx=" + reg(r.ebx());
      default:
        return e.step().vmtWords() + ", " + eaxEcx(r);
    }
  }
}
