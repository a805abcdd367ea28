package io.github.vmbackdoor.core;

import static io.github.vmbackdoor.core.BackdoorProtocol.COMMAND_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.HB_CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.HB_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_CLOSE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSTATUS;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_DORECV;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_HB;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static io.github.vmbackdoor.core.BackdoorProtocol.messageEcx;

import io.github.vmbackdoor.core.MessageException.Step;
import java.util.Objects;

/**
 * A guest-side message channel: the GuestMsg layer on top of backdoor command 30.
 *
 * <p>Behaves as open-vm-tools' message layer does:
 *
 * <ul>
 *   <li>{@link #open} asks for a channel with the cookie flag and, if the host refuses, once more
 *       without it (hosts that predate cookies);
 *   <li>{@link #send} announces the length with SENDSIZE, then moves the payload in one
 *       high-bandwidth {@code outs} when the host's answer carries the HB bit, otherwise in
 *       SENDPAYLOAD calls of four little-endian bytes (the last one zero-padded);
 *   <li>{@link #receive} asks with RECVSIZE, fetches the payload in one high-bandwidth {@code ins}
 *       or in RECVPAYLOAD calls, and acknowledges with RECVSTATUS; when a step fails it tells the
 *       host with a status of 0, as open-vm-tools does;
 *   <li>when a payload or status step answers with the checkpoint bit instead of SUCCESS, the whole
 *       send or receive restarts from its first step, at most {@link
 *       Options#maxCheckpointRestarts()} times;
 *   <li>{@link #close} forgets the channel locally whatever the host answers, so a channel the host
 *       already discarded can never be pinged again.
 * </ul>
 *
 * <p>Failures are {@link MessageException}s naming the step and the host's registers. A channel is
 * meant for one thread at a time.
 */
public final class MessageChannel implements AutoCloseable {

  /** Settings of a channel. An immutable value; start from {@link #defaults()}. */
  public static final class Options {
    private static final Options DEFAULTS = new Options(16, 16 * 1024 * 1024, true);

    private final int maxCheckpointRestarts;
    private final int maxReceiveSize;
    private final boolean stackTraces;

    private Options(int maxCheckpointRestarts, int maxReceiveSize, boolean stackTraces) {
      this.maxCheckpointRestarts = maxCheckpointRestarts;
      this.maxReceiveSize = maxReceiveSize;
      this.stackTraces = stackTraces;
    }

    /**
     * 16 checkpoint restarts per operation, messages from the host of up to 16 MiB, failures with
     * their stack traces.
     */
    public static Options defaults() {
      return DEFAULTS;
    }

    /** Whether the channel's {@link MessageException}s carry a stack trace. */
    public boolean stackTraces() {
      return stackTraces;
    }

    /**
     * Whether the channel's {@link MessageException}s carry a stack trace (the default). Without, a
     * failure costs its step, registers and words only, not a walk of the stack and the arrays that
     * hold it (several hundred bytes at the depth of a simulation's event loop): for a caller to
     * whom a failure is control flow, such as a TCLO loop that logs it in vmt's words and reopens
     * its channel ({@link #withStackTraces(boolean) withStackTraces(false)} is the fixed machine's
     * default), never for failures that reach a user's log.
     */
    public Options withStackTraces(boolean value) {
      return new Options(maxCheckpointRestarts, maxReceiveSize, value);
    }

    /**
     * How often one send or receive restarts after a checkpoint before giving up. open-vm-tools
     * restarts without limit; a bound keeps a host that answers nothing but checkpoints from
     * hanging the guest.
     */
    public int maxCheckpointRestarts() {
      return maxCheckpointRestarts;
    }

    /** The largest message accepted from the host; a larger announced length fails the receive. */
    public int maxReceiveSize() {
      return maxReceiveSize;
    }

    public Options withMaxCheckpointRestarts(int restarts) {
      if (restarts < 0) {
        throw new IllegalArgumentException("restarts must be >= 0: " + restarts);
      }
      return new Options(restarts, maxReceiveSize, stackTraces);
    }

    public Options withMaxReceiveSize(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("size must be >= 0: " + bytes);
      }
      return new Options(maxCheckpointRestarts, bytes, stackTraces);
    }

