package io.github.vmbackdoor.rpc;

import java.util.Objects;

/**
 * Something a {@link TcloStateMachine} did or saw: a type and a free-text detail (the command
 * received, the reply sent, the failure's vmt wording). An immutable value.
 */
public final class TcloEvent {

  /** What happened. */
  public enum Type {
    /** The machine attached (legacy: channel opened and HGFS capability set). */
    ATTACHED,
    /** The machine stopped for good: attach failed, or it was shut down. */
    DETACHED,
    /** A TCLO channel was opened. */
    CHANNEL_OPENED,
    /** Opening the TCLO channel failed. */
    OPEN_FAILED,
    /** The empty message (vmt's "ping", open-vm-tools' existence signal) was sent. */
    PING_SENT,
    /** The host was asked for a message and answered (with or without one). */
    POLLED,
    /** A command arrived from the host; the detail is its text. */
    COMMAND_RECEIVED,
    /** A reply was sent to the host; the detail is its text. */
    REPLY_SENT,
    /** A reset reply ("OK ATR toolbox") was sent although the host had not sent "reset". */
    UNSOLICITED_RESET_REPLY_SENT,
    /** A step on the TCLO channel failed; the detail names it in vmt's words. */
    TCLO_FAILURE,
    /**
     * The machine decided to reset the channel ("resetting rpc"); the fixed machine's detail is the
     * consecutive restart count, e.g. {@code restart 3}.
     */
    RESETTING,
    /** The TCLO channel was closed (and, for the fixed machine, forgotten). */
    CHANNEL_CLOSED,
    /** The host refused the close of the TCLO channel. */
    CLOSE_FAILED,
    /** An RPCI request was answered; the detail is the request. */
    RPCI_SENT,
    /** An RPCI request failed; the detail is the request and the failure. */
    RPCI_FAILED,
    /** The host asked for a power state change; the detail is the command. */
    STATE_CHANGE_REQUESTED,
    /** The machine's {@link TcloHealth} changed; the detail is the new health. */
    HEALTH_CHANGED
  }

  private final Type type;
  private final String detail;

  private TcloEvent(Type type, String detail) {
    this.type = type;
    this.detail = detail;
  }

  /** The events without detail, one per type: a machine emits two of them on every idle tick. */
  private static final TcloEvent[] PLAIN = plainEvents();

  private static TcloEvent[] plainEvents() {
    Type[] types = Type.values();
    TcloEvent[] plain = new TcloEvent[types.length];
    for (Type t : types) {
      plain[t.ordinal()] = new TcloEvent(t, "");
    }
    return plain;
  }

  /** An event of {@code type} with {@code detail} (may be empty, never null). */
  public static TcloEvent of(Type type, String detail) {
    Objects.requireNonNull(type, "type");
    return Objects.requireNonNull(detail, "detail").isEmpty()
        ? PLAIN[type.ordinal()]
        : new TcloEvent(type, detail);
  }

  /** An event of {@code type} without detail (the same instance every time). */
  public static TcloEvent of(Type type) {
    return PLAIN[Objects.requireNonNull(type, "type").ordinal()];
  }

  /** What happened. */
  public Type type() {
    return type;
  }

  /** The command, reply or failure words; empty when the type says it all. */
  public String detail() {
    return detail;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TcloEvent)) {
      return false;
    }
    TcloEvent e = (TcloEvent) o;
    return type == e.type && detail.equals(e.detail);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, detail);
  }

  @Override
  public String toString() {
    return detail.isEmpty() ? type.toString() : type + "(" + detail + ")";
  }
}
