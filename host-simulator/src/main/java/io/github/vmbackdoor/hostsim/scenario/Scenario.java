package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.Fault;
import io.github.vmbackdoor.hostsim.Invalidation;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.rpc.GuestOsState;
import io.github.vmbackdoor.rpc.VmtFlavor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
  private final Optional<Integer> channelTableSize;
  private final boolean rejectUnsolicitedTcloReplies;
  private final boolean highBandwidth;
  private final boolean cookies;
  private final Optional<Duration> idleTimeout;
  private final Invalidation tcloTakeover;
  private final ImmutableList<ScenarioEvent> events;
  private final ImmutableList<String> comments;

  private Scenario(Builder b) {
    this.name = b.name;
    this.description = b.description;
    this.seed = b.seed;
    this.length = b.length;
    this.flavor = b.flavor;
    this.channelTableSize = b.channelTableSize;
    this.rejectUnsolicitedTcloReplies = b.rejectUnsolicitedTcloReplies;
    this.highBandwidth = b.highBandwidth;
    this.cookies = b.cookies;
    this.idleTimeout = b.idleTimeout;
    this.tcloTakeover = b.tcloTakeover;
    List<ScenarioEvent> sorted = new ArrayList<>(b.events);
    sorted.sort(Comparator.comparing(ScenarioEvent::at)); // stable: same time, declared order
    this.events = ImmutableList.copyOf(sorted);
    this.comments = ImmutableList.copyOf(b.comments);
  }

  /** A builder for a scenario of this name (letters, digits, '-', '_', '.'). */
  public static Builder named(String name) {
    return new Builder(name);
  }

  /** Reads the text form; errors name the line. */
  public static Scenario parse(String text) {
    return ScenarioText.parse(text);
  }

  /** Reads a scenario file. */
  public static Scenario read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8));
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

  /** The host's channel table size; empty for the host's default. */
  public Optional<Integer> channelTableSize() {
    return channelTableSize;
  }

  /** Whether the host rejects unsolicited TCLO replies. */
  public boolean rejectsUnsolicitedTcloReplies() {
    return rejectUnsolicitedTcloReplies;
  }

  /** Whether the host offers the high-bandwidth port. */
  public boolean highBandwidth() {
    return highBandwidth;
  }

  /** Whether the host accepts channels with cookies. */
  public boolean cookies() {
    return cookies;
  }

  /** The host's idle timeout, if any. */
  public Optional<Duration> idleTimeout() {
    return idleTimeout;
  }

  /** What happens to the older TCLO channel when a newer one opens. */
  public Invalidation tcloTakeover() {
    return tcloTakeover;
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
    b.channelTableSize = channelTableSize;
    b.rejectUnsolicitedTcloReplies = rejectUnsolicitedTcloReplies;
    b.highBandwidth = highBandwidth;
    b.cookies = cookies;
    b.idleTimeout = idleTimeout;
    b.tcloTakeover = tcloTakeover;
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
    Preconditions.checkNotNull(host, "host");
    Preconditions.checkNotNull(scheduler, "scheduler");
    Map<String, Fault> faults = new HashMap<>();
    for (ScenarioEvent e : events) {
      for (Duration t : e.occurrences(length)) {
        scheduler.accept(t, () -> e.apply(host, faults));
      }
    }
  }

  /** A host builder with this scenario's seed and policies. */
  VirtualHost.Builder configure(VirtualHost.Builder host) {
    host.seed(seed)
        .rejectUnsolicitedTcloReplies(rejectUnsolicitedTcloReplies)
        .highBandwidth(highBandwidth)
        .cookies(cookies)
        .tcloTakeover(tcloTakeover);
    channelTableSize.ifPresent(host::channelTableSize);
    idleTimeout.ifPresent(host::idleTimeout);
    return host;
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
        && channelTableSize.equals(s.channelTableSize)
        && rejectUnsolicitedTcloReplies == s.rejectUnsolicitedTcloReplies
        && highBandwidth == s.highBandwidth
        && cookies == s.cookies
        && idleTimeout.equals(s.idleTimeout)
        && tcloTakeover == s.tcloTakeover
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
    private Optional<Integer> channelTableSize = Optional.empty();
    private boolean rejectUnsolicitedTcloReplies;
    private boolean highBandwidth = true;
    private boolean cookies = true;
    private Optional<Duration> idleTimeout = Optional.empty();
    private Invalidation tcloTakeover = Invalidation.HOST_CLOSED;
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

    /** The host's channel table size (8 like old hosts). Default: the host's (128). */
    public Builder channelTableSize(int value) {
      Preconditions.checkArgument(value >= 1 && value <= 0x10000, "bad table size %s", value);
      this.channelTableSize = Optional.of(value);
      return this;
    }

    /** Whether the host rejects unsolicited TCLO replies. Default false. */
    public Builder rejectUnsolicitedTcloReplies(boolean value) {
      this.rejectUnsolicitedTcloReplies = value;
      return this;
    }

    /** Whether the host offers the high-bandwidth port. Default true. */
    public Builder highBandwidth(boolean value) {
      this.highBandwidth = value;
      return this;
    }

    /** Whether the host accepts cookies. Default true. */
    public Builder cookies(boolean value) {
      this.cookies = value;
      return this;
    }

    /** The host's idle timeout. Default none. */
    public Builder idleTimeout(Duration value) {
      Preconditions.checkArgument(value.compareTo(Duration.ZERO) > 0, "must be positive");
      this.idleTimeout = Optional.of(value);
      return this;
    }

    /** What happens to the older TCLO channel when a newer one opens. Default HOST_CLOSED. */
    public Builder tcloTakeover(Invalidation value) {
      this.tcloTakeover = Preconditions.checkNotNull(value);
      return this;
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

    private Builder add(
        ScenarioEvent.Kind kind,
        Invalidation invalidation,
        String argument,
        GuestOsState power,
        Fault fault) {
      builder.events.add(
          new ScenarioEvent(
              at, every, until, kind, invalidation, argument, power, fault, comments));
      return builder;
    }

    /** The host closes the guest's TCLO channel (a close from the guest is still accepted). */
    public Builder closeTclo() {
      return add(ScenarioEvent.Kind.CLOSE_TCLO, null, null, null, null);
    }

    /** The guest's TCLO channel is invalidated the given way. */
    public Builder invalidateTclo(Invalidation kind) {
      return add(
          ScenarioEvent.Kind.INVALIDATE_TCLO, Preconditions.checkNotNull(kind), null, null, null);
    }

    /** Every open channel is invalidated the given way. */
    public Builder invalidateAllChannels(Invalidation kind) {
      return add(
          ScenarioEvent.Kind.INVALIDATE_ALL, Preconditions.checkNotNull(kind), null, null, null);
    }

    /** A checkpoint (suspend and resume of the VM). */
    public Builder checkpoint() {
      return add(ScenarioEvent.Kind.CHECKPOINT, null, null, null, null);
    }

    /** A host reset. */
    public Builder hostReset() {
      return add(ScenarioEvent.Kind.HOST_RESET, null, null, null, null);
    }

    /** A host command queued on the TCLO channel. */
    public Builder sendTclo(String command) {
      Preconditions.checkArgument(
          !command.isBlank() && command.indexOf('\n') < 0, "bad TCLO command '%s'", command);
      return add(ScenarioEvent.Kind.SEND_TCLO, null, command, null, null);
    }

    /** A power operation. */
    public Builder power(GuestOsState operation) {
      return add(ScenarioEvent.Kind.POWER, null, null, Preconditions.checkNotNull(operation), null);
    }

    /** Another process opens a TCLO channel and never polls it. */
    public Builder competingTcloChannel() {
      return add(ScenarioEvent.Kind.COMPETING_TCLO, null, null, null, null);
    }

    /** Idle channels are closed now (needs an idle timeout). */
    public Builder expireIdleChannels() {
      return add(ScenarioEvent.Kind.EXPIRE_IDLE, null, null, null, null);
    }

    /** Another process fills the channel table with RPCI channels it never closes. */
    public Builder fillChannelTable() {
      return add(ScenarioEvent.Kind.FILL_CHANNEL_TABLE, null, null, null, null);
    }

    /** Installs a named fault (replacing an installed fault of that name). */
    public Builder fault(String faultName, Fault fault) {
      return add(
          ScenarioEvent.Kind.FAULT,
          null,
          checkFaultName(faultName),
          null,
          Preconditions.checkNotNull(fault));
    }

    /** Removes a named fault. */
    public Builder removeFault(String faultName) {
      return add(ScenarioEvent.Kind.REMOVE_FAULT, null, checkFaultName(faultName), null, null);
    }

    private static String checkFaultName(String faultName) {
      Preconditions.checkArgument(
          faultName.matches("[A-Za-z0-9._-]+"),
          "a fault name is letters, digits, '.', '_' and '-': '%s'",
          faultName);
      return faultName;
    }
  }
}