    @Override
    public String toString() {
      return "Options{maxCheckpointRestarts="
          + maxCheckpointRestarts
          + ", maxReceiveSize="
          + maxReceiveSize
          + (stackTraces ? "" : ", stackTraces=false")
          + "}";
    }
  }

  private static final byte[] EMPTY = new byte[0];

  private final Backdoor backdoor;
  private final Options options;
  private final int protocol;
  private final int id;
  private final int cookieHigh;
  private final int cookieLow;

  private boolean open = true;

  private MessageChannel(
      Backdoor backdoor, Options options, int protocol, int id, int cookieHigh, int cookieLow) {
    this.backdoor = backdoor;
    this.options = options;
    this.protocol = protocol;
    this.id = id;
    this.cookieHigh = cookieHigh;
    this.cookieLow = cookieLow;
  }

  /** Opens a channel for {@code protocol} with {@link Options#defaults()}. */
  public static MessageChannel open(Backdoor backdoor, int protocol) {
    return open(backdoor, protocol, Options.defaults());
  }

  /**
   * Opens a channel for {@code protocol} ({@link BackdoorProtocol#PROTOCOL_RPCI} or {@link
   * BackdoorProtocol#PROTOCOL_TCLO}): first with the cookie flag, then, if the host refuses,
   * without it.
   *
   * @throws MessageException with step {@link Step#OPEN} when both attempts are refused
   */
  public static MessageChannel open(Backdoor backdoor, int protocol, Options options) {
    Objects.requireNonNull(backdoor, "backdoor");
    Objects.requireNonNull(options, "options");
    if ((protocol & FLAG_COOKIE) != 0) {
      throw new IllegalArgumentException(
          "protocol must not carry the cookie flag: " + Registers.hex(protocol));
    }
    SpareRegisters spares = SpareRegisters.ofThread();
    MutableRegisters out = spares.borrow();
    try {
      backdoor.in(openCall(out, protocol | FLAG_COOKIE));
      if ((out.ecxHigh() & STATUS_SUCCESS) == 0) {
        backdoor.in(openCall(out, protocol));
        if ((out.ecxHigh() & STATUS_SUCCESS) == 0) {
          throw failure(options, Step.OPEN, out.toRegisters(), null, false);
        }
      }
      return new MessageChannel(backdoor, options, protocol, out.edxHigh(), out.esi(), out.edi());
    } finally {
      spares.giveBack(out);
    }
  }

  private static MutableRegisters openCall(MutableRegisters into, int ebx) {
    return into.set(MAGIC, ebx, messageEcx(MESSAGE_OPEN), COMMAND_PORT, 0, 0, 0);
  }

  /** The channel id the host assigned (edx high word). */
  public int id() {
    return id;
  }

  /** The high cookie half (esi at OPEN); 0 on a channel opened without cookies. */
  public int cookieHigh() {
    return cookieHigh;
  }

  /** The low cookie half (edi at OPEN); 0 on a channel opened without cookies. */
  public int cookieLow() {
    return cookieLow;
  }

  /** The protocol number the channel was opened for. */
  public int protocol() {
    return protocol;
  }

  /** Whether {@link #close()} has not been called yet. */
  public boolean isOpen() {
    return open;
  }

  /**
   * Sends one message. A zero-length message is legal: it is the empty message a TCLO guest sends
   * to say it is there (vmt calls it the ping).
   *
   * @throws MessageException naming the step the host refused
   */
  public void send(byte[] message) {
    Objects.requireNonNull(message, "message");
    checkOpen();
    SpareRegisters spares = SpareRegisters.ofThread();
    MutableRegisters regs = spares.borrow();
    try {
      send(message, regs);
    } finally {
      spares.giveBack(regs);
    }
  }

  /** {@link #send(byte[])} with the registers of its calls in {@code regs}. */
  private void send(byte[] message, MutableRegisters regs) {
    int length = message.length;
    for (int restarts = 0; ; restarts++) {
      MutableRegisters size = call(regs, MESSAGE_SENDSIZE, length);
      int sizeStatus = size.ecxHigh();
      if ((sizeStatus & STATUS_SUCCESS) == 0) {
        throw failure(options, Step.SENDSIZE, size.toRegisters(), null, false);
      }
      if (length == 0) {
        return;
      }
      Registers failed;
      Step failedStep;
      if ((sizeStatus & STATUS_HB) != 0) {
        MutableRegisters hb =
            regs.set(
                MAGIC,
                Registers.words(STATUS_SUCCESS, HB_CMD_MESSAGE),
                length,
                Registers.words(id, HB_PORT),
                0,
                cookieLow,
                cookieHigh);
        backdoor.outs(hb, message);
        if ((hb.ebxHigh() & STATUS_SUCCESS) != 0) {
          return;
        }
        failed = hb.toRegisters();
        failedStep = Step.SEND_HB;
      } else {
        failed = sendPieces(message, regs);
        if (failed == null) {
          return;
        }
        failedStep = Step.SENDPAYLOAD;
      }
      int status = failedStep.highBandwidth() ? failed.ebxHigh() : failed.ecxHigh();
      if ((status & STATUS_CPT) == 0) {
        throw failure(options, failedStep, failed, null, false);
      }
      if (restarts >= options.maxCheckpointRestarts()) {
        throw failure(
            options, failedStep, failed, "checkpoint restarts exhausted after " + restarts, true);
      }
    }
  }

  /** Sends the payload four bytes at a time; returns the failing answer, or null when all went. */
  private Registers sendPieces(byte[] message, MutableRegisters regs) {
    for (int offset = 0; offset < message.length; offset += 4) {
      MutableRegisters out = call(regs, MESSAGE_SENDPAYLOAD, littleEndianPiece(message, offset));
      if ((out.ecxHigh() & STATUS_SUCCESS) == 0) {
        return out.toRegisters();
      }
    }
    return null;
  }

  /** Up to four bytes from {@code offset}, little-endian, missing bytes zero. */
  static int littleEndianPiece(byte[] bytes, int offset) {
    int word = 0;
    int n = Math.min(4, bytes.length - offset);
    for (int i = 0; i < n; i++) {
      word |= (bytes[offset + i] & 0xFF) << (8 * i);
    }
    return word;
  }

  /**
   * Receives the message the host has for this channel, or an empty array when it has none.
   *
   * @throws MessageException naming the step that failed; when the failure came after the host had
   *     announced a message, the host has been told (status 0) before this is thrown
   */
  public byte[] receive() {
    checkOpen();
    SpareRegisters spares = SpareRegisters.ofThread();
    MutableRegisters regs = spares.borrow();
    try {
      return receive(regs);
    } finally {
      spares.giveBack(regs);
    }
  }

  /** {@link #receive()} with the registers of its calls in {@code regs}. */
  private byte[] receive(MutableRegisters regs) {
    for (int restarts = 0; ; restarts++) {
      MutableRegisters sizeRegs = call(regs, MESSAGE_RECVSIZE, 0);
      int sizeStatus = sizeRegs.ecxHigh();
      if ((sizeStatus & STATUS_SUCCESS) == 0) {
        throw failure(options, Step.RECVSIZE, sizeRegs.toRegisters(), null, false);
      }
      if ((sizeStatus & STATUS_DORECV) == 0) {
        return EMPTY;
      }
      // A message is coming: the answer is kept as a value, as a failure below may report it.
      Registers size = sizeRegs.toRegisters();
      if (size.edxHigh() != MESSAGE_SENDSIZE) {
        // open-vm-tools returns failure here without telling the host.
        throw failure(
            options,
            Step.RECVSIZE,
            size,
            "protocol error: data id " + size.edxHigh() + ", expected " + MESSAGE_SENDSIZE,
            false);
      }
      long announced = size.ebx() & 0xFFFFFFFFL;
      if (announced > options.maxReceiveSize()) {
        throw failReceive(
            regs,
            Step.RECVSIZE,
            size,
            announced,
            "message of " + announced + " bytes is larger than " + options.maxReceiveSize(),
            false);
      }
      int length = (int) announced;
      byte[] message = new byte[length];
      // Bytes still outstanding, as open-vm-tools counts them: the high-bandwidth path never
      // counts down, the 4-byte path does.
      int outstanding = length;
      Registers failed = null;
      Step failedStep = null;
      if ((sizeStatus & STATUS_HB) != 0) {
        if (length > 0) {
          MutableRegisters hb =
              regs.set(
                  MAGIC,
                  Registers.words(STATUS_SUCCESS, HB_CMD_MESSAGE),
                  length,
                  Registers.words(id, HB_PORT),
                  cookieHigh,
                  0,
                  cookieLow);
          backdoor.ins(hb, message);
          if ((hb.ebxHigh() & STATUS_SUCCESS) == 0) {
            failed = hb.toRegisters();
            failedStep = Step.RECV_HB;
          }
        }
      } else {
        for (int offset = 0; offset < length; offset += 4) {
          MutableRegisters piece = call(regs, MESSAGE_RECVPAYLOAD, STATUS_SUCCESS);
          if ((piece.ecxHigh() & STATUS_SUCCESS) == 0) {
            failed = piece.toRegisters();
            failedStep = Step.RECVPAYLOAD;
            break;
          }
          if (piece.edxHigh() != MESSAGE_SENDPAYLOAD) {
            throw failReceive(
                regs,
                Step.RECVPAYLOAD,
                piece.toRegisters(),
                outstanding,
                "protocol error: data id " + piece.edxHigh() + ", expected " + MESSAGE_SENDPAYLOAD,
                false);
          }
          int word = piece.ebx();
          int n = Math.min(4, length - offset);
          for (int i = 0; i < n; i++) {
            message[offset + i] = (byte) (word >>> (8 * i));
          }
          outstanding -= n;
        }
      }
      if (failed == null) {
        MutableRegisters status = call(regs, MESSAGE_RECVSTATUS, STATUS_SUCCESS);
        if ((status.ecxHigh() & STATUS_SUCCESS) != 0) {
          return message;
        }
        failed = status.toRegisters();
        failedStep = Step.RECVSTATUS;
      }
      int status = failedStep.highBandwidth() ? failed.ebxHigh() : failed.ecxHigh();
      if ((status & STATUS_CPT) == 0) {
        throw failReceive(regs, failedStep, failed, outstanding, null, false);
      }
      if (restarts >= options.maxCheckpointRestarts()) {
        throw failReceive(
            regs,
            failedStep,
            failed,
            outstanding,
            "checkpoint restarts exhausted after " + restarts,
            true);
      }
    }
  }

  /**
   * Tells the host the receive failed (RECVPAYLOAD while bytes are outstanding, RECVSTATUS
   * otherwise, with status 0) and returns the exception to throw.
   */
  private MessageException failReceive(
      MutableRegisters regs,
      Step step,
      Registers answer,
      long outstanding,
      String detail,
      boolean restartsExhausted) {
    call(regs, outstanding != 0 ? MESSAGE_RECVPAYLOAD : MESSAGE_RECVSTATUS, 0);
    return failure(options, step, answer, detail, restartsExhausted);
  }

  /** A failure of {@code step}, with a stack trace where the options want one. */
  private static MessageException failure(
      Options options, Step step, Registers answer, String detail, boolean restartsExhausted) {
    return options.stackTraces()
        ? new MessageException(step, answer, detail, restartsExhausted)
        : MessageException.withoutStackTrace(step, answer, detail, restartsExhausted);
  }

  /**
   * Closes the channel. The channel is forgotten locally first, whatever the host answers; a second
   * call does nothing.
   *
   * @throws MessageException with step {@link Step#CLOSE} when the host refused the close (the
   *     channel is forgotten all the same)
   */
  @Override
  public void close() {
    if (!open) {
      return;
    }
    open = false;
    SpareRegisters spares = SpareRegisters.ofThread();
    MutableRegisters out = spares.borrow();
    try {
      call(out, MESSAGE_CLOSE, 0);
      if ((out.ecxHigh() & STATUS_SUCCESS) == 0) {
        throw failure(options, Step.CLOSE, out.toRegisters(), null, false);
      }
    } finally {
      spares.giveBack(out);
    }
  }

  /**
   * One command-port message call on this channel, in the operation's holder {@code regs} (the
   * thread's spare, borrowed for the operation): the answer is valid until the next call.
   */
  private MutableRegisters call(MutableRegisters regs, int subCommand, int ebx) {
    regs.set(
        MAGIC,
        ebx,
        messageEcx(subCommand),
        Registers.words(id, COMMAND_PORT),
        cookieHigh,
        cookieLow,
        0);
    backdoor.in(regs);
    return regs;
  }

  private void checkOpen() {
    if (!open) {
      throw new IllegalStateException("channel " + id + " is closed");
    }
  }

  @Override
  public String toString() {
    return "MessageChannel{"
        + BackdoorProtocol.protocolName(protocol)
        + ", id="
        + id
        + ", cookies="
        + Registers.hex(cookieHigh)
        + ":"
        + Registers.hex(cookieLow)
        + (open ? "" : ", closed")
        + "}";
  }
}
