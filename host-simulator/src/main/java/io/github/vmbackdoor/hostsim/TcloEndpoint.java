package io.github.vmbackdoor.hostsim;

import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableList;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The host's TCLO endpoint: one queue of host commands per VM, the channel the host talks to, and
 * the record of exchanges. Guarded by the VirtualHost's lock.
 */
final class TcloEndpoint {

  static final String RESET = "reset";

  private final Ticker ticker;
  private final long startNanos;
  private final int historyLimit;
  private final boolean rejectUnsolicitedReplies;
  private final Deque<TcloCommand> queue = new ArrayDeque<>();
  private final Deque<TcloExchange> exchanges = new ArrayDeque<>();
  private final Deque<String> commandsSent = new ArrayDeque<>();
  private final List<TcloCommand.PowerTracker> powerOperations = new ArrayList<>();

  /** The TCLO channel the host talks to: the newest opened, while it lives. */
  private HostChannel active;

  TcloEndpoint(Ticker ticker, long startNanos, int historyLimit, boolean rejectUnsolicitedReplies) {
    this.ticker = ticker;
    this.startNanos = startNanos;
    this.historyLimit = historyLimit;
    this.rejectUnsolicitedReplies = rejectUnsolicitedReplies;
  }

  /** The power operations requested, shared with the RPCI endpoint's state-change reports. */
  List<TcloCommand.PowerTracker> powerTrackers() {
    return powerOperations;
  }

  // ---- the queue ----

  void enqueue(String command) {
    queue.addLast(new TcloCommand(command, false, null));
  }

  void requestPowerOperation(PowerOperation operation) {
    TcloCommand.PowerTracker t = new TcloCommand.PowerTracker(operation, ticker.read());
    powerOperations.add(t);
    queue.addLast(new TcloCommand(operation.command(), false, t));
  }

  /** Puts {@code command} at the front of the queue, unless it is already there. */
  void queueFirst(String command) {
    TcloCommand head = queue.peekFirst();
    if (head != null && head.text.equals(command)) {
      return;
    }
    queue.addFirst(new TcloCommand(command, false, null));
  }

  // ---- channels ----

  /**
   * A TCLO channel was opened: it becomes the one the host talks to and owes its guest a "reset".
   * Returns the channel it displaced, or null.
   */
  HostChannel opened(HostChannel ch) {
    HostChannel previous = active;
    active = ch;
    ch.needsReset = true;
    return previous;
  }

  /** A channel ended (closed, invalidated, dropped): an outstanding command is lost. */
  void ended(HostChannel ch) {
    if (ch.outstanding != null) {
      record(
          new TcloExchange(
              ch.id,
              Optional.of(ch.outstanding.text),
              Optional.empty(),
              TcloExchange.Outcome.CHANNEL_LOST,
              time(ch.outstandingSinceNanos),
              now()));
      ch.outstanding = null;
    }
    if (active == ch) {
      active = null;
    }
  }

  /** The command the host would send on this channel now, or null. */
  TcloCommand commandToOffer(HostChannel ch) {
    if (ch != active || !ch.heardFrom || ch.outstanding != null) {
      return null;
    }
    if (ch.needsReset) {
      return new TcloCommand(RESET, true, null);
    }
    return queue.peekFirst();
  }

  /** The guest consumed {@code command} (RECVSTATUS 1): it is now outstanding. */
  void delivered(HostChannel ch, TcloCommand command) {
    if (command.channelReset) {
      ch.needsReset = false;
      // The channel's own reset also answers a reset that was queued meanwhile.
      while (!queue.isEmpty()
          && queue.peekFirst().text.equals(RESET)
          && queue.peekFirst().power == null) {
        queue.removeFirst();
      }
    } else {
      queue.removeFirstOccurrence(command);
    }
    ch.outstanding = command;
    ch.outstandingSinceNanos = ticker.read();
    History.add(commandsSent, command.text, historyLimit);
  }

  /**
   * Whether the host refuses a SENDSIZE of {@code length} on the channel because it would be a
   * reply nobody asked for (the policy says reject); records the refusal.
   */
  boolean refusesUnsolicited(HostChannel ch, long length) {
    if (!rejectUnsolicitedReplies || length == 0 || ch.outstanding != null) {
      return false;
    }
    record(
        new TcloExchange(
            ch.id,
            Optional.empty(),
            Optional.empty(),
            TcloExchange.Outcome.UNSOLICITED_REJECTED,
            now(),
            now()));
    return true;
  }

  /** A complete message from the guest: the reply to the outstanding command, or a ping. */
  void message(HostChannel ch, byte[] message) {
    String text = new String(message, StandardCharsets.ISO_8859_1);
    if (ch.outstanding != null) {
      TcloCommand c = ch.outstanding;
      ch.outstanding = null;
      if (c.power != null) {
        c.power.reply = text;
      }
      record(
          new TcloExchange(
              ch.id,
              Optional.of(c.text),
              Optional.of(text),
              TcloExchange.Outcome.ANSWERED,
              time(ch.outstandingSinceNanos),
              now()));
    } else if (message.length > 0) {
      record(
          new TcloExchange(
              ch.id,
              Optional.empty(),
              Optional.of(text),
              TcloExchange.Outcome.UNSOLICITED_ACCEPTED,
              now(),
              now()));
    }
    ch.heardFrom = true;
  }

  private void record(TcloExchange e) {
    History.add(exchanges, e, historyLimit);
  }

  private Duration now() {
    return time(ticker.read());
  }

  private Duration time(long nanos) {
    return Duration.ofNanos(nanos - startNanos);
  }

  // ---- introspection ----

  List<String> pending() {
    List<String> l = new ArrayList<>();
    for (TcloCommand c : queue) {
      l.add(c.text);
    }
    return ImmutableList.copyOf(l);
  }

  Optional<String> outstanding() {
    return active != null && active.outstanding != null
        ? Optional.of(active.outstanding.text)
        : Optional.empty();
  }

  Optional<Integer> activeChannel() {
    return active != null ? Optional.of(active.id) : Optional.empty();
  }

  List<TcloExchange> exchanges() {
    return ImmutableList.copyOf(exchanges);
  }

  List<String> commandsSent() {
    return ImmutableList.copyOf(commandsSent);
  }

  List<String> replies() {
    List<String> l = new ArrayList<>();
    for (TcloExchange e : exchanges) {
      if (e.outcome() == TcloExchange.Outcome.ANSWERED) {
        l.add(e.reply().orElse(""));
      }
    }
    return ImmutableList.copyOf(l);
  }

  List<PowerOperationReport> powerOperations() {
    List<PowerOperationReport> l = new ArrayList<>();
    for (TcloCommand.PowerTracker t : powerOperations) {
      l.add(
          new PowerOperationReport(
              t.operation,
              time(t.requestedNanos),
              Optional.ofNullable(t.reply),
              Optional.ofNullable(t.reportedSuccess)));
    }
    return ImmutableList.copyOf(l);
  }
}
