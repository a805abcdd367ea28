package io.github.vmbackdoor.hostsim.fault;

import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CLOSED;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.internal.KebabCase;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the host does to a call a {@link Fault} hits: one record per action, each carrying its own
 * behaviour in {@link #apply(Call)}.
 *
 * <p>The host applies the action at one point per call, before it serves the call: the action tells
 * the {@link Call} what to do (refuse it with a status, cancel the operation in progress, close or
 * drop the channel, corrupt the payload, take extra time), and the host then answers accordingly.
 *
 * <p>Each action owns its words: its {@link #keyword()}, the text of its parameter ({@link
 * #parameter()}) and how a parameter is read ({@link #withParameter(String)}); scenario text writes
 * an action as {@code KEYWORD} or {@code KEYWORD=PARAMETER} ({@link #text()}).
 *
 * <p><b>Adding a fault kind</b> is one class: implement {@link Custom} (the built-in actions are
 * sealed) with a public no-argument constructor, its {@link #name()}, {@link #apply(Call)} made of
 * {@link Call}'s operations and, when it takes a parameter, {@link #parameter()} and {@link
 * #withParameter(String)}; list the class in {@code
 * META-INF/services/io.github.vmbackdoor.hostsim.fault.FaultAction}. Scenario files, the admin API
 * and {@code ctl} then know it by its keyword ({@code Extensions} in the scenario package finds
 * it). {@code Fault.builder().action(new MyAction())} takes it in Java, registered or not.
 */
public sealed interface FaultAction
    permits FaultAction.ClearSuccess,
        FaultAction.Checkpoint,
        FaultAction.CloseChannel,
        FaultAction.DropChannel,
        FaultAction.CorruptPayload,
        FaultAction.Delay,
        FaultAction.Custom {

  /**
   * The built-in actions, in their documented order, each with its parameter at its default: the
   * prototypes {@link #withParameter(String)} makes the others from.
   */
  List<FaultAction> BUILT_IN =
      List.of(
          new ClearSuccess(),
          new Checkpoint(),
          new CloseChannel(),
          new DropChannel(),
          new CorruptPayload(),
          new Delay(Duration.ZERO));

  /** The scenario-text keywords of the built-in actions, in their documented order. */
  List<String> KEYWORDS = BUILT_IN.stream().map(FaultAction::keyword).toList();

  /** The action's name in call-log notes and {@link Fault#toString()}, e.g. {@code DELAY}. */
  String name();

  /** Does to {@code call} what this action does. */
  void apply(Call call);

  /** The action in {@link Fault#toString()}: its name, and its parameter if it has one. */
  default String describe() {
    return name();
  }

  /** The action's scenario-text keyword, e.g. {@code clear-success}. */
  default String keyword() {
    return KebabCase.of(name());
  }

  /**
   * The text of the action's parameter, as {@link #withParameter(String)} reads it back; empty for
   * an action that takes none.
   */
  default String parameter() {
    return "";
  }

  /**
   * The action of this kind that {@code text} gives as its parameter (empty: none given). An action
   * that takes no parameter returns itself for an empty text.
   *
   * @throws IllegalArgumentException with a one-line message when the text is not a parameter of
   *     this kind
   */
  default FaultAction withParameter(String text) {
    Preconditions.checkArgument(text.isEmpty(), "'%s' takes no value", keyword());
    return this;
  }

  /** The scenario-text form: {@code KEYWORD} or {@code KEYWORD=PARAMETER}. */
  default String text() {
    String p = parameter();
    return p.isEmpty() ? keyword() : keyword() + "=" + p;
  }

  /** The built-in action a scenario keyword names ({@code delay} alone is a zero delay), if any. */
  static Optional<FaultAction> ofKeyword(String keyword) {
    return BUILT_IN.stream().filter(a -> a.keyword().equals(keyword)).findFirst();
  }

  /**
   * The call a fault hit, as an action sees it: what it is, and what the action may make the host
   * do to it. At OPEN there is no channel yet: the channel operations do nothing, and a refusal
   * answers the OPEN with the status.
   */
  interface Call {
    /** The call's message step (OPEN, a sub-command, or an HB transfer). */
    Step step();

    /**
     * The host does not serve the call and answers {@code status} (without SUCCESS unless given);
     * {@code what} says in the call log what became of it, e.g. {@code refused}.
     */
    void refuse(int status, String what);

    /** Abandons the send or receive in progress (a message being received stays available). */
    void cancelOperation();

    /** Serves the call, then cancels the operation it starts: its next step answers CPT. */
    void cancelOperationAfterServing();

    /** Closes the channel host-side ({@link Invalidation#HOST_CLOSED}). */
    void closeChannel();

    /** Forgets the channel ({@link Invalidation#COOKIES_INVALID}). */
    void dropChannel();

    /** Inverts the first payload byte the call moves (xor 0xFF). */
    void corruptPayload();

    /** The call takes {@code extra} virtual time. */
    void delay(Duration extra);
  }

  /** Answer without SUCCESS (status 0); the channel's state is unchanged. */
  record ClearSuccess() implements FaultAction {
    @Override
    public String name() {
      return "CLEAR_SUCCESS";
    }

    @Override
    public void apply(Call call) {
      call.refuse(0, "refused");
    }
  }

  /**
   * As if a checkpoint cancelled the operation in progress: answer CPT without SUCCESS. SENDSIZE
   * and RECVSIZE never answer CPT: they are served and the operation they start is cancelled.
   */
  record Checkpoint() implements FaultAction {
    @Override
    public String name() {
      return "CHECKPOINT";
    }

    @Override
    public void apply(Call call) {
      if (call.step() == Step.SENDSIZE || call.step() == Step.RECVSIZE) {
        call.cancelOperationAfterServing();
      } else {
        call.cancelOperation();
        call.refuse(STATUS_CPT, "cancelled");
      }
    }
  }

  /** Close the channel host-side and answer CLOSED without SUCCESS. */
  record CloseChannel() implements FaultAction {
    @Override
    public String name() {
      return "CLOSE_CHANNEL";
    }

    @Override
    public void apply(Call call) {
      call.closeChannel();
      call.refuse(STATUS_CLOSED, "closed by host");
    }
  }

  /** Forget the channel and answer status 0. */
  record DropChannel() implements FaultAction {
    @Override
    public String name() {
      return "DROP_CHANNEL";
    }

    @Override
    public void apply(Call call) {
      call.dropChannel();
      call.refuse(0, "dropped");
    }
  }

  /** Serve the call but invert the first payload byte it moves. */
  record CorruptPayload() implements FaultAction {
    @Override
    public String name() {
      return "CORRUPT_PAYLOAD";
    }

    @Override
    public void apply(Call call) {
      call.corruptPayload();
    }
  }

  /**
   * Serve the call, taking {@code duration} of extra virtual time.
   *
   * @param duration the extra time, not negative
   */
  record Delay(Duration duration) implements FaultAction {
    /** Checks the duration. */
    public Delay {
      Preconditions.checkArgument(!duration.isNegative(), "negative delay %s", duration);
    }

    @Override
    public String name() {
      return "DELAY";
    }

    @Override
    public String describe() {
      return "DELAY " + duration;
    }

    @Override
    public String parameter() {
      return Durations.format(duration);
    }

    @Override
    public FaultAction withParameter(String text) {
      return new Delay(text.isEmpty() ? Duration.ZERO : Durations.parse(text));
    }

    @Override
    public void apply(Call call) {
      call.delay(duration);
    }
  }

  /**
   * The extension point: an action defined outside this library, made of {@link Call}'s operations.
   * Written in scenario text by its keyword; read back where it is registered as a service.
   */
  non-sealed interface Custom extends FaultAction {}
}
