package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * The fixed TCLO machine: open-vm-tools' loop on {@link MessageChannel}.
 *
 * <ul>
 *   <li>No channel: open (cookie, then without); a failed open waits {@link
 *       TcloOptions#openFailureDelay()}.
 *   <li>Each poll sends the pending reply or, when there is none (always right after an open), the
 *       empty message; then receives. A command is dispatched and its reply becomes the pending
 *       reply, sent at the start of the next tick, which comes at once. No reset reply is ever sent
 *       unless the host sent "reset".
 *   <li>Any failure: {@code resetting rpc}, close, forget the channel whatever the close returned,
 *       reopen after {@link TcloOptions#restartDelay()}. Consecutive restarts are counted; past
 *       {@link TcloOptions#restartCap()} the health is {@link TcloHealth#GIVING_UP} and the delay
 *       {@link TcloOptions#givingUpDelay()}.
 *   <li>RPCI failures (inside the dispatcher) never touch the TCLO channel.
 * </ul>
 */
final class FixedTcloMachine implements TcloStateMachine {

  private static final byte[] EMPTY = new byte[0];

  /** open-vm-tools' RPCIN_MAX_DELAY, in hundredths of a second. */
  private static final int MAX_BACKOFF_CS = 10;

  private final Backdoor backdoor;
  private final TcloDispatcher dispatcher;
  // The machine reports to its listener itself, with MachineLog's words: it prints nothing
  // without a newline, so it has no pending text and no log object of its own.
  private final TcloListener listener;
  private final TcloOptions options;

  private MessageChannel channel;
  private Pending pending;
  private int restarts;
  private int backoffCs;
  private TcloHealth health = TcloHealth.STARTING;

  /** A reply to send at the start of the next tick, and the command it answers. */
  private record Pending(String command, TcloResult result) {}

  FixedTcloMachine(
      Backdoor backdoor, TcloDispatcher dispatcher, TcloOptions options, TcloListener listener) {
    this.backdoor = backdoor;
    this.dispatcher = dispatcher;
    this.listener = listener;
    this.options = options;
  }

  @Override
  public String name() {
    return "fixed";
  }

  @Override
  public TcloHealth health() {
    return health;
  }

  /** Consecutive restarts since the last poll that worked. */
  int restarts() {
    return restarts;
  }

  @Override
  public Duration tick() {
    if (health == TcloHealth.STOPPED) {
      return Duration.ZERO;
    }
    if (channel == null) {
      try {
        channel =
            MessageChannel.open(backdoor, BackdoorProtocol.PROTOCOL_TCLO, options.channelOptions());
      } catch (BackdoorException e) {
        lowLevel(e);
        device(VmtMessage.REOPEN_FAILED.words());
        event(Type.OPEN_FAILED, e.getMessage());
        restarts++;
        setHealth(givingUp() ? TcloHealth.GIVING_UP : TcloHealth.RECOVERING);
        return givingUp()
            ? max(options.givingUpDelay(), options.openFailureDelay())
            : options.openFailureDelay();
      }
      event(Type.CHANNEL_OPENED, "channel " + channel.id());
      pending = null;
      backoffCs = 0;
    }
    return poll();
  }

  private Duration poll() {
    String failure = VmtMessage.PING_FAILED.words();
    try {
      if (pending != null) {
        Pending sending = pending;
        failure = replyFailureLine(sending.command(), sending.result());
        pending = null;
        channel.send(sending.result().bytes());
        event(Type.REPLY_SENT, sending.result().reply());
        runAfterReply(sending.result());
      } else {
        channel.send(EMPTY);
        event(Type.PING_SENT);
      }
      failure = VmtMessage.TCLO_GET_LENGTH_FAILED.words();
      byte[] message = channel.receive();
      event(Type.POLLED);
      restarts = 0;
      setHealth(TcloHealth.UP);
      if (message.length == 0) {
        return idleDelay();
      }
      String command = decode(message);
      event(Type.COMMAND_RECEIVED, command);
      pending = new Pending(command, dispatch(command));
      backoffCs = 0;
      return Duration.ZERO;
    } catch (BackdoorException e) {
      if (e instanceof MessageException m
          && m.step() != MessageException.Step.RECVSIZE
          && failure.startsWith("failed to get length")) {
        failure = VmtMessage.TCLO_GET_DATA_FAILED.words();
      }
      lowLevel(e);
      device(failure);
      event(Type.TCLO_FAILURE, failure);
      return restart();
    }
  }

  /** Runs a reply's follow-up; its failures (RPCI) are reported and never touch the channel. */
  private void runAfterReply(TcloResult sent) {
    try {
      sent.afterReply().run();
    } catch (RuntimeException e) {
      event(Type.RPCI_FAILED, "after \"" + sent.reply() + "\": " + e.getMessage());
    }
  }

  private TcloResult dispatch(String command) {
    try {
      TcloResult result = dispatcher.dispatch(command);
      return result != null ? result : TcloResult.error("No reply");
    } catch (RuntimeException e) {
      return TcloResult.error(String.valueOf(e.getMessage()));
    }
  }

  /** Close, forget the channel whatever the host says, and come back after the restart delay. */
  private Duration restart() {
    device(VmtMessage.RESETTING_RPC.words());
    event(Type.RESETTING, "restart " + (restarts + 1));
    MessageChannel old = channel;
    channel = null;
    pending = null;
    closeQuietly(old);
    restarts++;
    setHealth(givingUp() ? TcloHealth.GIVING_UP : TcloHealth.RECOVERING);
    return givingUp() ? options.givingUpDelay() : options.restartDelay();
  }

  private void closeQuietly(MessageChannel old) {
    try {
      old.close();
      event(Type.CHANNEL_CLOSED, "channel " + old.id());
    } catch (BackdoorException e) {
      lowLevel(e);
      event(Type.CLOSE_FAILED, "channel " + old.id() + " forgotten");
    }
  }

  @Override
  public void shutdown() {
    if (health == TcloHealth.STOPPED) {
      return;
    }
    if (channel != null) {
      MessageChannel old = channel;
      channel = null;
      if (pending != null) {
        // Flush the pending reply as open-vm-tools does before it closes.
        try {
          old.send(pending.result().bytes());
          event(Type.REPLY_SENT, pending.result().reply());
        } catch (BackdoorException e) {
          lowLevel(e);
        }
        pending = null;
      }
      closeQuietly(old);
    }
    setHealth(TcloHealth.STOPPED);
    event(Type.DETACHED, "shutdown");
  }

  private boolean givingUp() {
    return restarts > options.restartCap();
  }

  private Duration idleDelay() {
    if (!options.idleBackoff()) {
      return options.idleDelay();
    }
    backoffCs = backoffCs == 0 ? 1 : Math.min(backoffCs * 2, MAX_BACKOFF_CS);
    return Duration.ofMillis(10L * backoffCs);
  }

  private void setHealth(TcloHealth next) {
    if (next != health) {
      health = next;
      event(Type.HEALTH_CHANGED, next.name());
    }
  }

  private void lowLevel(BackdoorException e) {
    if (e instanceof MessageException m) {
      listener.onLogLine(MachineLog.failedLine(options, m));
    }
  }

  /** A device line: {@code vmt0: <text>}. */
  private void device(String text) {
    listener.onLogLine(MachineLog.deviceLine(options, text));
  }

  private void event(Type type, String detail) {
    listener.onEvent(TcloEvent.of(type, detail));
  }

  private void event(Type type) {
    listener.onEvent(TcloEvent.of(type));
  }

  /** vmt's words for a reply that could not be sent. */
  static String replyFailureLine(String command, TcloResult result) {
    if (command == null) {
      return "failed to send TCLO reply";
    }
    String name = command.split(" ", 2)[0];
    if (name.equals("reset")) {
      return VmtMessage.RESET_REPLY_FAILED.words();
    }
    if (result.reply().startsWith("ERROR Unknown")) {
      return VmtMessage.UNKNOWN_COMMAND_REPLY_FAILED.words();
    }
    if (name.startsWith("OS_")) {
      name = name.substring(3);
    }
    return "error sending " + name.toLowerCase(Locale.ROOT) + " response";
  }

  /** A command as text: UTF-8, without a trailing NUL if the host sent one. */
  static String decode(byte[] message) {
    int length = message.length;
    if (length > 0 && message[length - 1] == 0) {
      length--;
    }
    return new String(message, 0, length, StandardCharsets.UTF_8);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  @Override
  public String toString() {
    return "fixed{channel=" + channel + ", restarts=" + restarts + ", " + health + "}";
  }
}
