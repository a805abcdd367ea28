package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.MessageException.Step;
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

  /** The {@code vmware: } line vmt prints when {@code step} failed with registers {@code r}. */
  void failed(Step step, Registers r) {
    vmware(MessageException.vmtLine(step, r, options.flavor()::register));
  }

  /** The {@code vmware: } line vmt prints for a failed message-layer step. */
  void failed(MessageException e) {
    vmware(e.vmtLine(options.flavor()::register));
  }
}
