package io.github.vmbackdoor.rpc;

/**
 * The console as a vmt(4) dialect prints to it: the lines of {@link VmtMessage}, with the device
 * prefix or without one. {@link MachineLog} is the vmt machines' console (the fixed machine prints
 * its few lines with its words).
 */
interface DriverConsole {

  /** A device line: {@code vmt0: <words>}. */
  void device(VmtMessage message);

  /** A device line with what follows the message's words: {@code vmt0: <words><rest>}. */
  void device(VmtMessage message, String rest);

  /** A device message printed without a newline: the next line printed runs into it. */
  void deviceWithoutNewline(VmtMessage message);

  /** A line without prefix (vmt's log() calls). */
  void plain(String text);

  /** A message without prefix. */
  void plain(VmtMessage message);
}
