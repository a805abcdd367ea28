package io.github.vmbackdoor.rpc;

import java.util.Arrays;
import java.util.Objects;

/**
 * Several listeners as one value: {@link TcloListener#NONE} for none, the listener itself for one
 * (most guests have one, often shared by a whole fleet), a {@code Many} of several, in order. The
 * values are immutable: adding or removing gives a new one, so a holder replaces its value whole
 * and a reader sees one or the other.
 */
final class ListenerFanOut {

  private ListenerFanOut() {}

  /** Several listeners, in order. */
  private record Many(TcloListener[] listeners) implements TcloListener {
    @Override
    public void onEvent(TcloEvent event) {
      for (TcloListener l : listeners) {
        l.onEvent(event);
      }
    }

    @Override
    public void onLogLine(String line) {
      for (TcloListener l : listeners) {
        l.onLogLine(line);
      }
    }
  }

  /** The listeners of {@code target} followed by {@code listener}. */
  static TcloListener with(TcloListener target, TcloListener listener) {
    Objects.requireNonNull(listener, "listener");
    TcloListener[] now = listeners(target);
    TcloListener[] next = Arrays.copyOf(now, now.length + 1);
    next[now.length] = listener;
    return of(next);
  }

  /** The listeners of {@code target} without the first one equal to {@code listener}, if any. */
  static TcloListener without(TcloListener target, TcloListener listener) {
    TcloListener[] now = listeners(target);
    for (int i = 0; i < now.length; i++) {
      if (Objects.equals(now[i], listener)) {
        TcloListener[] next = new TcloListener[now.length - 1];
        System.arraycopy(now, 0, next, 0, i);
        System.arraycopy(now, i + 1, next, i, now.length - i - 1);
        return of(next);
      }
    }
    return target;
  }

  private static TcloListener[] listeners(TcloListener target) {
    if (target == TcloListener.NONE) {
      return new TcloListener[0];
    }
    return target instanceof Many many ? many.listeners : new TcloListener[] {target};
  }

  private static TcloListener of(TcloListener[] listeners) {
    return switch (listeners.length) {
      case 0 -> TcloListener.NONE;
      case 1 -> listeners[0];
      default -> new Many(listeners);
    };
  }
}
