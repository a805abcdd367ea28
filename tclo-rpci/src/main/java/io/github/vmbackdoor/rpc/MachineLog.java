package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.Registers;

/** Log lines and events of one machine, worded and formatted as vmt(4) prints them. */
final class MachineLog implements DriverConsole {

  private final TcloListener listener;
  private final TcloOptions options;

  /** Text printed without a newline, waiting for the next line to run into it. */
  private String pending = "";

  MachineLog(TcloListener listener, TcloOptions options) {
    this.listener = listener;
    this.options = options;
  }

  /** The options the lines are worded by. */
  TcloOptions options() {
    return options;
  }

  /** A device line: {@code vmt0: <text>}. */
  void device(String text) {
    line(deviceLine(options, text));
  }

  /** The device line {@code vmt0: <text>} of a machine with these options. */
  static String deviceLine(TcloOptions options, String text) {
    return options.deviceName() + ": " + text;
  }

  /**
   * A device message printed without a newline (OpenBSD's guest-info lines): the next line printed
   * runs into it, as on the console ({@code vmt0: unable to set guest uptimevmware: ...}).
   */
  void deviceWithoutNewline(String text) {
    pending = pending + options.deviceName() + ": " + text;
  }

  /** A device line of the vocabulary: {@code vmt0: <words>}. */
  @Override
  public void device(VmtMessage message) {
    device(message.words());
  }

  /** A device line of the vocabulary with what follows its words: {@code vmt0: <words><rest>}. */
  @Override
  public void device(VmtMessage message, String rest) {
    device(message.words() + rest);
  }

  /** {@link #deviceWithoutNewline(String)} of a message of the vocabulary. */
  @Override
  public void deviceWithoutNewline(VmtMessage message) {
    deviceWithoutNewline(message.words());
  }

  /** A line of the vocabulary without prefix. */
  @Override
  public void plain(VmtMessage message) {
    plain(message.words());
  }

  /** A low-level backdoor line: {@code vmware: <text>}. */
  void vmware(String text) {
    line("vmware: " + text);
  }

  /** A line without prefix (vmt's log() calls). */
  @Override
  public void plain(String text) {
    line(text);
  }

  /** Ends a line still waiting for its newline (the driver stops printing). */
  void flush() {
    if (!pending.isEmpty()) {
      String text = pending;
      pending = "";
      listener.onLogLine(text);
    }
  }

  private void line(String text) {
    String full = pending + text;
    pending = "";
    listener.onLogLine(full);
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
    line(failedLine(options, e));
  }

  /** The {@code vmware: } line vmt prints for a failed message-layer step, by these options. */
  static String failedLine(TcloOptions options, MessageException e) {
    return "vmware: " + e.vmtLine(options.flavor()::register);
  }
}
