package io.github.vmbackdoor.hostsim.fault;

import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CLOSED;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.core.MessageException.Step;
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
 * <p><b>Adding a fault kind.</b> Implement {@link Custom} (the extension point; the built-in
 * actions are sealed), give it a {@link #name()} for the call log and an {@link #apply(Call)} made
 * of {@link Call}'s operations, and install it with {@code Fault.builder().action(new MyAction())}.
 * A kind that should also be written in scenario text becomes a record here instead: add it to the
 * {@code permits} list, to {@link #KEYWORDS} and to {@link #ofKeyword} ({@code FaultAction.java}),
 * optionally give it a shorthand on {@link Fault.Builder} ({@code Fault.java}), document it on
 * {@link Fault} and in {@code docs/scenario-format.md}, and test it in {@code FaultTest}.
 */
public sealed interface FaultAction
    permits FaultAction.ClearSuccess,
        FaultAction.Checkpoint,
        FaultAction.CloseChannel,
        FaultAction.DropChannel,
        FaultAction.CorruptPayload,
        FaultAction.Delay,
        FaultAction.Custom {

  /** The scenario-text keywords of the built-in actions, in their documented order. */
  List<String> KEYWORDS =
      List.of(
          "clear-success",
          "checkpoint",
          "close-channel",
          "drop-channel",
          "corrupt-payload",
          "delay");

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

  /** The built-in action a scenario keyword names ({@code delay} alone is a zero delay), if any. */
  static Optional<FaultAction> ofKeyword(String keyword) {
    return switch (keyword) {
      case "clear-success" -> Optional.of(new ClearSuccess());
      case "checkpoint" -> Optional.of(new Checkpoint());
      case "close-channel" -> Optional.of(new CloseChannel());
      case "drop-channel" -> Optional.of(new DropChannel());
      case "corrupt-payload" -> Optional.of(new CorruptPayload());
      case "delay" -> Optional.of(new Delay(Duration.ZERO));
      default -> Optional.empty();
    };
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
    public void apply(Call call) {
      call.delay(duration);
    }
  }

  /**
   * The extension point: an action defined outside this library, made of {@link Call}'s operations.
   * Not written in scenario text.
   */
  non-sealed interface Custom extends FaultAction {}
}
