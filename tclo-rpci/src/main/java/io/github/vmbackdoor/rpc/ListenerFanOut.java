package io.github.vmbackdoor.rpc;

import java.util.Arrays;
import java.util.Objects;

/** A listener that passes every event and log line on to the listeners added to it, in order. */
final class ListenerFanOut implements TcloListener {

  /** Where events go with no listener. */
  private static final TcloListener NOBODY = new TcloListener() {};

  // What the events go to: nobody, the one listener itself (most guests have one), or a Many of
  // several. Replaced whole on each change, so a reader sees one state or the other.
  private volatile TcloListener target = NOBODY;

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

  synchronized void add(TcloListener listener) {
    Objects.requireNonNull(listener, "listener");
    TcloListener[] now = listeners();
    TcloListener[] next = Arrays.copyOf(now, now.length + 1);
    next[now.length] = listener;
    target = of(next);
  }

  /** Removes the first listener equal to {@code listener}, if any. */
  synchronized void remove(TcloListener listener) {
    TcloListener[] now = listeners();
    for (int i = 0; i < now.length; i++) {
      if (Objects.equals(now[i], listener)) {
        TcloListener[] next = new TcloListener[now.length - 1];
        System.arraycopy(now, 0, next, 0, i);
        System.arraycopy(now, i + 1, next, i, now.length - i - 1);
        target = of(next);
        return;
      }
    }
  }

  private TcloListener[] listeners() {
    TcloListener t = target;
    if (t == NOBODY) {
      return new TcloListener[0];
    }
    return t instanceof Many many ? many.listeners : new TcloListener[] {t};
  }

  private static TcloListener of(TcloListener[] listeners) {
    return switch (listeners.length) {
      case 0 -> NOBODY;
      case 1 -> listeners[0];
      default -> new Many(listeners);
    };
  }

  @Override
  public void onEvent(TcloEvent event) {
    target.onEvent(event);
  }

  @Override
  public void onLogLine(String line) {
    target.onLogLine(line);
  }
}
