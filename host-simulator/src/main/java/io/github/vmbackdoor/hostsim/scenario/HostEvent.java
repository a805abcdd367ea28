package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.internal.KebabCase;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.util.List;
import java.util.Map;

/**
 * What a scenario's timeline does to the host at one moment: one record per action, each with its
 * keyword, its text form and what it does ({@link #apply}). {@link ScenarioEvent} says when.
 *
 * <p><b>Adding a host event.</b> A built-in event is one record here (its keyword, arguments,
 * {@link #withArguments} and {@link #apply}) and one instance in {@link #BUILT_IN}. An own event is
 * one class: implement {@link Custom} with a public no-argument constructor (the instance it makes
 * is asked {@link #withArguments} for each use), and list it in {@code
 * META-INF/services/io.github.vmbackdoor.hostsim.scenario.HostEvent}: scenario files, the admin
 * API, {@code ctl} and {@code serve} then know its keyword ({@link Extensions}). The Java builder
 * takes any event through {@link Scenario.When#event(HostEvent)}.
 */
public sealed interface HostEvent {

  /** The keyword of the text form: {@code host-reset}, {@code tclo}. */
  String keyword();

  /** What follows the keyword in the text form; empty when nothing does. */
  default String arguments() {
    return "";
  }

  /**
   * The event of this kind that the words after the keyword give: how an event registered as a
   * service is read. The default takes nothing after the keyword and returns this event.
   *
   * @param words the words after the keyword
   * @param rest the rest of the line after the keyword, as written
   * @throws IllegalArgumentException with a one-line message when the words are wrong
   */
  default HostEvent withArguments(List<String> words, String rest) {
    Preconditions.checkArgument(words.isEmpty(), "'%s' takes nothing after it", keyword());
    return this;
  }

  /** The text form: the keyword, then the arguments if any ({@code power suspend}). */
  default String text() {
    String a = arguments();
    return a.isEmpty() ? keyword() : keyword() + " " + a;
  }

  /**
   * Does it to the host.
   *
   * @param faults the faults the timeline installed so far, by name
   */
  void apply(VirtualHost host, Map<String, Fault> faults);

  /**
   * Reads one action in the words of a scenario file's timeline, what follows the time of an {@code
   * at} line: {@code checkpoint}, {@code tclo Set_Option broadcastIP 1}, {@code fault lossy
   * protocol=rpci step=recvsize probability=0.3 clear-success}. The admin API and {@code ctl} read
   * host events with it, so there is one language for them and for scenario files.
   *
   * @throws IllegalArgumentException with a one-line message when the text is not an action
   */
  static HostEvent parse(String text) {
    return Extensions.installed().hostEvent(text);
  }

  /** {@link #parse(String)} that also knows the keywords of {@code extraEvents}. */
  static HostEvent parse(String text, List<Syntax> extraEvents) {
    return Extensions.installed().withEvents(extraEvents).hostEvent(text);
  }

  /** The extension point: a host event defined outside this package. */
  non-sealed interface Custom extends HostEvent {}

  /** Reads one event's text form: the words after the keyword, and the rest of the line as is. */
  @FunctionalInterface
  interface Parser {
    /**
     * The event.
     *
     * @throws IllegalArgumentException with a one-line message when the words are wrong
     */
    HostEvent parse(List<String> words, String rest);
  }

  /**
   * One entry of the parser's keyword table.
   *
   * @param keyword the keyword
   * @param parser reads the rest of the line
   */
  record Syntax(String keyword, Parser parser) {
    /** Checks the keyword (lower-case letters, digits and '-'). */
    public Syntax {
      Preconditions.checkArgument(keyword.matches("[a-z0-9-]+"), "bad keyword '%s'", keyword);
      Preconditions.checkNotNull(parser, "parser");
    }

    /** An event read by {@link HostEvent#withArguments}: one with nothing after its keyword. */
    public static Syntax bare(HostEvent event) {
      return new Syntax(event.keyword(), event::withArguments);
    }
  }

