package io.github.vmbackdoor.core;

import java.util.function.IntFunction;

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
  private final String detail;
  private final boolean checkpointRetriesExhausted;

  /**
   * The message, made when first asked for: a guest's machine that only logs the failure in vmt's
   * words ({@link #vmtLine(IntFunction)}) never makes it. Racy but idempotent: every thread that
   * makes it makes the same text.
   */
  private String message;

  /**
   * @param step the step that failed
   * @param registers the registers the host returned for that step
   * @param detail extra words after the registers, or {@code null}
   * @param checkpointRetriesExhausted whether the step failed only because the host kept answering
   *     with a checkpoint more often than the channel restarts an operation
   */
  public MessageException(
      Step step, Registers registers, String detail, boolean checkpointRetriesExhausted) {
    super((String) null);
    this.step = step;
    this.registers = registers;
    this.detail = detail;
    this.checkpointRetriesExhausted = checkpointRetriesExhausted;
  }

  /**
   * The failure as vmt(4) prints it, with the detail in parentheses after the registers when there
   * is one: {@code sending length failed, eax=564d5868, ecx=0000001e}.
   */
  @Override
  public String getMessage() {
    String m = message;
    if (m == null) {
      m = format(step, registers, detail);
      message = m;
    }
    return m;
  }

  /**
   * As {@link #MessageException(Step, Registers, String, boolean)}, without a stack trace (a
   * channel whose options say so: {@link MessageChannel.Options#withStackTraces(boolean)}).
   */
  static MessageException withoutStackTrace(
      Step step, Registers registers, String detail, boolean checkpointRetriesExhausted) {
    return new MessageException(step, registers, detail, checkpointRetriesExhausted, true);
  }

  private MessageException(
      Step step,
      Registers registers,
      String detail,
      boolean checkpointRetriesExhausted,
      boolean withoutStackTrace) {
    super(null, withoutStackTrace);
    this.step = step;
    this.registers = registers;
    this.detail = detail;
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

  /**
   * The words vmt(4) prints after {@code vmware: } for a failure of {@code step}: the step's words
   * and the registers that tell it apart (eax, ecx and edx for OPEN; ebx for the high-bandwidth
   * calls; eax and ecx otherwise), for example {@code sending length failed, eax=564d5868,
   * ecx=0000001e}.
   *
   * @param register how one register value is printed, e.g. {@link Registers#hex}
   */
  public static String vmtLine(Step step, Registers r, IntFunction<String> register) {
    String eaxEcx = "eax=" + register.apply(r.eax()) + ", ecx=" + register.apply(r.ecx());
    return step.vmtWords()
        + switch (step) {
          case OPEN -> ", " + eaxEcx + ", edx=" + register.apply(r.edx());
          case SEND_HB, RECV_HB -> ", ebx=" + register.apply(r.ebx());
          case SENDSIZE, SENDPAYLOAD, RECVSIZE, RECVPAYLOAD, RECVSTATUS, CLOSE -> ", " + eaxEcx;
        };
  }

  /** {@link #vmtLine(Step, Registers, IntFunction)} of this failure. */
  public String vmtLine(IntFunction<String> register) {
    return vmtLine(step, registers, register);
  }

  private static String format(Step step, Registers r, String detail) {
    String line = vmtLine(step, r, Registers::hex);
    return detail == null || detail.isEmpty() ? line : line + " (" + detail + ")";
  }
}
