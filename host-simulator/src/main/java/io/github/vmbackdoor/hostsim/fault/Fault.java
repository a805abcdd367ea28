package io.github.vmbackdoor.hostsim.fault;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.internal.KebabCase;
import io.github.vmbackdoor.hostsim.time.Simulation;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A fault applied at the host's port: which message-layer calls it matches, and what the host does
 * to them instead of (or besides) answering normally.
 *
 * <p>An immutable value; install it with {@link
 * io.github.vmbackdoor.hostsim.VirtualHost#installFault(Fault)}. The host keeps the per-fault count
 * of matching calls, so the same value can be installed on several hosts.
 *
 * <p>Matching (every criterion that is set must hold): the channel's protocol (for OPEN: the
 * protocol asked for), the channel id, the message step (the sub-command, or {@link
 * Step#SEND_HB}/{@link Step#RECV_HB} for the high-bandwidth transfers), the host time window {@code
 * [from, until)} measured since the host was built, then the occurrence: with {@link
 * Builder#nth(int) nth(n)} only the n-th matching call is hit (counting from 1), without it every
 * matching call is. Last, a probability below 1 draws from the host's seeded random source, so runs
 * repeat.
 *
 * <p>Actions ({@link FaultAction}, one record each):
 *
 * <ul>
 *   <li>{@link FaultAction.ClearSuccess}: the host does not act on the call and answers without
 *       SUCCESS (status 0); the channel's state is unchanged;
 *   <li>{@link FaultAction.Checkpoint}: as if a checkpoint cancelled the operation in progress on
 *       the channel: the operation is abandoned (a message being received stays available) and the
 *       call answers CPT without SUCCESS; at SENDSIZE or RECVSIZE, which never answer CPT, the call
 *       is served and the operation it starts is cancelled (its next step answers CPT);
 *   <li>{@link FaultAction.CloseChannel}: the host closes the channel ({@link
 *       Invalidation#HOST_CLOSED}); the call answers CLOSED without SUCCESS;
 *   <li>{@link FaultAction.DropChannel}: the host forgets the channel ({@link
 *       Invalidation#COOKIES_INVALID}); the call answers status 0;
 *   <li>{@link FaultAction.CorruptPayload}: the call is served, but the first payload byte it moves
 *       (SENDPAYLOAD, RECVPAYLOAD, HB in or out) is inverted (xor 0xFF);
 *   <li>{@link FaultAction.Delay}: the call is served and takes the delay's extra virtual time (the
 *       host's delayer is told; with a {@link Simulation} the clock moves on);
 *   <li>a {@link FaultAction.Custom} action: whatever it makes of the call.
 * </ul>
 *
 * <p>At OPEN there is no channel yet: an action that refuses the call refuses the OPEN with its
 * status, one that only corrupts does nothing, a delay delays it.
 */
public final class Fault {

  private final OptionalInt protocol;
  private final OptionalInt channelId;
  private final Optional<Step> step;
  private final int nth;
  private final Duration from;
  private final Optional<Duration> until;
  private final double probability;
  private final FaultAction action;

  private Fault(Builder b) {
    this.protocol = b.protocol;
    this.channelId = b.channelId;
    this.step = b.step;
    this.nth = b.nth;
    this.from = b.from;
    this.until = b.until;
    this.probability = b.probability;
    this.action = b.action;
  }

  /** A new builder: matches every message call until narrowed; an action must be chosen. */
  public static Builder builder() {
    return new Builder();
  }

  /** The protocol matched, if narrowed. */
  public OptionalInt protocol() {
    return protocol;
  }

  /** The channel id matched, if narrowed. */
  public OptionalInt channelId() {
    return channelId;
  }

  /** The step matched, if narrowed. */
  public Optional<Step> step() {
    return step;
  }

  /** The matching occurrence hit (from 1), or 0 for every matching call. */
  public int nth() {
    return nth;
  }

  /** Start of the host-time window (inclusive). */
  public Duration from() {
    return from;
  }

  /** End of the host-time window (exclusive), if bounded. */
  public Optional<Duration> until() {
    return until;
  }

  /** Probability that a call which matches everything else is hit. */
  public double probability() {
    return probability;
  }

  /** What the host does. */
  public FaultAction action() {
    return action;
  }

  /** Whether the call matches every criterion but occurrence and probability. */
  public boolean matches(int callProtocol, int callChannel, Step callStep, Duration at) {
    if (protocol.isPresent() && protocol.getAsInt() != callProtocol) {
      return false;
    }
    if (channelId.isPresent() && channelId.getAsInt() != callChannel) {
      return false;
    }
    if (step.isPresent() && step.get() != callStep) {
      return false;
    }
    if (at.compareTo(from) < 0) {
      return false;
    }
    return until.isEmpty() || at.compareTo(until.get()) < 0;
  }

  /** The fault actions a text form may name: {@code scenario.Extensions} is the registry's. */
  public interface Actions {
    /** The keywords known, in order. */
    List<String> faultKeywords();

    /**
     * The action {@code keyword} names, with {@code parameter} (empty: none given).
     *
     * @throws IllegalArgumentException naming the known keywords when none matches
     */
    FaultAction faultAction(String keyword, String parameter);
  }

  /**
   * The text form, as a scenario's {@code fault NAME} line writes it after the name: the match
   * words, then the action ({@link FaultAction#text()}); {@link #parse} reads it back.
   */
  public String text() {
    Fault f = this;
    StringBuilder b = new StringBuilder();
    f.protocol()
        .ifPresent(
            p ->
                b.append(" protocol=")
                    .append(
                        p == BackdoorProtocol.PROTOCOL_TCLO
                            ? "tclo"
                            : p == BackdoorProtocol.PROTOCOL_RPCI
                                ? "rpci"
                                : "0x" + Integer.toHexString(p)));
    f.channelId().ifPresent(c -> b.append(" channel=").append(c));
    f.step().ifPresent(s -> b.append(" step=").append(KebabCase.of(s)));
    if (f.nth() > 0) {
      b.append(" nth=").append(f.nth());
    }
    if (!f.from().isZero()) {
      b.append(" from=").append(Durations.format(f.from()));
    }
    f.until().ifPresent(u -> b.append(" until=").append(Durations.format(u)));
    if (f.probability() < 1.0) {
      b.append(" probability=").append(f.probability());
    }
    return b.append(' ').append(f.action().text()).substring(1);
  }

  /**
   * Reads the text form ({@link #text()}): match words ({@code protocol=rpci|tclo}, {@code
   * channel=N}, {@code step=STEP}, {@code nth=N}, {@code from=DURATION}, {@code until=DURATION},
   * {@code probability=P}) and one action, {@code KEYWORD} or {@code KEYWORD=PARAMETER}, that
   * {@code actions} knows.
   *
   * @throws IllegalArgumentException with a one-line message when a word is wrong
   */
  public static Fault parse(List<String> words, Actions actions) {
    Builder f = builder();
    Optional<Duration> from = Optional.empty();
    Optional<Duration> until = Optional.empty();
    boolean action = false;
    for (String w : words) {
      int eq = w.indexOf('=');
      String key = eq < 0 ? w : w.substring(0, eq);
      String value = eq < 0 ? "" : w.substring(eq + 1);
      switch (key) {
        case "protocol":
          if (value.equals("rpci")) {
            f.protocol(BackdoorProtocol.PROTOCOL_RPCI);
          } else if (value.equals("tclo")) {
            f.protocol(BackdoorProtocol.PROTOCOL_TCLO);
          } else {
            throw new IllegalArgumentException("protocol is rpci or tclo, not '" + value + "'");
          }
          break;
        case "channel":
          f.channel(Integer.parseInt(value));
          break;
        case "step":
          f.step(KebabCase.parse(Step.class, value));
          break;
        case "nth":
          f.nth(Integer.parseInt(value));
          break;
        case "from":
          from = Optional.of(Durations.parse(value));
          break;
        case "until":
          until = Optional.of(Durations.parse(value));
          break;
        case "probability":
          f.probability(Double.parseDouble(value));
          break;
        default:
          if (eq >= 0 && !actions.faultKeywords().contains(key)) {
            throw new IllegalArgumentException("unknown fault setting '" + key + "'");
          }
          f.action(actions.faultAction(key, value));
          action = true;
          break;
      }
    }
    if (!action) {
      throw new IllegalArgumentException(
          "the fault has no action (" + String.join(", ", actions.faultKeywords()) + ")");
    }
    if (until.isPresent()) {
      f.between(from.orElse(Duration.ZERO), until.get());
    } else {
      from.ifPresent(f::after);
    }
    return f.build();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("Fault{").append(action.describe());
    protocol.ifPresent(p -> b.append(" protocol=").append(BackdoorProtocol.protocolName(p)));
    channelId.ifPresent(c -> b.append(" channel=").append(c));
    step.ifPresent(s -> b.append(" step=").append(s));
    if (nth > 0) {
      b.append(" nth=").append(nth);
    }
    if (!from.isZero() || until.isPresent()) {
      b.append(" window=[")
          .append(from)
          .append(", ")
          .append(until.map(Duration::toString).orElse(""))
          .append(')');
    }
    if (probability < 1.0) {
      b.append(" p=").append(probability);
    }
    return b.append('}').toString();
  }

  /** Builds a {@link Fault}. */
  public static final class Builder {
    private OptionalInt protocol = OptionalInt.empty();
    private OptionalInt channelId = OptionalInt.empty();
    private Optional<Step> step = Optional.empty();
    private int nth;
    private Duration from = Duration.ZERO;
    private Optional<Duration> until = Optional.empty();
    private double probability = 1.0;
    private FaultAction action;

    private Builder() {}

    /** Match only channels of this protocol ({@code PROTOCOL_RPCI} or {@code PROTOCOL_TCLO}). */
    public Builder protocol(int protocol) {
      this.protocol = OptionalInt.of(protocol & ~BackdoorProtocol.FLAG_COOKIE);
      return this;
    }

    /** Match only calls addressed to this channel id. */
    public Builder channel(int id) {
      Preconditions.checkArgument(id >= 0 && id <= 0xFFFF, "channel id out of range: %s", id);
      this.channelId = OptionalInt.of(id);
      return this;
    }

    /** Match only this message step. */
    public Builder step(Step step) {
      this.step = Optional.of(Preconditions.checkNotNull(step, "step"));
      return this;
    }

    /** Hit only the n-th matching call (from 1). */
    public Builder nth(int n) {
      Preconditions.checkArgument(n >= 1, "n must be >= 1: %s", n);
      this.nth = n;
      return this;
    }

    /** Match only calls at host times in {@code [from, until)}. */
    public Builder between(Duration from, Duration until) {
      Preconditions.checkArgument(
          !from.isNegative() && until.compareTo(from) >= 0, "bad window [%s, %s)", from, until);
      this.from = from;
      this.until = Optional.of(until);
      return this;
    }

    /** Match only calls at host times from {@code from} on. */
    public Builder after(Duration from) {
      Preconditions.checkArgument(!from.isNegative(), "bad start %s", from);
      this.from = from;
      return this;
    }

    /** Hit a matching call only with this probability (drawn from the host's seeded source). */
    public Builder probability(double p) {
      Preconditions.checkArgument(p >= 0.0 && p <= 1.0, "probability out of [0, 1]: %s", p);
      this.probability = p;
      return this;
    }

    /** Answer without SUCCESS. */
    public Builder clearSuccess() {
      return action(new FaultAction.ClearSuccess());
    }

    /** Answer CPT without SUCCESS, cancelling the operation in progress. */
    public Builder checkpoint() {
      return action(new FaultAction.Checkpoint());
    }

    /** Close the channel host-side and answer CLOSED. */
    public Builder closeChannel() {
      return action(new FaultAction.CloseChannel());
    }

    /** Forget the channel. */
    public Builder dropChannel() {
      return action(new FaultAction.DropChannel());
    }

    /** Invert the first payload byte the call moves. */
    public Builder corruptPayload() {
      return action(new FaultAction.CorruptPayload());
    }

    /** Serve the call but let it take {@code delay} of virtual time. */
    public Builder delay(Duration delay) {
      return action(new FaultAction.Delay(delay));
    }

    /** Sets the action directly: a built-in one or a {@link FaultAction.Custom} one. */
    public Builder action(FaultAction action) {
      this.action = Preconditions.checkNotNull(action, "action");
      return this;
    }

    /** The fault; an action must have been chosen. */
    public Fault build() {
      Preconditions.checkState(action != null, "no action chosen");
      return new Fault(this);
    }
  }
}