  /**
   * The built-in events, one of each kind in their documented order: the instances {@link
   * #withArguments} reads the others from (their arguments are placeholders).
   */
  ImmutableList<HostEvent> BUILT_IN =
      ImmutableList.of(
          new CloseTclo(),
          new InvalidateTclo(Invalidation.HOST_CLOSED),
          new InvalidateAll(Invalidation.HOST_CLOSED),
          new Checkpoint(),
          new HostReset(),
          new SendTclo("ping"),
          new Power(GuestOsState.HALT),
          new CompetingTclo(),
          new ExpireIdle(),
          new FillChannelTable(),
          new InstallFault("fault", Fault.builder().clearSuccess().build()),
          new RemoveFault("fault"));

  /** The built-in events' keyword table, from {@link #BUILT_IN}. */
  ImmutableList<Syntax> SYNTAX =
      BUILT_IN.stream().map(Syntax::bare).collect(ImmutableList.toImmutableList());

  private static Invalidation invalidation(String keyword, List<String> words) {
    Preconditions.checkArgument(
        words.size() == 1,
        "expected '%s %s'",
        keyword,
        String.join("|", KebabCase.all(Invalidation.class)));
    return KebabCase.parse(Invalidation.class, words.get(0));
  }

  /** The host closes the guest's active TCLO channel (HOST_CLOSED; a close is accepted). */
  record CloseTclo() implements HostEvent {
    @Override
    public String keyword() {
      return "close-tclo";
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      host.records()
          .activeTcloChannel()
          .ifPresent(id -> host.invalidateChannel(id, Invalidation.HOST_CLOSED));
    }
  }

  /** The guest's active TCLO channel is invalidated the given way. */
  record InvalidateTclo(Invalidation kind) implements HostEvent {
    /** Checks the kind. */
    public InvalidateTclo {
      Preconditions.checkNotNull(kind, "kind");
    }

    @Override
    public String keyword() {
      return "invalidate-tclo";
    }

    @Override
    public HostEvent withArguments(List<String> words, String rest) {
      return new InvalidateTclo(invalidation(keyword(), words));
    }

    @Override
    public String arguments() {
      return KebabCase.of(kind);
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      host.records().activeTcloChannel().ifPresent(id -> host.invalidateChannel(id, kind));
    }
  }

  /** Every open channel is invalidated the given way. */
  record InvalidateAll(Invalidation kind) implements HostEvent {
    /** Checks the kind. */
    public InvalidateAll {
      Preconditions.checkNotNull(kind, "kind");
    }

    @Override
    public String keyword() {
      return "invalidate-all";
    }

    @Override
    public HostEvent withArguments(List<String> words, String rest) {
      return new InvalidateAll(invalidation(keyword(), words));
    }

    @Override
    public String arguments() {
      return KebabCase.of(kind);
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      host.invalidateAllChannels(kind);
    }
  }

  /** A checkpoint (suspend/resume, snapshot): operations in flight answer CPT. */
  record Checkpoint() implements HostEvent {
    @Override
    public String keyword() {
      return "checkpoint";
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      host.checkpoint();
    }
  }

  /** A host reset: "reset" goes to the front of the TCLO queue. */
  record HostReset() implements HostEvent {
    @Override
    public String keyword() {
      return "host-reset";
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      host.hostReset();
    }
  }

  /**
   * A host command queued for the TCLO channel of an application ({@code toolbox} unless the text
   * says {@code app=NAME}).
   */
  record SendTclo(String app, String command) implements HostEvent {
    /** The word that names the application: {@code tclo app=toolbox-dnd COMMAND}. */
    static final String APP = "app=";

    /** Checks the application (one word) and the command (one line, not blank). */
    public SendTclo {
      Preconditions.checkArgument(
          !app.isEmpty() && app.chars().noneMatch(c -> c <= ' '), "bad application '%s'", app);
      Preconditions.checkArgument(
          !command.isBlank() && command.indexOf('\n') < 0, "bad TCLO command '%s'", command);
    }

    /** A command for {@code toolbox}. */
    public SendTclo(String command) {
      this(VirtualHost.DEFAULT_TCLO_APP, command);
    }

    @Override
    public String keyword() {
      return "tclo";
    }

