package io.github.vmbackdoor.core;

/**
 * A message-layer step the host refused, or answered in a way the protocol does not allow.
 *
 * <p>Names the {@link Step} that failed and carries the registers the host returned, and its
 * message reads the way vmt(4) prints the same failure, for example {@code sending length failed,
 * eax=564d5868, ecx=0000001e}, so a run can be put beside a kernel log.
 */
public final class MessageException extends BackdoorException {
  private static final long serialVersionUID = 1L;

  /** The message-layer step that failed. */
  public enum Step {
    /** OPEN, with and without the cookie flag. */
    OPEN("open failed"),
    /** SENDSIZE: the host refused the length. */
    SENDSIZE("sending length failed"),
    /** SENDPAYLOAD: a 4-byte piece was refused. */
    SENDPAYLOAD("sending data failed"),
    /** The high-bandwidth {@code rep outsb} of a payload. */
    SEND_HB("send failed"),
    /** RECVSIZE: polling for a message failed, or the host's answer broke the protocol. */
    RECVSIZE("get length failed"),
    /** RECVPAYLOAD: a 4-byte piece could not be fetched, or broke the protocol. */
    RECVPAYLOAD("get data failed"),
    /** The high-bandwidth {@code rep insb} of a payload. */
    RECV_HB("get data failed"),
    /** RECVSTATUS: the acknowledgement of a received message was refused. */
    RECVSTATUS("ack data failed"),
    /** CLOSE. */
    CLOSE("close failed");

    private final String vmtWords;

    Step(String vmtWords) {
      this.vmtWords = vmtWords;
    }

    /** How vmt(4) words a failure of this step, e.g. {@code sending length failed}. */
    public String vmtWords() {
      return vmtWords;
    }

    /** Whether the step's status comes back in ebx (high-bandwidth calls) rather than ecx. */
    public boolean highBandwidth() {
      return this == SEND_HB || this == RECV_HB;
    }
  }

  private final Step step;
  private final Registers registers;
  private final boolean checkpointRetriesExhausted;

  /**
   * @param step the step that failed
   * @param registers the registers the host returned for that step
   * @param detail extra words after the registers, or {@code null}
   * @param checkpointRetriesExhausted whether the step failed only because the host kept answering
   *     with a checkpoint more often than the channel restarts an operation
   */
  public MessageException(
      Step step, Registers registers, String detail, boolean checkpointRetriesExhausted) {
    super(format(step, registers, detail));
    this.step = step;
    this.registers = registers;
    this.checkpointRetriesExhausted = checkpointRetriesExhausted;
  }

  public MessageException(Step step, Registers registers) {
    this(step, registers, null, false);
  }

  /** The step that failed. */
  public Step step() {
    return step;
  }

  /** The registers the host returned for the failed step. */
  public Registers registers() {
    return registers;
  }

  /**
   * The message status the host returned (ebx high word after HB calls, ecx high word otherwise).
   */
  public int status() {
    return step.highBandwidth() ? registers.ebxHigh() : registers.ecxHigh();
  }

  /** Whether the host answered with checkpoints until the restart limit was reached. */
  public boolean checkpointRetriesExhausted() {
    return checkpointRetriesExhausted;
  }

  private static String format(Step step, Registers r, String detail) {
    StringBuilder b = new StringBuilder(step.vmtWords());
    if (step.highBandwidth()) {
      b.append(", ebx=").append(Registers.hex(r.ebx()));
    } else if (step == Step.OPEN) {
      b.append(", eax=")
          .append(Registers.hex(r.eax()))
          .append(", ecx=")
          .append(Registers.hex(r.ecx()))
          .append(", edx=")
          .append(Registers.hex(r.edx()));
    } else {
      b.append(", eax=")
          .append(Registers.hex(r.eax()))
          .append(", ecx=")
          .append(Registers.hex(r.ecx()));
    }
    if (detail != null && !detail.isEmpty()) {
      b.append(" (").append(detail).append(')');
    }
    return b.toString();
  }
}
