package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.record.PowerOperationReport;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.settings.TcloTakeover;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The host's TCLO endpoint: the applications it knows ({@link TcloApp}: each with its queue of host
 * commands and the channel the host talks to for it), the limits on what they queue together, and
 * the record of exchanges. A TCLO channel learns its application from its reply to the first
 * "reset" ({@code OK ATR <app>}, as open-vm-tools' lib/rpcChannel/rpcChannel.c sends it; {@link
 * #DEFAULT_APP} when the reply names none); it then becomes the channel of that application ({@link
 * TcloApps}, the bounded table of applications), unless another live channel has it: then the
 * takeover policy ({@link TcloTakeover}) says which of the two loses. Each TCLO channel's own state
 * (heard from, owed a reset, its application, the command outstanding) lives in the channel, a
 * {@link TcloSession}. Guarded by the host's lock.
 */
final class TcloEndpoint implements Endpoint, PowerOperations.Reports {

  static final String RESET = TcloCommand.RESET;

  /** vmtoolsd's service loop, where host commands go unless they name another application. */
  static final String DEFAULT_APP = "toolbox";

  /** The word before the application name in a reset reply: {@code OK ATR toolbox}. */
  private static final String ATR = "ATR ";

  /** The "reset" a new channel owes its guest: one for all channels, as it holds no state. */
  private static final TcloCommand CHANNEL_RESET = new TcloCommand(RESET, true, null);

  /**
   * The host's message server and channel table (one object): the host's uptime and policy, and the
   * VM's identity (whether time synchronisation is on, the conversation's {@code Set_Option
   * synctime}).
   */
  private final ChannelTable table;

  /** When the tools last answered on {@code toolbox}; -1 never. */
  private long toolsAnsweredNanos = -1;

  /** {@link #DEFAULT_APP}, which the host knows from the start. */
  private final TcloApp toolbox = new TcloApp(DEFAULT_APP);

  /** What few hosts use; made with the first of it. */
  private Rare rare;

  /**
   * What few hosts' TCLO endpoints hold, in an object of its own made with the first of it, so that
   * an idle host holds one reference for them all.
   */
  private static final class Rare {
    /**
     * The VMX's side of the conversation on {@code toolbox} when the policy drives it; made with
     * the first reset reply there (or a checkpoint).
     */
    ToolsConversation conversation;

    /** The power operations requested; made with the first. */
    PowerOperations powerOperations;

    /** The other applications the host knows, bounded; made with the first. */
    TcloApps others;

    /** The histories, when the policy keeps any. */
    final TcloHistory history;

    Rare(HostPolicy policy) {
      history = new TcloHistory(policy);
    }
  }

  /**
   * The bytes of the commands queued for all applications together: with their number (counted from
   * the queues when a command is to be queued), the queue limits' measure.
   */
  private long queueBytes;

  /**
   * @param table the host's message server and channel table, where the TCLO channel that loses a
   *     takeover is invalidated; it holds the host's uptime and policy (the limits on the queues
   *     and histories, and which TCLO channel of an application loses when a newer one claims it)
   */
  TcloEndpoint(ChannelTable table) {
    this.table = table;
  }

  /** What few hosts use, made now if not before. */
  private Rare rare() {
    if (rare == null) {
      rare = new Rare(policy());
    }
    return rare;
  }

  /** Whether the histories keep anything (else nothing is recorded, and no object made for it). */
  private boolean keepsHistory() {
    return policy().historyLimit() > 0;
  }

  /** The application named {@code name}, or null when the host does not know it. */
  private TcloApp find(String name) {
    if (toolbox.name.equals(name)) {
      return toolbox;
    }
    TcloApps others = others();
    return others == null ? null : others.find(name);
  }