    @Override
    public HostEvent withArguments(List<String> words, String rest) {
      Preconditions.checkArgument(!words.isEmpty(), "expected 'tclo [app=APPLICATION] COMMAND'");
      String first = words.get(0);
      if (!first.startsWith(APP)) {
        return new SendTclo(rest);
      }
      String command = rest.strip().substring(first.length()).strip();
      Preconditions.checkArgument(!command.isEmpty(), "expected 'tclo %s COMMAND'", first);
      return new SendTclo(first.substring(APP.length()), command);
    }

    @Override
    public String arguments() {
      return app.equals(VirtualHost.DEFAULT_TCLO_APP) ? command : APP + app + " " + command;
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      host.enqueueTclo(app, command);
    }
  }

  /** A power operation's TCLO command, tracked by the host. */
  record Power(GuestOsState operation) implements HostEvent {
    /** Checks the operation. */
    public Power {
      Preconditions.checkNotNull(operation, "operation");
    }

    @Override
    public String keyword() {
      return "power";
    }

    @Override
    public HostEvent withArguments(List<String> words, String rest) {
      Preconditions.checkArgument(
          words.size() == 1,
          "expected 'power %s'",
          String.join("|", KebabCase.all(GuestOsState.class)));
      return new Power(KebabCase.parse(GuestOsState.class, words.get(0)));
    }

    @Override
    public String arguments() {
      return KebabCase.of(operation);
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      host.requestPowerOperation(operation);
    }
  }

  /** Another guest process opens a TCLO channel and never polls it. */
  record CompetingTclo() implements HostEvent {
    @Override
    public String keyword() {
      return "competing-tclo";
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      host.openCompetingTcloChannel();
    }
  }

  /** Channels idle longer than the idle timeout are closed now. */
  record ExpireIdle() implements HostEvent {
    @Override
    public String keyword() {
      return "expire-idle";
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      host.expireIdleChannels();
    }
  }

  /**
   * The channel table fills up: every free slot is taken by an RPCI channel of a process that never
   * uses or closes it ({@link VirtualHost#fillChannelTable()}).
   */
  record FillChannelTable() implements HostEvent {
    @Override
    public String keyword() {
      return "fill-channel-table";
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      host.fillChannelTable();
    }
  }

  /**
   * A named fault is installed (replacing one of the same name). Two are equal when their text
   * forms are.
   */
  record InstallFault(String name, Fault fault) implements HostEvent {
    /** Checks the name (letters, digits, '.', '_' and '-') and the fault. */
    public InstallFault {
      checkFaultName(name);
      Preconditions.checkNotNull(fault, "fault");
    }

    @Override
    public String keyword() {
      return "fault";
    }

    @Override
    public HostEvent withArguments(List<String> words, String rest) {
      Preconditions.checkArgument(words.size() >= 2, "expected 'fault NAME [MATCH...] ACTION'");
      return new InstallFault(
          words.get(0), Fault.parse(words.subList(1, words.size()), Extensions.installed()));
    }

    @Override
    public String arguments() {
      return name + " " + fault.text();
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      Fault old = faults.put(name, fault);
      if (old != null) {
        host.removeFault(old);
      }
      host.installFault(fault);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof InstallFault f && text().equals(f.text());
    }

    @Override
    public int hashCode() {
      return text().hashCode();
    }
  }

  /** A named fault is removed. */
  record RemoveFault(String name) implements HostEvent {
    /** Checks the name (letters, digits, '.', '_' and '-'). */
    public RemoveFault {
      checkFaultName(name);
    }

    @Override
    public String keyword() {
      return "remove-fault";
    }

    @Override
    public HostEvent withArguments(List<String> words, String rest) {
      Preconditions.checkArgument(words.size() == 1, "expected 'remove-fault NAME'");
      return new RemoveFault(words.get(0));
    }

    @Override
    public String arguments() {
      return name;
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      Fault removed = faults.remove(name);
      if (removed != null) {
        host.removeFault(removed);
      }
    }
  }

  private static void checkFaultName(String name) {
    Preconditions.checkArgument(
        name.matches("[A-Za-z0-9._-]+"),
        "a fault name is letters, digits, '.', '_' and '-': '%s'",
        name);
  }
}
