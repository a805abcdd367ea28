package io.github.vmbackdoor.hostsim.reliability;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A seeded random fault schedule over a virtual hour: a host policy (channel table of 128 or 8,
 * strict or lenient about unsolicited TCLO replies, an idle timeout or none, the high-bandwidth
 * port offered or, one time in eight, not) and a timeline of host events and faults. An immutable
 * value; {@link #without(int)} drops one event (for shrinking).
 */
final class FaultSchedule {

  /** How long every run lasts. */
  static final Duration LENGTH = Duration.ofHours(1);

  /** Events fall in [FIRST, LAST). */
  static final Duration FIRST = Duration.ofMinutes(1);

  static final Duration LAST = Duration.ofMinutes(50);

  /** How long an installed fault waits for its first matching call. */
  static final Duration FAULT_WINDOW = Duration.ofSeconds(30);

  /** What one event does. */
  enum Kind {
    /** The host closes the active TCLO channel (calls answer CLOSED). */
    CLOSE_TCLO,
    /** The host discards the active TCLO channel's cookies (calls, close too, answer 0). */
    DISCARD_TCLO,
    /** The host closes every channel. */
    CLOSE_ALL,
    /** The host discards every channel. */
    DISCARD_ALL,
    /** A checkpoint (suspend and resume) between calls. */
    CHECKPOINT,
    /** A checkpoint that cancels the next call of one step on one protocol. */
    CHECKPOINT_AT_STEP,
    /** The host refuses the next CLOSE on one protocol. */
    FAILED_CLOSE,
    /**
     * A reply is lost: the guest's TCLO reply (SENDSIZE or HB out refused) or the host's RPCI reply
     * (RECVSIZE, HB in or RECVSTATUS refused).
     */
    LOST_REPLY,
    /** The host queues "reset" first. */
    HOST_RESET,
    /** Another guest process opens a TCLO channel and never polls it. */
    SECOND_TCLO_USER,
    /** One guest call takes {@link Event#delay()} (long enough to hit the idle timeout if any). */
    STALL,
    /** The host asks for a power operation; its state-change status must arrive. */
    POWER_OPERATION
  }

  /** One event of the timeline. */
  record Event(
      Duration at, Kind kind, int protocol, Step step, Duration delay, GuestOsState operation) {

    /** When the event's effect can last happen: the end of a fault's window, plus a stall. */
    Duration lastEffect() {
      switch (kind) {
        case CHECKPOINT_AT_STEP:
        case FAILED_CLOSE:
        case LOST_REPLY:
          return at.plus(FAULT_WINDOW);
        case STALL:
          return at.plus(FAULT_WINDOW).plus(delay);
        default:
          return at;
      }
    }

    boolean isFault() {
      return kind != Kind.POWER_OPERATION;
    }

    /** Puts the event on the host and the simulation. */
    void apply(VirtualHost host, Simulation sim, List<Integer> competingChannels) {
      Fault.Builder fault = Fault.builder().between(at, at.plus(FAULT_WINDOW)).nth(1);
      switch (kind) {
        case CLOSE_TCLO:
          at(
              sim,
              () ->
                  host.records()
                      .activeTcloChannel()
                      .ifPresent(id -> host.invalidateChannel(id, Invalidation.HOST_CLOSED)));
          break;
        case DISCARD_TCLO:
          at(
              sim,
              () ->
                  host.records()
                      .activeTcloChannel()
                      .ifPresent(id -> host.invalidateChannel(id, Invalidation.COOKIES_INVALID)));
          break;
        case CLOSE_ALL:
          at(sim, () -> host.invalidateAllChannels(Invalidation.HOST_CLOSED));
          break;
        case DISCARD_ALL:
          at(sim, () -> host.invalidateAllChannels(Invalidation.COOKIES_INVALID));
          break;
        case CHECKPOINT:
          at(sim, host::checkpoint);
          break;
        case CHECKPOINT_AT_STEP:
          host.installFault(fault.protocol(protocol).step(step).checkpoint().build());
          break;
        case FAILED_CLOSE:
        case LOST_REPLY:
          host.installFault(fault.protocol(protocol).step(step).clearSuccess().build());
          break;
        case HOST_RESET:
          at(sim, host::hostReset);
          break;
        case SECOND_TCLO_USER:
          at(sim, () -> competingChannels.add(host.openCompetingTcloChannel()));
          break;
        case STALL:
          host.installFault(fault.protocol(protocol).step(step).delay(delay).build());
          break;
        case POWER_OPERATION:
          at(sim, () -> host.requestPowerOperation(operation));
          break;
        default:
          throw new AssertionError(kind);
      }
    }

    private void at(Simulation sim, Runnable action) {
      sim.schedule(at, action);
    }

    @Override
    public String toString() {
      StringBuilder s =
          new StringBuilder(String.format("%9.3f s  %s", at.toMillis() / 1000.0, kind));
      switch (kind) {
        case CHECKPOINT_AT_STEP:
        case FAILED_CLOSE:
        case LOST_REPLY:
          s.append(' ').append(BackdoorProtocol.protocolName(protocol)).append(' ').append(step);
          break;
        case STALL:
          s.append(' ')
              .append(BackdoorProtocol.protocolName(protocol))
              .append(' ')
              .append(step)
              .append(" for ")
              .append(delay.toMillis() / 1000.0)
              .append(" s");
          break;
        case POWER_OPERATION:
          s.append(' ').append(operation);
          break;
        default:
          break;
      }
      return s.toString();
    }
  }

  /** The host's policies for one schedule. */
  record HostPolicy(
      int channelTableSize,
      boolean rejectUnsolicitedTcloReplies,
      Optional<Duration> idleTimeout,
      boolean highBandwidth) {

    HostPolicy(
        int channelTableSize,
        boolean rejectUnsolicitedTcloReplies,
        Optional<Duration> idleTimeout) {
      this(channelTableSize, rejectUnsolicitedTcloReplies, idleTimeout, true);
    }

    VirtualHostBuilder configure(VirtualHostBuilder b) {
      b.channelTableSize(channelTableSize)
          .rejectUnsolicitedTcloReplies(rejectUnsolicitedTcloReplies)
          .highBandwidth(highBandwidth);
      idleTimeout.ifPresent(b::idleTimeout);
      return b;
    }

    @Override
    public String toString() {
      return channelTableSize
          + " channels, "
          + (rejectUnsolicitedTcloReplies ? "rejects" : "accepts")
          + " unsolicited TCLO replies, idle timeout "
          + idleTimeout.map(d -> d.toSeconds() + " s").orElse("none")
          + (highBandwidth ? "" : ", no high-bandwidth port");
    }
  }

  private static final Step[] TCLO_STEPS = {
    Step.SENDSIZE,
    Step.SEND_HB,
    Step.SENDPAYLOAD,
    Step.RECVSIZE,
    Step.RECV_HB,
    Step.RECVPAYLOAD,
    Step.RECVSTATUS,
    Step.CLOSE
  };
  private static final Step[] RPCI_STEPS = {
    Step.OPEN,
    Step.SENDSIZE,
    Step.SEND_HB,
    Step.SENDPAYLOAD,
    Step.RECVSIZE,
    Step.RECV_HB,
    Step.RECVPAYLOAD,
    Step.RECVSTATUS,
    Step.CLOSE
  };
  private static final Step[] TCLO_REPLY_STEPS = {Step.SENDSIZE, Step.SEND_HB, Step.SENDPAYLOAD};
  private static final Step[] RPCI_REPLY_STEPS = {
    Step.RECVSIZE, Step.RECV_HB, Step.RECVPAYLOAD, Step.RECVSTATUS
  };
  private static final Kind[] FAULT_KINDS = {
    Kind.CLOSE_TCLO,
    Kind.DISCARD_TCLO,
    Kind.CLOSE_ALL,
    Kind.DISCARD_ALL,
    Kind.CHECKPOINT,
    Kind.CHECKPOINT_AT_STEP,
    Kind.FAILED_CLOSE,
    Kind.LOST_REPLY,
    Kind.HOST_RESET,
    Kind.SECOND_TCLO_USER,
    Kind.STALL
  };

  private final long seed;
  private final HostPolicy policy;
  private final ImmutableList<Event> events;

  FaultSchedule(long seed, HostPolicy policy, List<Event> events) {
    this.seed = seed;
    this.policy = policy;
    this.events = ImmutableList.sortedCopyOf(Comparator.comparing(Event::at), events);
  }

  long seed() {
    return seed;
  }

  HostPolicy policy() {
    return policy;
  }

  ImmutableList<Event> events() {
    return events;
  }

  /** The same schedule without event {@code index}. */
  FaultSchedule without(int index) {
    List<Event> l = new ArrayList<>(events);
    l.remove(index);
    return new FaultSchedule(seed, policy, l);
  }

  /** When the last fault can last take effect; zero when there is none. */
  Duration lastFaultEffect() {
    return events.stream()
        .filter(Event::isFault)
        .map(Event::lastEffect)
        .max(Comparator.naturalOrder())
        .orElse(Duration.ZERO);
  }

  /** The schedule drawn from {@code seed}: 1 to 12 faults and 0 to 3 power operations. */
  static FaultSchedule generate(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Optional<Duration> idleTimeout =
        r.nextInt(2) == 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(10 + r.nextInt(171)));
    HostPolicy policy =
        new HostPolicy(
            r.nextInt(4) == 0 ? BackdoorProtocol.MAX_CHANNELS_OLD : BackdoorProtocol.MAX_CHANNELS,
            r.nextBoolean(),
            idleTimeout,
            r.nextInt(8) != 0);
    List<Event> events = new ArrayList<>();
    int faults = 1 + r.nextInt(12);
    for (int i = 0; i < faults; i++) {
      Duration at = randomTime(r);
      Kind kind = FAULT_KINDS[r.nextInt(FAULT_KINDS.length)];
      int protocol = r.nextBoolean() ? PROTOCOL_TCLO : PROTOCOL_RPCI;
      Step step = null;
      Duration delay = Duration.ZERO;
      switch (kind) {
        case CHECKPOINT_AT_STEP:
          step = pick(r, protocol == PROTOCOL_TCLO ? TCLO_STEPS : RPCI_STEPS);
          break;
        case FAILED_CLOSE:
          step = Step.CLOSE;
          break;
        case LOST_REPLY:
          step = pick(r, protocol == PROTOCOL_TCLO ? TCLO_REPLY_STEPS : RPCI_REPLY_STEPS);
          break;
        case STALL:
          step = pick(r, protocol == PROTOCOL_TCLO ? TCLO_STEPS : RPCI_STEPS);
          delay = idleTimeout.orElse(Duration.ZERO).plusMillis(1 + r.nextInt(30_000));
          break;
        default:
          protocol = 0;
          break;
      }
      if (protocol == PROTOCOL_RPCI && r.nextBoolean()) {
        // RPCI traffic follows host commands: put a command right behind the RPCI fault.
        Duration then = at.plusMillis(r.nextInt(3000));
        events.add(
            r.nextBoolean()
                ? new Event(then, Kind.HOST_RESET, 0, null, Duration.ZERO, null)
                : new Event(then, Kind.POWER_OPERATION, 0, null, Duration.ZERO, randomOp(r)));
      }
      events.add(new Event(at, kind, protocol, step, delay, null));
    }
    int operations = r.nextInt(4);
    for (int i = 0; i < operations; i++) {
      events.add(
          new Event(randomTime(r), Kind.POWER_OPERATION, 0, null, Duration.ZERO, randomOp(r)));
    }
    return new FaultSchedule(seed, policy, events);
  }

  private static Duration randomTime(SplittableRandom r) {
    long span = LAST.minus(FIRST).toMillis();
    long ms = FIRST.toMillis() + r.nextLong(span);
    // Half of the events land exactly on a whole second, where the machines' ticks are.
    return Duration.ofMillis(r.nextBoolean() ? ms - ms % 1000 : ms);
  }

  private static GuestOsState randomOp(SplittableRandom r) {
    GuestOsState[] ops = GuestOsState.values();
    return ops[r.nextInt(ops.length)];
  }

  private static <T> T pick(SplittableRandom r, T[] values) {
    return values[r.nextInt(values.length)];
  }

  @Override
  public String toString() {
    StringBuilder s =
        new StringBuilder("schedule seed ").append(seed).append(" (").append(policy).append("):");
    for (Event e : events) {
      s.append("\n  ").append(e);
    }
    return s.toString();
  }
}