  /** The application named {@code name}, met now if not before. */
  private TcloApp app(String name) {
    TcloApp a = find(name);
    if (a != null) {
      return a;
    }
    Rare r = rare();
    if (r.others == null) {
      r.others = new TcloApps();
    }
    return r.others.meet(name);
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
  public HostChannel open(int id, int cookieHigh, int cookieLow, long nanos) {
    return new TcloSession(id, cookieHigh, cookieLow, nanos);
  }

  /**
   * {@code channel} claims application {@code name}. When no other live channel has the
   * application, the channel becomes the one the host talks to for it. Otherwise the takeover
   * policy settles it: the older channel is invalidated and the newer takes over, or the newer
   * channel is closed host-side and the older keeps the application.
   *
   * @return whether {@code channel} now serves the application
   */
  boolean claim(HostChannel channel, String name) {
    TcloSession session = (TcloSession) channel;
    TcloApp app = app(name);
    TcloSession holder = (TcloSession) app.active;
    if (holder != null && holder != session && table.holds(holder)) {
      // A holder idle for longer than the timeout is closed now, and so no longer holds it.
      table.checkIdle(holder);
    }
    if (holder == null || holder == session || !table.holds(holder) || !holder.isOpen()) {
      serve(session, app);
      return true;
    }
    Contest contest = new Contest(holder, session, app);
    policy().tcloTakeover().settle(contest);
    return contest.newerServes;
  }

  private static void serve(TcloSession session, TcloApp app) {
    session.app = app;
    app.active = session;
  }

  /** An application's live channel and a newer one claiming it, for the takeover to settle. */
  private final class Contest implements TcloTakeover.Contest {
    private final TcloSession older;
    private final TcloSession newer;
    private final TcloApp app;
    private boolean newerServes;

    Contest(TcloSession older, TcloSession newer, TcloApp app) {
      this.older = older;
      this.newer = newer;
      this.app = app;
    }

    @Override
    public void displaceOlder(Invalidation kind) {
      serve(newer, app);
      newerServes = true;
      table.invalidate(older, kind, ChannelInfo.State.HOST_CLOSED);
    }

    @Override
    public void refuseNewer() {
      newerServes = false;
      table.invalidate(newer, Invalidation.HOST_CLOSED, ChannelInfo.State.HOST_CLOSED);
    }
  }

  /** The reset reply that names the default application, as the guest sends it. */
  private static final byte[] DEFAULT_RESET_REPLY =
      ("OK " + ATR + DEFAULT_APP).getBytes(StandardCharsets.ISO_8859_1);

  /** {@link #appOf(String)} of a reply's bytes: the usual reply's without decoding it. */
  static String appOf(byte[] resetReply) {
    return Arrays.equals(resetReply, DEFAULT_RESET_REPLY) ? DEFAULT_APP : appOf(text(resetReply));
  }

  /** A message from the guest as text, one character per byte. */
  static String text(byte[] message) {
    return message.length == 0 ? "" : new String(message, StandardCharsets.ISO_8859_1);
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

  /**
   * Queues {@code command} last for {@code app}; false (and nothing queued) when the queues of all
   * applications together are full.
   */
  boolean enqueue(String app, String command) {
    if (!fits(command)) {
      return false;
    }
    add(app(app), new TcloCommand(command, false, null), false);
    return true;
  }

  /** Queues a power operation's command last and tracks it; false when the queue is full. */
  boolean requestPowerOperation(GuestOsState operation) {
    if (!fits(operation.command())) {
      return false;
    }
    Rare r = rare();
    if (r.powerOperations == null) {
      r.powerOperations = new PowerOperations();
    }
    PowerOperations.Tracker t = r.powerOperations.request(operation, uptime().nanos());
    add(toolbox, new TcloCommand(operation.command(), false, t), false);
    return true;
  }

  /**
   * Whether the queues have room for one more command of this text. The limits hold for all
   * applications' queues together, so that the number of applications cannot multiply them.
   */
  private boolean fits(String command) {
    return queued() < policy().tcloQueueLimit()
        && queueBytes + History.weight(command) <= policy().tcloQueueBytesLimit();
  }

  private void add(TcloApp app, TcloCommand command, boolean first) {
    if (first) {
      app.addFirst(command);
    } else {
      app.addLast(command);
    }
    queueBytes += History.weight(command.text);
  }

  private void removed(TcloCommand command) {
    queueBytes -= History.weight(command.text);
  }

  /** The commands queued for all applications together (a reset owed is not one). */
  private int queued() {
    TcloApps others = others();
    return toolbox.queued() + (others == null ? 0 : others.queued());
  }

  /** A checkpoint: the VM was suspended and resumed. */
  void resumed() {
    if (policy().toolsConversation()) {
      conversation().resumed();
    }
  }

  /**
   * The conversation on {@code toolbox}, made now if not before; only when the policy drives it.
   */
  private ToolsConversation conversation() {
    Rare r = rare();
    if (r.conversation == null) {
      r.conversation = new ToolsConversation(policy(), table);
    }
    return r.conversation;
  }

  /** Whether the tools answered on {@code toolbox} within the heartbeat timeout. */
  boolean toolsRunning() {
    return toolsAnsweredNanos >= 0
        && uptime().nanos() - toolsAnsweredNanos <= policy().heartbeatTimeout().toNanos();
  }

  /** The tools answered {@code command} on their {@code toolbox} channel. */
  private void toolsAnswered(TcloCommand command) {
    long now = uptime().nanos();
    toolsAnsweredNanos = now;
    if (policy().toolsConversation() && command.text.equals(RESET) && command.power == null) {
      for (String opening : conversation().opening(now)) {
        if (fits(opening)) {
          add(toolbox, new TcloCommand(opening, false, null), false);
        }
      }
    }
  }

  /**
   * Every application owes its guest a "reset" before anything queued (a host reset, a checkpoint):
   * a flag each, so it takes no room in the queues and is owed once however many came.
   */
  void owesResetAll() {
    toolbox.owesReset(true);
    TcloApps others = others();
    if (others != null) {
      others.owesResetAll();
    }
  }

  /** One TCLO channel, with the endpoint's state of it. */
  final class TcloSession extends HostChannel {

    /** Whether the guest has sent its first message ("I am here"). */
    private boolean heardFrom;

    /** Whether the channel still owes the guest its first "reset". */
    private boolean needsReset = true;

    /**
     * Whether the channel's next empty ping is to be refused, with "reset" queued: its first
     * message was a reply nobody asked for and the host resets after one ({@link
     * HostPolicy#resetAfterUnsolicitedReply()}).
     */
    private boolean owesPingRefusal;

    /** The command delivered and not yet answered, and since when. */
    private TcloCommand outstanding;

    private long outstandingSinceNanos;

    /** The command last offered at RECVSIZE. */
    private TcloCommand offered;

    /** The application the channel serves, once its reset reply named it. */
    private TcloApp app;

    TcloSession(int id, int cookieHigh, int cookieLow, long nanos) {
      super(id, cookieHigh, cookieLow, nanos);
    }

    @Override
    int protocol() {
      return PROTOCOL_TCLO;
    }

    @Override
    public Offer offer() {
      offered = commandToOffer();
      return offered == null ? null : offered.offer;
    }

    private TcloCommand commandToOffer() {
      if (!heardFrom || outstanding != null) {
        return null;
      }
      if (needsReset) {
        return CHANNEL_RESET;
      }
      if (app == null || app.active != this) {
        return null;
      }
      ToolsConversation conversation = rare == null ? null : rare.conversation;
      if (app == toolbox
          && app.peek() == null
          && conversation != null
          && policy().toolsConversation()
          && conversation.pingDue(uptime().nanos())
          && fits(ToolsConversation.PING)) {
        add(toolbox, new TcloCommand(ToolsConversation.PING, false, null), false);
      }
      return app.peek();
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
      } else if (app.remove(command)) {
        removed(command);
      }
      outstanding = command;
      outstandingSinceNanos = uptime().nanos();
      if (keepsHistory()) {
        rare().history.sent(command.text);
      }
    }

    /**
     * Refuses the first empty ping after an unsolicited first message when the host resets after
     * one (queueing "reset"), and a SENDSIZE of a reply nobody asked for when the policy says
     * reject (recording the refusal).
     */
    @Override
    public String refuseSend(long length) {
      if (length == 0 && owesPingRefusal) {
        owesPingRefusal = false;
        if (app != null && app.active == this) {
          app.owesReset(true);
        } else {
          needsReset = true;
        }
        return "ping refused after an unsolicited reply; reset queued";
      }
      if (!policy().rejectUnsolicitedTcloReplies() || length == 0 || outstanding != null) {
        return null;
      }
      record(id, null, null, TcloExchange.Outcome.UNSOLICITED_REJECTED, uptime().nanos());
      return "unsolicited reply rejected";
    }

    /**
     * A complete message from the guest: the reply to the outstanding command, or a ping. A reset
     * reply that claims an application the takeover policy keeps for an older channel is refused.
     */
    @Override
    public String message(byte[] message) {
      // The reply's text is made only where something keeps it: a power operation's tracker, a
      // history; a reset reply naming the default application is told by its bytes.
      boolean first = !heardFrom;
      heardFrom = true;
      if (outstanding != null) {
        TcloCommand c = outstanding;
        outstanding = null;
        if (c.power != null) {
          c.power.reply = text(message);
        }
        if (c.channelReset) {
          String named = appOf(message);
          if (!claim(this, named)) {
            recordReply(
                id, c.text, message, TcloExchange.Outcome.CLAIM_REFUSED, outstandingSinceNanos);
            return named
                + " is channel "
                + ((TcloSession) find(named).active).id
                + "'s; channel closed";
          }
          // The channel's own reset also answers a reset owed or queued meanwhile.
          app.owesReset(false);
          for (TcloCommand head = app.peek();
              head != null && head.text.equals(RESET) && head.power == null;
              head = app.peek()) {
            removed(app.removeFirst());
          }
        }
        recordReply(id, c.text, message, TcloExchange.Outcome.ANSWERED, outstandingSinceNanos);
        if (app == toolbox) {
          toolsAnswered(c);
        }
      } else if (message.length > 0) {
        owesPingRefusal = first && policy().resetAfterUnsolicitedReply();
        recordReply(id, null, message, TcloExchange.Outcome.UNSOLICITED_ACCEPTED, uptime().nanos());
      }
      return null;
    }

    /** The channel ended (closed, invalidated, dropped): an outstanding command is lost. */
    @Override
    public void ended() {
      if (outstanding != null) {
        record(
            id, outstanding.text, null, TcloExchange.Outcome.CHANNEL_LOST, outstandingSinceNanos);
        outstanding = null;
      }
      if (app != null && app.active == this) {
        app.active = null;
      }
    }
  }

  /** {@link #record(int, String, String, TcloExchange.Outcome, long)} of a reply's bytes. */
  private void recordReply(
      int id, String command, byte[] reply, TcloExchange.Outcome outcome, long sinceNanos) {
    if (keepsHistory()) {
      record(id, command, text(reply), outcome, sinceNanos);
    }
  }

  /**
   * Records an exchange on channel {@code id} ({@code command} and {@code reply} null when there is
   * none) from {@code sinceNanos} to now, when the host keeps a history: a host without one makes
   * none of its objects.
   */
  private void record(
      int id, String command, String reply, TcloExchange.Outcome outcome, long sinceNanos) {
    if (keepsHistory()) {
      rare().history.record(id, command, reply, outcome, time(sinceNanos), now());
    }
  }

  private Duration now() {
    return uptime().now();
  }

  private Duration time(long nanos) {
    return uptime().at(nanos);
  }

  // ---- introspection ----

  /** The table of applications other than the default, for tests of its bounds; maybe null. */
  TcloApps others() {
    return rare == null ? null : rare.others;
  }

  List<String> pending(String app) {
    TcloApp a = find(app);
    return a == null ? List.of() : a.texts();
  }

  /** The session the host talks to for {@code app}, or null. */
  private TcloSession active(String app) {
    TcloApp a = find(app);
    return a == null ? null : (TcloSession) a.active;
  }

  Optional<String> outstanding(String app) {
    TcloSession session = active(app);
    return session != null && session.outstanding != null
        ? Optional.of(session.outstanding.text)
        : Optional.empty();
  }

  Optional<Integer> activeChannel(String app) {
    TcloSession session = active(app);
    return session != null ? Optional.of(session.id) : Optional.empty();
  }

  List<TcloExchange> exchanges() {
    return rare == null ? ImmutableList.of() : rare.history.exchanges();
  }

  List<String> commandsSent() {
    return rare == null ? ImmutableList.of() : rare.history.commandsSent();
  }

  List<String> replies() {
    return rare == null ? ImmutableList.of() : rare.history.replies();
  }

  @Override
  public void reported(int stateId, boolean success) {
    if (rare != null && rare.powerOperations != null) {
      rare.powerOperations.reported(stateId, success);
    }
  }

  List<PowerOperationReport> powerOperations() {
    return rare == null || rare.powerOperations == null
        ? ImmutableList.of()
        : rare.powerOperations.reports(this::time);
  }

  /** The host's policy, which its channel table holds. */
  private HostPolicy policy() {
    return table.policy();
  }

  /** The host's uptime, which its channel table holds. */
  private HostUptime uptime() {
    return table.time();
  }
}
