package io.github.vmbackdoor.hostsim.logimport;

import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.rpc.VmtMessage;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * One vmt(4) message read from a kernel log: where it stood, when it was printed (if the log says),
 * which catalogue message it is, the registers it printed, and any words after them.
 */
public final class VmtLogLine {

  private final int lineNumber;
  private final OptionalDouble seconds;
  private final boolean exactStamp;
  private final String device;
  private final VmtMessage message;
  private final ImmutableMap<String, Long> registers;
  private final String detail;
  private final String text;

  VmtLogLine(
      int lineNumber,
      OptionalDouble seconds,
      boolean exactStamp,
      String device,
      VmtMessage message,
      ImmutableMap<String, Long> registers,
      String detail,
      String text) {
    this.lineNumber = lineNumber;
    this.seconds = seconds;
    this.exactStamp = exactStamp;
    this.device = device;
    this.message = message;
    this.registers = registers;
    this.detail = detail;
    this.text = text;
  }

  /** The 1-based line of the log this message came from. */
  public int lineNumber() {
    return lineNumber;
  }

  /**
   * When the line was printed, in seconds: since boot for dmesg stamps, since the start of the year
   * for syslog stamps; empty when the line has no stamp.
   */
  public OptionalDouble seconds() {
    return seconds;
  }

  /** Whether {@link #seconds()} is the kernel's own uptime (a dmesg stamp), not a syslog one. */
  public boolean exactStamp() {
    return exactStamp;
  }

  /** The device that printed it ({@code vmt0}), empty for {@code vmware:} and unprefixed lines. */
  public Optional<String> device() {
    return Optional.ofNullable(device);
  }

  public VmtMessage message() {
    return message;
  }

  /** The registers printed, by name ({@code eax}, {@code ebx}, ...), as unsigned values. */
  public ImmutableMap<String, Long> registers() {
    return registers;
  }

  /** Words after the message (the command of {@code unknown command: "..."}), or empty. */
  public String detail() {
    return detail;
  }

  /** The message as printed, from its prefix on, without the time stamp. */
  public String text() {
    return text;
  }

  /**
   * The message status the failed call returned: the high word of ebx after a high-bandwidth
   * transfer ({@code send failed}, {@code get data failed}), of ecx otherwise.
   */
  public OptionalInt status() {
    String register =
        message == VmtMessage.SEND_FAILED || message == VmtMessage.GET_DATA_FAILED ? "ebx" : "ecx";
    Long value = registers.get(register);
    return value == null ? OptionalInt.empty() : OptionalInt.of((int) ((value >>> 16) & 0xFFFF));
  }

  /** Whether the status says a checkpoint cancelled the call (CPT without SUCCESS). */
  public boolean isCheckpoint() {
    OptionalInt s = status();
    return s.isPresent()
        && (s.getAsInt() & BackdoorProtocol.STATUS_CPT) != 0
        && (s.getAsInt() & BackdoorProtocol.STATUS_SUCCESS) == 0;
  }

  /**
   * The step of the call this {@code vmware:} line reports failed: the one its message names, the
   * high-bandwidth receive otherwise.
   */
  Step failedStep() {
    return switch (message) {
      case OPEN_FAILED -> Step.OPEN;
      case SENDING_LENGTH_FAILED -> Step.SENDSIZE;
      case SEND_FAILED -> Step.SEND_HB;
      case GET_LENGTH_FAILED -> Step.RECVSIZE;
      case ACK_DATA_FAILED -> Step.RECVSTATUS;
      default -> Step.RECV_HB;
    };
  }

  @Override
  public String toString() {
    return lineNumber + ": " + text;
  }
}
