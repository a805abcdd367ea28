package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.Fault;
import io.github.vmbackdoor.hostsim.Invalidation;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of a scenario's timeline: a host event or a fault, when it happens (once at {@link
 * #at()}, or every {@link #every()} from {@link #at()} until {@link #until()} or the end of the
 * run), and the comments that explain it. An immutable value.
 */
public final class ScenarioEvent {

  /** What the host does. */
  public enum Kind {
    /** The host closes the guest's active TCLO channel (HOST_CLOSED; a close is accepted). */
    CLOSE_TCLO("close-tclo"),
    /** The guest's active TCLO channel is invalidated the given way. */
    INVALIDATE_TCLO("invalidate-tclo"),
    /** Every open channel is invalidated the given way. */
    INVALIDATE_ALL("invalidate-all"),
    /** A checkpoint (suspend/resume, snapshot): operations in flight answer CPT. */
    CHECKPOINT("checkpoint"),
    /** A host reset: "reset" goes to the front of the TCLO queue. */
    HOST_RESET("host-reset"),
    /** A host command queued for the TCLO channel. */
    SEND_TCLO("tclo"),
    /** A power operation's TCLO command, tracked by the host. */
    POWER("power"),
    /** Another guest process opens a TCLO channel and never polls it. */
    COMPETING_TCLO("competing-tclo"),
    /** Channels idle longer than the idle timeout are closed now. */
    EXPIRE_IDLE("expire-idle"),
    /** Another guest process opens RPCI channels and never closes them, until the table is full. */
    FILL_CHANNEL_TABLE("fill-channel-table"),
    /** A named fault is installed (replacing one of the same name). */
    FAULT("fault"),
    /** A named fault is removed. */
    REMOVE_FAULT("remove-fault");

    private final String keyword;

    Kind(String keyword) {
      this.keyword = keyword;
    }

    /** The keyword of the text form. */
    public String keyword() {
      return keyword;
    }
  }

  private final Duration at;
  private final Optional<Duration> every;
  private final Optional<Duration> until;
  private final Kind kind;
  private final Invalidation invalidation;
  private final String argument;
  private final GuestOsState power;
  private final Fault fault;
  private final ImmutableList<String> comments;

  ScenarioEvent(
      Duration at,
      Optional<Duration> every,
      Optional<Duration> until,
      Kind kind,
      Invalidation invalidation,
      String argument,
      GuestOsState power,
      Fault fault,
      List<String> comments) {
    Preconditions.checkArgument(!at.isNegative(), "negative time %s", at);
    every.ifPresent(
        p ->
            Preconditions.checkArgument(
                p.compareTo(Duration.ZERO) > 0, "the period must be positive: %s", p));
    until.ifPresent(
        u ->
            Preconditions.checkArgument(
                u.compareTo(at) >= 0, "until %s is before the first occurrence %s", u, at));
    this.at = at;
    this.every = every;
    this.until = until;
    this.kind = Preconditions.checkNotNull(kind);
    this.invalidation = invalidation;
    this.argument = argument;
    this.power = power;
    this.fault = fault;
    this.comments = ImmutableList.copyOf(comments);
  }

  /** The (first) time it happens, since the start of the run. */
  public Duration at() {
    return at;
  }

  /** The period of a repeated event; empty for a single one. */
  public Optional<Duration> every() {
    return every;
  }

  /** The end (exclusive) of a repeated event's repetitions; empty for the end of the run. */
  public Optional<Duration> until() {
    return until;
  }

  /** What the host does. */
  public Kind kind() {
    return kind;
  }

  /** The comment lines that explain the event (written before it in the text form). */
  public ImmutableList<String> comments() {
    return comments;
  }

  /** The fault of a {@link Kind#FAULT} event. */
  public Optional<Fault> fault() {
    return Optional.ofNullable(fault);
  }

  /**
   * The fault name of {@link Kind#FAULT} and {@link Kind#REMOVE_FAULT}, the command of {@link
   * Kind#SEND_TCLO}.
   */
  public Optional<String> argument() {
    return Optional.ofNullable(argument);
  }

  /** The action in the text form, e.g. {@code host-reset} or {@code tclo OS_Suspend}. */
  public String action() {
    return ScenarioText.action(this);
  }

  Invalidation invalidation() {
    return invalidation;
  }

  GuestOsState power() {
    return power;
  }

  /** This event with another comment list. */
  ScenarioEvent withComments(List<String> newComments) {
    return new ScenarioEvent(
        at, every, until, kind, invalidation, argument, power, fault, newComments);
  }

  /** The times it happens before {@code end}, in order. */
  public List<Duration> occurrences(Duration end) {
    List<Duration> times = new ArrayList<>();
    if (every.isEmpty()) {
      if (at.compareTo(end) < 0) {
        times.add(at);
      }
      return times;
    }
    Duration stop = until.filter(u -> u.compareTo(end) < 0).orElse(end);
    for (Duration t = at; t.compareTo(stop) < 0; t = t.plus(every.get())) {
      times.add(t);
    }
    return times;
  }

  /** Does it to the host; {@code faults} holds the installed named faults. */
  void apply(VirtualHost host, Map<String, Fault> faults) {
    switch (kind) {
      case CLOSE_TCLO:
        host.activeTcloChannel()
            .ifPresent(id -> host.invalidateChannel(id, Invalidation.HOST_CLOSED));
        break;
      case INVALIDATE_TCLO:
        host.activeTcloChannel().ifPresent(id -> host.invalidateChannel(id, invalidation));
        break;
      case INVALIDATE_ALL:
        host.invalidateAllChannels(invalidation);
        break;
      case CHECKPOINT:
        host.checkpoint();
        break;
      case HOST_RESET:
        host.hostReset();
        break;
      case SEND_TCLO:
        host.enqueueTclo(argument);
        break;
      case POWER:
        host.requestPowerOperation(power);
        break;
      case COMPETING_TCLO:
        host.openCompetingTcloChannel();
        break;
      case EXPIRE_IDLE:
        host.expireIdleChannels();
        break;
      case FILL_CHANNEL_TABLE:
        fillChannelTable(host);
        break;
      case FAULT:
        Fault old = faults.put(argument, fault);
        if (old != null) {
          host.removeFault(old);
        }
        host.installFault(fault);
        break;
      case REMOVE_FAULT:
        Fault removed = faults.remove(argument);
        if (removed != null) {
          host.removeFault(removed);
        }
        break;
      default:
        throw new AssertionError(kind);
    }
  }

  private static void fillChannelTable(VirtualHost host) {
    for (int i = 0; i < host.channelTableSize(); i++) {
      try {
        MessageChannel.open(host.backdoor(), BackdoorProtocol.PROTOCOL_RPCI);
      } catch (MessageException full) {
        return;
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ScenarioEvent)) {
      return false;
    }
    ScenarioEvent e = (ScenarioEvent) o;
    return at.equals(e.at)
        && every.equals(e.every)
        && until.equals(e.until)
        && action().equals(e.action())
        && comments.equals(e.comments);
  }

  @Override
  public int hashCode() {
    return Objects.hash(at, every, until, action(), comments);
  }

  @Override
  public String toString() {
    return ScenarioText.timing(this) + " " + action();
  }
}
