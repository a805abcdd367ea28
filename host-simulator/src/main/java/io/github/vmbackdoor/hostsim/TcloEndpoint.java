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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The host's TCLO endpoint: one queue of host commands per application, the channel the host talks
 * to for each application, and the record of exchanges. A TCLO channel learns its application from
 * its reply to the first "reset" ({@code OK ATR <app>}, as open-vm-tools'
 * lib/rpcChannel/rpcChannel.c sends it; {@link #DEFAULT_APP} when the reply names none); it then
 * becomes the channel of that application, and an older channel of the same application is
 * invalidated as the takeover policy says. Each TCLO channel's own state (heard from, owed a reset,
 * its application, the command outstanding) lives in its {@link TcloSession}. Guarded by the
 * VirtualHost's lock.
 */
final class TcloEndpoint implements Endpoint {

  static final String RESET = "reset";

  static final String DEFAULT_APP = VirtualHost.DEFAULT_TCLO_APP;

  /** The word before the application name in a reset reply: {@code OK ATR toolbox}. */
  private static final String ATR = "ATR ";

  private final Ticker ticker;
  private final long startNanos;
  private final int historyLimit;
  private final boolean rejectUnsolicitedReplies;
  private final ChannelTable table;
  private final Invalidation takeover;
  private final PowerOperations powerOperations;
  private final Map<String, Deque<TcloCommand>> queues = new LinkedHashMap<>();
  private final Deque<TcloExchange> exchanges = new ArrayDeque<>();
  private final Deque<String> commandsSent = new ArrayDeque<>();

  /** For each application, the session of the TCLO channel the host talks to, while it lives. */
  private final Map<String, TcloSession> active = new HashMap<>();

  /**
   * @param table the channel table, where a displaced TCLO channel is invalidated
   * @param takeover what happens to the older TCLO channel of an application when a newer one
   *     claims it
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
    this.rejectUnsolicitedReplies = rejectUnsolicitedReplies;
    this.table = table;
    this.takeover = takeover;
    this.powerOperations = powerOperations;
    queues.put(DEFAULT_APP, new ArrayDeque<>());
  }

  private Deque<TcloCommand> queue(String app) {
    return queues.computeIfAbsent(app, a -> new ArrayDeque<>());
  }

  @Override
  public int protocol() {
    return PROTOCOL_TCLO;
  }

  /**
   * A TCLO channel was opened: it owes its guest a "reset", and belongs to no application until its
   * reply to that reset names one.
   */
  @Override
  public Session open(HostChannel channel) {
    return new TcloSession(channel);
  }

  /**
   * Makes {@code channel}'s session the one the host talks to for {@code app}; the channel it
   * displaced, if still open, is invalidated as the takeover policy says.
   */
  void claim(HostChannel channel, String app) {
    TcloSession session = (TcloSession) channel.session;
    session.app = app;
    TcloSession previous = active.put(app, session);
    if (previous != null
        && previous != session
        && table.holds(previous.channel)
        && previous.channel.isOpen()) {
      table.invalidate(previous.channel, takeover, ChannelInfo.State.HOST_CLOSED);
    }
  }

  /** The application a reset reply names: the word after {@code ATR}, else the default. */
  static String appOf(String resetReply) {
    int at = resetReply.indexOf(ATR);
    String app = at < 0 ? "" : resetReply.substring(at + ATR.length()).trim();
    int end = app.indexOf(' ');
    app = end < 0 ? app : app.substring(0, end);
    return app.isEmpty() ? DEFAULT_APP : app;
  }

  // ---- the queues ----

  void enqueue(String app, String command) {
    queue(app).addLast(new TcloCommand(command, false, null));
  }

  void requestPowerOperation(GuestOsState operation) {
    PowerOperations.Tracker t = powerOperations.request(operation, ticker.read());
    queue(DEFAULT_APP).addLast(new TcloCommand(operation.command(), false, t));
  }

  /** Puts {@code command} at the front of every application's queue, unless it is already there. */
  void queueFirst(String command) {
    for (Deque<TcloCommand> queue : queues.values()) {
      TcloCommand head = queue.peekFirst();
      if (head == null || !head.text.equals(command)) {
        queue.addFirst(new TcloCommand(command, false, null));
      }
    }
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

    /** The application the channel serves, once its reset reply named it. */
    private String app;

    TcloSession(HostChannel channel) {
      this.channel = channel;
    }

    @Override
    public Offer offer() {
      offered = commandToOffer();
      return offered == null ? null : new Offer(offered.bytes, offered.text);
    }

    private TcloCommand commandToOffer() {
      if (!heardFrom || outstanding != null) {
        return null;
      }
      if (needsReset) {
        return new TcloCommand(RESET, true, null);
      }
      return app != null && active.get(app) == this ? queue(app).peekFirst() : null;
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
      } else {
        queue(app).removeFirstOccurrence(command);
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
        if (c.channelReset) {
          String named = appOf(text);
          claim(channel, named);
          // The channel's own reset also answers a reset that was queued meanwhile.
          Deque<TcloCommand> queue = queue(named);
          while (!queue.isEmpty()
              && queue.peekFirst().text.equals(RESET)
              && queue.peekFirst().power == null) {
            queue.removeFirst();
          }
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
      if (app != null && active.get(app) == this) {
        active.remove(app);
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

  List<String> pending(String app) {
    List<String> l = new ArrayList<>();
    for (TcloCommand c : queue(app)) {
      l.add(c.text);
    }
    return ImmutableList.copyOf(l);
  }

  Optional<String> outstanding(String app) {
    TcloSession session = active.get(app);
    return session != null && session.outstanding != null
        ? Optional.of(session.outstanding.text)
        : Optional.empty();
  }

  Optional<Integer> activeChannel(String app) {
    TcloSession session = active.get(app);
    return session != null ? Optional.of(session.channel.id) : Optional.empty();
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
