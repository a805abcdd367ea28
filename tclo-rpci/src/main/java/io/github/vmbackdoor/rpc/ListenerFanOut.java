package io.github.vmbackdoor.rpc;

import java.util.Arrays;
import java.util.Objects;

/** A listener that passes every event and log line on to the listeners added to it, in order. */
final class ListenerFanOut implements TcloListener {

  private static final TcloListener[] NONE = {};

  // Copy on write: listeners are added and removed rarely and read on every event. A bare array
  // (no list object, no lock object) as most guests have one listener or none.
  private volatile TcloListener[] listeners = NONE;

  synchronized void add(TcloListener listener) {
    Objects.requireNonNull(listener, "listener");
    TcloListener[] copy = Arrays.copyOf(listeners, listeners.length + 1);
    copy[copy.length - 1] = listener;
    listeners = copy;
  }

  /** Removes the first listener equal to {@code listener}, if any. */
  synchronized void remove(TcloListener listener) {
    TcloListener[] now = listeners;
    for (int i = 0; i < now.length; i++) {
      if (Objects.equals(now[i], listener)) {
        TcloListener[] copy = new TcloListener[now.length - 1];
        System.arraycopy(now, 0, copy, 0, i);
        System.arraycopy(now, i + 1, copy, i, now.length - i - 1);
        listeners = copy;
        return;
      }
    }
  }

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
