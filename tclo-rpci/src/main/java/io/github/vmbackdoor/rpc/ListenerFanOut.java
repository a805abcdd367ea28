package io.github.vmbackdoor.rpc;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener that passes every event and log line on to the listeners added to it, in order. */
final class ListenerFanOut implements TcloListener {

  private final List<TcloListener> listeners = new CopyOnWriteArrayList<>();

  void add(TcloListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  void remove(TcloListener listener) {
    listeners.remove(listener);
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
