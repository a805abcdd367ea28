package io.github.vmbackdoor.core;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The message (GuestMsg) layer's sub-commands, carried in ecx's high word of a {@link
 * BackdoorProtocol#CMD_MESSAGE} call: the one place that ties each number to its protocol name and
 * to the {@link MessageException.Step} a failure of it reports.
 */
public enum MessageSubcommand {
  /** Open a channel. */
  OPEN(BackdoorProtocol.MESSAGE_OPEN, MessageException.Step.OPEN),
  /** Announce the length of the message the guest is about to send. */
  SENDSIZE(BackdoorProtocol.MESSAGE_SENDSIZE, MessageException.Step.SENDSIZE),
  /** Send the next four bytes. */
  SENDPAYLOAD(BackdoorProtocol.MESSAGE_SENDPAYLOAD, MessageException.Step.SENDPAYLOAD),
  /** Ask whether the host has a message, and its length. */
  RECVSIZE(BackdoorProtocol.MESSAGE_RECVSIZE, MessageException.Step.RECVSIZE),
  /** Receive the next four bytes. */
  RECVPAYLOAD(BackdoorProtocol.MESSAGE_RECVPAYLOAD, MessageException.Step.RECVPAYLOAD),
  /** Acknowledge (or refuse) a received message. */
  RECVSTATUS(BackdoorProtocol.MESSAGE_RECVSTATUS, MessageException.Step.RECVSTATUS),
  /** Close the channel. */
  CLOSE(BackdoorProtocol.MESSAGE_CLOSE, MessageException.Step.CLOSE);

  private static final MessageSubcommand[] BY_NUMBER = values();

  /** {@link #of} answers from these, so a lookup allocates nothing. */
  private static final List<Optional<MessageSubcommand>> OPTIONALS =
      Arrays.stream(BY_NUMBER).map(Optional::of).toList();

  private final int number;
  private final MessageException.Step step;

  MessageSubcommand(int number, MessageException.Step step) {
    this.number = number;
    this.step = step;
  }

  /** The number in ecx's high word. */
  public int number() {
    return number;
  }

  /** The step a failure of this sub-command reports. */
  public MessageException.Step step() {
    return step;
  }

  /** The sub-command numbered {@code number}, if the protocol defines one. */
  public static Optional<MessageSubcommand> of(int number) {
    return number >= 0 && number < BY_NUMBER.length && BY_NUMBER[number].number == number
        ? OPTIONALS.get(number)
        : Optional.empty();
  }

  /** The protocol's name for {@code number}, e.g. {@code SENDSIZE}, or {@code TYPE_<n>}. */
  public static String nameOf(int number) {
    return of(number).map(Enum::name).orElse("TYPE_" + number);
  }
}
