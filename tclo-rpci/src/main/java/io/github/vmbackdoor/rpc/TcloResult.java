package io.github.vmbackdoor.rpc;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The guest's answer to one TCLO command: {@code "OK "} or {@code "ERROR "} followed by the result
 * text (no NUL; an empty result is exactly {@code "OK "}), and optionally an action to run once the
 * reply has reached the host (after "reset", the unified-loop RPCI).
 *
 * <p>An immutable value.
 */
public final class TcloResult {

  /**
   * The result text for a command no handler knows, as vmt(4) words it. open-vm-tools' own guest
   * reply (GUEST_RPC_UNKNOWN_COMMAND) is "Unknown Command" with a capital C; hosts do not look at
   * the text.
   */
  public static final String UNKNOWN_COMMAND = "Unknown command";

  /** The result text for an empty command. */
  public static final String BAD_COMMAND = "Bad command";

  /** The result text for a {@code Set_Option} the guest does not know. */
  public static final String INVALID_OPTION = "Unknown or invalid option";

  private static final Runnable NOTHING = () -> {};

  private final String reply;
  private final Runnable afterReply;

  private TcloResult(String reply, Runnable afterReply) {
    this.reply = reply;
    this.afterReply = afterReply;
  }

  /** {@code "OK "}. */
  public static TcloResult ok() {
    return ok("");
  }

  /** {@code "OK <result>"}. */
  public static TcloResult ok(String result) {
    return new TcloResult("OK " + Objects.requireNonNull(result, "result"), NOTHING);
  }

  /** {@code "ERROR <result>"}. */
  public static TcloResult error(String result) {
    return new TcloResult("ERROR " + Objects.requireNonNull(result, "result"), NOTHING);
  }

  /** This result with an action to run after its reply was sent successfully. */
  public TcloResult thenAfterReply(Runnable action) {
    Objects.requireNonNull(action, "action");
    return new TcloResult(reply, action);
  }

  /** The reply text as sent, e.g. {@code "OK ATR toolbox"}. */
  public String reply() {
    return reply;
  }

  /** The action to run after the reply was sent (does nothing unless one was given). */
  public Runnable afterReply() {
    return afterReply;
  }

  byte[] bytes() {
    return reply.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "\"" + reply + "\"";
  }
}
