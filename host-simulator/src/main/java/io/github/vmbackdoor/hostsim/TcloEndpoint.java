package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;

import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The host's TCLO endpoint: one queue of host commands per VM, the channel the host talks to (the
 * newest TCLO channel opened), and the record of exchanges. Each TCLO channel's own state (heard
 * from, owed a reset, the command outstanding) lives in its {@link TcloSession}. Guarded by the
 * VirtualHost's lock.
 */
final class TcloEndpoint implements Endpoint {

  static final String RESET = "reset";

  private final Ticker ticker;
  private final long startNanos;
  private final int historyLimit;
  private final boolean rejectUnsolicitedReplies;
  private final ChannelTable table;
  private final Invalidation takeover;
  private final PowerOperations powerOperations;
  private final Deque<TcloCommand> queue = new ArrayDeque<>(0);
  private final Deque<TcloExchange> exchanges;
  private final Deque<String> commandsSent;

  /** The session of the TCLO channel the host talks to, while it lives. */
  private TcloSession active;

  /**
   * @param table the channel table, where a displaced TCLO channel is invalidated
   * @param takeover what happens to the older TCLO channel when a newer one opens
   */
  TcloEndpoint(
      Ticker ticker,
      long startNanos,
      int historyLimit,
      boolean rejectUnsolicitedReplies,
      ChannelTable table,
      Invalidation takeover,
      PowerOperations powerOperations) {
    this.ticker = ticker;
    this.startNanos = startNanos;
    this.historyLimit = historyLimit;
    this.exchanges = History.deque(historyLimit);
    this.commandsSent = History.deque(historyLimit);
    this.rejectUnsolicitedReplies = rejectUnsolicitedReplies;
    this.table = table;
    this.takeover = takeover;
    this.powerOperations = powerOperations;
  }

  @Override
  public int protocol() {
    return PROTOCOL_TCLO;
  }

  /**
   * A TCLO channel was opened: it becomes the one the host talks to and owes its guest a "reset";
   * the channel it displaced, if still open, is invalidated as the takeover policy says.
   */
  @Override
  public Session open(HostChannel channel) {
    TcloSession previous = active;
    TcloSession session = new TcloSession(channel);
    active = session;
    if (previous != null && table.holds(previous.channel) && previous.channel.isOpen()) {
      table.invalidate(previous.channel, takeover, ChannelInfo.State.HOST_CLOSED);
    }
    return session;
  }

  // ---- the queue ----

  void enqueue(String command) {
    queue.addLast(new TcloCommand(command, false, null));
  }

  void requestPowerOperation(GuestOsState operation) {
    PowerOperations.Tracker t = powerOperations.request(operation, ticker.read());
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

  /** One TCLO channel's state. */
  private final class TcloSession implements Session {
    private final HostChannel channel;

    /** Whether the guest has sent its first message ("I am here"). */
    private boolean heardFrom;

    /** Whether the channel still owes the guest its first "reset". */
    private boolean needsReset = true;

    /** The command delivered and not yet answered, and since when. */
    private TcloCommand outstanding;

    private long outstandingSinceNanos;

    /** The command last offered at RECVSIZE. */
    private TcloCommand offered;

    TcloSession(HostChannel channel) {
      this.channel = channel;
    }

    @Override
    public Offer offer() {
      offered = commandToOffer();
      return offered == null ? null : new Offer(offered.bytes, offered.text);
    }

    private TcloCommand commandToOffer() {
      if (this != active || !heardFrom || outstanding != null) {
        return null;
      }
      if (needsReset) {
        return new TcloCommand(RESET, true, null);
      }
      return queue.peekFirst();
    }

    /** The guest consumed the command offered (RECVSTATUS 1): it is now outstanding. */
    @Override
    public void received() {
      TcloCommand command = offered;
      if (command == null) {
        return;
      }
      if (command.channelReset) {
        needsReset = false;
        // The channel's own reset also answers a reset that was queued meanwhile.
        while (!queue.isEmpty()
            && queue.peekFirst().text.equals(RESET)
            && queue.peekFirst().power == null) {
          queue.removeFirst();
        }
      } else {
        queue.removeFirstOccurrence(command);
      }
      outstanding = command;
      outstandingSinceNanos = ticker.read();
      History.add(commandsSent, command.text, historyLimit);
    }

    /**
     * Refuses a SENDSIZE of a reply nobody asked for when the policy says reject; records the
     * refusal.
     */
    @Override
    public String refuseSend(long length) {
      if (!rejectUnsolicitedReplies || length == 0 || outstanding != null) {
        return null;
      }
      record(
          new TcloExchange(
              channel.id,
              Optional.empty(),
              Optional.empty(),
              TcloExchange.Outcome.UNSOLICITED_REJECTED,
              now(),
              now()));
      return "unsolicited reply rejected";
    }

    /** A complete message from the guest: the reply to the outstanding command, or a ping. */
    @Override
    public void message(byte[] message) {
      String text = new String(message, StandardCharsets.ISO_8859_1);
      if (outstanding != null) {
        TcloCommand c = outstanding;
        outstanding = null;
        if (c.power != null) {
          c.power.reply = text;
        }
        record(
            new TcloExchange(
                channel.id,
                Optional.of(c.text),
                Optional.of(text),
                TcloExchange.Outcome.ANSWERED,
                time(outstandingSinceNanos),
                now()));
      } else if (message.length > 0) {
        record(
            new TcloExchange(
                channel.id,
                Optional.empty(),
                Optional.of(text),
                TcloExchange.Outcome.UNSOLICITED_ACCEPTED,
                now(),
                now()));
      }
      heardFrom = true;
    }

    /** The channel ended (closed, invalidated, dropped): an outstanding command is lost. */
    @Override
    public void ended() {
      if (outstanding != null) {
        record(
            new TcloExchange(
                channel.id,
                Optional.of(outstanding.text),
                Optional.empty(),
                TcloExchange.Outcome.CHANNEL_LOST,
                time(outstandingSinceNanos),
                now()));
        outstanding = null;
      }
      if (active == this) {
        active = null;
      }
    }
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
    return active != null ? Optional.of(active.channel.id) : Optional.empty();
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
    return powerOperations.reports(this::time);
  }
}
