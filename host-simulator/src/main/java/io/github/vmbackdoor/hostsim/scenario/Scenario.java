package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.settings.HostIdentity;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.settings.HostSetting;
import io.github.vmbackdoor.hostsim.settings.HostSettingLayer;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import io.github.vmbackdoor.hostsim.settings.RefusalRegisters;
import io.github.vmbackdoor.hostsim.settings.TcloTakeover;
import io.github.vmbackdoor.rpc.GuestOsState;
import io.github.vmbackdoor.rpc.VmtFlavor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * A failure scenario: a host (its policies and seed), a guest flavor, how long to run, and a
 * timeline of host events and faults in virtual time. An immutable value.
 *
 * <p>Build one in Java:
 *
 * <pre>{@code
 * Scenario s = Scenario.named("leaking-closes")
 *     .channelTableSize(8)
 *     .at(Duration.ofMinutes(10)).fault("rpci-close", Fault.builder()
 *         .protocol(BackdoorProtocol.PROTOCOL_RPCI).step(Step.CLOSE).clearSuccess().build())
 *     .every(Duration.ofMinutes(2)).from(Duration.ofMinutes(12)).hostReset()
 *     .runFor(Duration.ofHours(1))
 *     .build();
 * }</pre>
 *
 * <p>or write it as a file ({@link #parse(String)}, {@link #toText()}); the two forms have the same
 * power and give identical runs. {@code docs/scenario-format.md} describes the file form. Run it
 * with {@link ScenarioRunner}.
 */
public final class Scenario {

  /** The seed when none is given. */
  public static final long DEFAULT_SEED = 42;

  /** The run length when none is given. */
  public static final Duration DEFAULT_LENGTH = Duration.ofHours(1);

  private final String name;
  private final String description;
  private final long seed;
  private final Duration length;
  private final VmtFlavor flavor;
  private final HostSettingLayer host;
  private final ImmutableList<ScenarioEvent> events;
  private final ImmutableList<String> comments;

  private Scenario(Builder b) {
    this.name = b.name;
    this.description = b.description;
    this.seed = b.seed;
    this.length = b.length;
    this.flavor = b.flavor;
    this.host = b.host;
    List<ScenarioEvent> sorted = new ArrayList<>(b.events);
    sorted.sort(Comparator.comparing(ScenarioEvent::at)); // stable: same time, declared order
    this.events = ImmutableList.copyOf(sorted);
    this.comments = ImmutableList.copyOf(b.comments);
  }

  /** A builder for a scenario of this name (letters, digits, '-', '_', '.'). */
  public static Builder named(String name) {
    return new Builder(name);
  }

  /**
   * Reads the text form within the {@linkplain ScenarioLimits#DEFAULTS default limits} (a byte
   * order mark at the start is skipped); errors name the line.
   */
  public static Scenario parse(String text) {
    return parse(text, ScenarioLimits.DEFAULTS);
  }

  /**
   * Reads the text form within {@code limits} (a byte order mark at the start is skipped); errors
   * name the line.
   */
  public static Scenario parse(String text, ScenarioLimits limits) {
    return ScenarioText.parse(text, List.of(), limits);
  }

  /**
   * Reads the text form within the default limits, knowing host events defined outside this package
   * ({@link HostEvent.Custom}) by their keywords besides the built-in ones.
   */
  public static Scenario parse(String text, List<HostEvent.Syntax> extraEvents) {
    return ScenarioText.parse(text, extraEvents, ScenarioLimits.DEFAULTS);
  }

  /** Reads a scenario file within the default limits. */
  public static Scenario read(Path file) throws IOException {
    return read(file, ScenarioLimits.DEFAULTS);
  }

  /** Reads a scenario file within {@code limits}. */
  public static Scenario read(Path file, ScenarioLimits limits) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), limits);
  }

  /** The text form; {@link #parse(String)} gives this scenario back. */
  public String toText() {
    return ScenarioText.write(this);
  }

  /** The scenario's name. */
  public String name() {
    return name;
  }

  /** A sentence saying what happens; may be empty. */
  public String description() {
    return description;
  }

  /** The seed of the simulation and the host (cookies, fault probabilities). */
  public long seed() {
    return seed;
  }

  /** How long a run lasts, in virtual time. */
  public Duration length() {
    return length;
  }

  /** Which vmt(4) the vmt machines imitate, and how log lines print registers. */
  public VmtFlavor flavor() {
    return flavor;
  }

  /**
   * The host's settings ({@code host} lines): policies and identity. {@link ScenarioRunner}, {@code
   * serve --scenario} and the JUnit extension give them to the host they run the scenario on.
   */
  public HostSettings hostSettings() {
    return host.settings();
  }

  /**
   * The host settings the scenario gives ({@code host} lines), each even when it equals the library
   * default; the others are not set, so a host that runs the scenario keeps its own for them
   * ({@code serve}'s idle timeout, a runner's call log limit).
   */
  public HostSettingLayer hostLayer() {
    return host;
  }

  /** The timeline, sorted by first occurrence (declaration order among equal times). */
  public ImmutableList<ScenarioEvent> events() {
    return events;
  }

  /** Comment lines about the whole scenario (written at the top of the text form). */
  public ImmutableList<String> comments() {
    return comments;
  }

  /** When the trouble starts: the first event's time, or zero when there is none. */
  public Duration troubleStart() {
    return events.isEmpty() ? Duration.ZERO : events.get(0).at();
  }

  /**
   * When the story has settled: {@link ScenarioOutcome#WINDOW} after its last event (a repeated
   * event's {@code until}, or its second occurrence when it repeats to the end of the run). A run
   * at least this long has a verdict that a longer run does not change ({@link ScenarioOutcome}).
   */
  public Duration settlesAt() {
    Duration last = Duration.ZERO;
    for (ScenarioEvent e : events) {
      Duration t = e.every().isEmpty() ? e.at() : e.until().orElse(e.at().plus(e.every().get()));
      if (t.compareTo(last) > 0) {
        last = t;
      }
    }
    return last.plus(ScenarioOutcome.WINDOW);
  }

  /** This scenario with another run length. */
  public Scenario withLength(Duration newLength) {
    return toBuilder().runFor(newLength).build();
  }

  /** A builder holding everything this scenario holds. */
  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.description = description;
    b.seed = seed;
    b.length = length;
    b.flavor = flavor;
    b.host = host;
    b.events.addAll(events);
    b.comments.addAll(comments);
    return b;
  }

  /**
   * Schedules this scenario's timeline on {@code host}: for every occurrence of every event before
   * the end of the run, {@code scheduler} is given the time (from now) and the action that does it
   * to the host. {@link ScenarioRunner} schedules on a {@code Simulation}; a server in real time
   * can schedule on a {@code ScheduledExecutorService}. The actions of one host must run one at a
   * time, in time order (equal times in the order given).
   */
  public void scheduleTimeline(VirtualHost host, BiConsumer<Duration, Runnable> scheduler) {
    scheduleTimeline(host, scheduler, (at, event) -> {});
  }

  /**
   * {@link #scheduleTimeline(VirtualHost, BiConsumer)}, telling {@code ran} each event as it
   * happens, with the time it was scheduled for.
   */
  public void scheduleTimeline(
      VirtualHost host,
      BiConsumer<Duration, Runnable> scheduler,
      BiConsumer<Duration, ScenarioEvent> ran) {
    player().scheduleAll(host, scheduler, ran);
  }

  /**
   * Plays the timeline on every host of {@code hosts} from one instant, as {@code serve --scenario}
   * does in real time: {@code scheduler} runs an action at a time since that instant. Each event
   * has at most one occurrence pending at a time (the next is scheduled when one fires, so an event
   * {@code every 1ms} costs as little as one that happens once), and an occurrence is applied to
   * every host at once. {@code ended} runs once, after the last occurrence (at once when there is
   * none).
   */
  public void playTimeline(
      List<VirtualHost> hosts, BiConsumer<Duration, Runnable> scheduler, Runnable ended) {
    playTimeline(hosts, scheduler, (at, event) -> {}, ended);
  }

  /**
   * {@link #playTimeline(List, BiConsumer, Runnable)}, telling {@code ran} each occurrence once it
   * has been applied to every host, with the time it was scheduled for.
   */
  public void playTimeline(
      List<VirtualHost> hosts,
      BiConsumer<Duration, Runnable> scheduler,
      BiConsumer<Duration, ScenarioEvent> ran,
      Runnable ended) {
    player().play(hosts, scheduler, ran, ended);
  }

  /**
   * The player of this scenario's timeline, for a caller that applies the events itself and may
   * stop the timeline (the admin API plays a scenario on one served VM with it).
   */
  public TimelinePlayer player() {
    return new TimelinePlayer(events, length);
  }

  /**
   * Gives {@code builder} this scenario's seed and the host settings it gives ({@link
   * #hostLayer()}), over what the builder holds: what {@link ScenarioRunner}, {@code serve
   * --scenario} and the JUnit extension do to the host they run the scenario on.
   */
  public VirtualHostBuilder configure(VirtualHostBuilder builder) {
    return builder.seed(seed).settings(host);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Scenario)) {
      return false;
    }
    Scenario s = (Scenario) o;
    return name.equals(s.name)
        && description.equals(s.description)
        && seed == s.seed
        && length.equals(s.length)
        && flavor == s.flavor
        && host.equals(s.host)
        && events.equals(s.events)
        && comments.equals(s.comments);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, seed, length, events);
  }

  @Override
  public String toString() {
    return "Scenario{" + name + ", " + events.size() + " events, " + Durations.format(length) + "}";
  }

  /**
   * Builds a {@link Scenario}. Host settings are methods; timeline entries start with {@link
   * #at(Duration)} or {@link #every(Duration)} and end with the host event, as WireMock stubs and
   * Toxiproxy toxics read.
   */
  public static final class Builder {
    private final String name;
    private String description = "";
    private long seed = DEFAULT_SEED;
    private Duration length = DEFAULT_LENGTH;
    private VmtFlavor flavor = VmtFlavor.NETBSD;
    private HostSettingLayer host = HostSettingLayer.NONE;
    private final List<ScenarioEvent> events = new ArrayList<>();
    private final List<String> comments = new ArrayList<>();

    private Builder(String name) {
      Preconditions.checkArgument(
          name.matches("[A-Za-z0-9._-]+"),
          "a scenario name is letters, digits, '.', '_' and '-': '%s'",
          name);
      this.name = name;
    }

    /** A sentence saying what happens (one line). */
    public Builder description(String text) {
      Preconditions.checkArgument(text.indexOf('\n') < 0, "one line only");
      this.description = text.strip();
      return this;
    }

    /** A comment line about the whole scenario. */
    public Builder comment(String line) {
      Preconditions.checkArgument(line.indexOf('\n') < 0, "one line only");
      comments.add(line.stripTrailing());
      return this;
    }

    /** The seed. Default {@value #DEFAULT_SEED}. */
    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    /** How long a run lasts. Default one hour. */
    public Builder runFor(Duration value) {
      Preconditions.checkArgument(
          value.compareTo(Duration.ZERO) > 0, "run length must be positive");
      this.length = value;
      return this;
    }

    /** The vmt flavor of the guest. Default NETBSD. */
    public Builder flavor(VmtFlavor value) {
      this.flavor = Preconditions.checkNotNull(value);
      return this;
    }

    /**
     * The host's settings: those that differ from the settings so far become set ({@link
     * HostSettingLayer#withChanges}). Default: none set.
     */
    public Builder hostSettings(HostSettings value) {
      this.host = host.withChanges(Preconditions.checkNotNull(value));
      return this;
    }

    /** The host's settings a layer gives, over those given so far. */
    public Builder settings(HostSettingLayer layer) {
      this.host = host.then(layer);
      return this;
    }

    /** The host's policies. Default {@link HostPolicy#DEFAULTS}. */
    public Builder policy(HostPolicy value) {
      return hostSettings(host.settings().withPolicy(value));
    }

    /** The host's identity. Default {@link HostIdentity#DEFAULTS}. */
    public Builder identity(HostIdentity value) {
      return hostSettings(host.settings().withIdentity(value));
    }

    /**
     * One host setting read from its text, as a {@code host} line gives it: set, even to its
     * default.
     */
    public Builder setting(HostSetting setting, String value) {
      this.host = host.with(setting, value);
      return this;
    }

    /** The host's channel table size (8 like old hosts). Default 128. */
    public Builder channelTableSize(int value) {
      return policy(host.settings().policy().withChannelTableSize(value));
    }

    /** Whether the host rejects unsolicited TCLO replies. Default false. */
    public Builder rejectUnsolicitedTcloReplies(boolean value) {
      return policy(host.settings().policy().withRejectUnsolicitedTcloReplies(value));
    }

    /**
     * What eax holds when the host refuses a message call. Default {@link RefusalRegisters#ZERO}.
     */
    public Builder refusalRegisters(RefusalRegisters value) {
      return policy(host.settings().policy().withRefusalRegisters(value));
    }

    /**
     * Whether a TCLO channel whose first message was an unsolicited reply has its next empty ping
     * refused, with "reset" queued. Default false.
     */
    public Builder resetAfterUnsolicitedReply(boolean value) {
      return policy(host.settings().policy().withResetAfterUnsolicitedReply(value));
    }

    /** Whether the host offers the high-bandwidth port. Default true. */
    public Builder highBandwidth(boolean value) {
      return policy(host.settings().policy().withHighBandwidth(value));
    }

    /** Whether the host accepts cookies. Default true. */
    public Builder cookies(boolean value) {
      return policy(host.settings().policy().withCookies(value));
    }

    /** The host's idle timeout. Default none. */
    public Builder idleTimeout(Duration value) {
      return policy(host.settings().policy().withIdleTimeout(Optional.of(value)));
    }

    /**
     * Which TCLO channel of an application loses when a newer one claims it. Default: the older
     * one, closed host-side.
     */
    public Builder tcloTakeover(TcloTakeover value) {
      return policy(host.settings().policy().withTcloTakeover(value));
    }

    /** A timeline entry that happens once, {@code when} after the start. */
    public When at(Duration when) {
      return new When(this, when, Optional.empty());
    }

    /**
     * A timeline entry that repeats every {@code period}; first at {@code period} unless {@link
     * When#from}.
     */
    public When every(Duration period) {
      return new When(this, period, Optional.of(period));
    }

    /** A fault installed at the start. */
    public Builder fault(String faultName, Fault fault) {
      return at(Duration.ZERO).fault(faultName, fault);
    }

    /** Adds a timeline entry as it is. */
    public Builder event(ScenarioEvent event) {
      events.add(Preconditions.checkNotNull(event));
      return this;
    }

    /** The timeline entries so far, in the order declared. */
    List<ScenarioEvent> declared() {
      return events;
    }

    /** The scenario. */
    public Scenario build() {
      return new Scenario(this);
    }
  }

  /** The time of a timeline entry being built; each host-event method ends it. */
  public static final class When {
    private final Builder builder;
    private Duration at;
    private final Optional<Duration> every;
    private Optional<Duration> until = Optional.empty();
    private final List<String> comments = new ArrayList<>();

    private When(Builder builder, Duration at, Optional<Duration> every) {
      this.builder = builder;
      this.at = Preconditions.checkNotNull(at);
      this.every = every;
    }

    /** A repeated entry's first occurrence. */
    public When from(Duration first) {
      Preconditions.checkState(every.isPresent(), "from() is for every()");
      this.at = Preconditions.checkNotNull(first);
      return this;
    }

    /** A repeated entry's end (exclusive). */
    public When until(Duration end) {
      Preconditions.checkState(every.isPresent(), "until() is for every()");
      this.until = Optional.of(end);
      return this;
    }

    /** A comment line explaining the entry. */
    public When comment(String line) {
      Preconditions.checkArgument(line.indexOf('\n') < 0, "one line only");
      comments.add(line.stripTrailing());
      return this;
    }

    /**
     * Ends the entry with any host event, a built-in one or a {@link HostEvent.Custom} of the
     * caller's.
     */
    public Builder event(HostEvent event) {
      builder.events.add(new ScenarioEvent(at, every, until, event, comments));
      return builder;
    }

    /** The host closes the guest's TCLO channel (a close from the guest is still accepted). */
    public Builder closeTclo() {
      return event(new HostEvent.CloseTclo());
    }

    /** The guest's TCLO channel is invalidated the given way. */
    public Builder invalidateTclo(Invalidation kind) {
      return event(new HostEvent.InvalidateTclo(kind));
    }

    /** Every open channel is invalidated the given way. */
    public Builder invalidateAllChannels(Invalidation kind) {
      return event(new HostEvent.InvalidateAll(kind));
    }

    /** A checkpoint (suspend and resume of the VM). */
    public Builder checkpoint() {
      return event(new HostEvent.Checkpoint());
    }

    /** A host reset. */
    public Builder hostReset() {
      return event(new HostEvent.HostReset());
    }

    /** A host command queued on the {@code toolbox} TCLO channel. */
    public Builder sendTclo(String command) {
      return event(new HostEvent.SendTclo(command));
    }

    /** A host command queued on the TCLO channel of application {@code app}. */
    public Builder sendTclo(String app, String command) {
      return event(new HostEvent.SendTclo(app, command));
    }

    /** A power operation. */
    public Builder power(GuestOsState operation) {
      return event(new HostEvent.Power(operation));
    }

    /** Another process opens a TCLO channel and never polls it. */
    public Builder competingTcloChannel() {
      return event(new HostEvent.CompetingTclo());
    }

    /** Idle channels are closed now (needs an idle timeout). */
    public Builder expireIdleChannels() {
      return event(new HostEvent.ExpireIdle());
    }

    /** Another process fills the channel table with RPCI channels it never closes. */
    public Builder fillChannelTable() {
      return event(new HostEvent.FillChannelTable());
    }

    /** Installs a named fault (replacing an installed fault of that name). */
    public Builder fault(String faultName, Fault fault) {
      return event(new HostEvent.InstallFault(faultName, fault));
    }

    /** Removes a named fault. */
    public Builder removeFault(String faultName) {
      return event(new HostEvent.RemoveFault(faultName));
    }
  }
}
