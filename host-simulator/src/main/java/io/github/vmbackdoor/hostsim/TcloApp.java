package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableList;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One TCLO application as the host sees it ({@code toolbox}, {@code toolbox-dnd}, ...): the host
 * commands queued for it and the session of the channel the host talks to for it. The queue is made
 * with its first command and dropped when it empties, so an application with nothing queued holds
 * no queue. The limits on what all applications queue together are the {@link TcloEndpoint}'s.
 * Guarded by the host's lock.
 */
final class TcloApp {

  final String name;

  private ArrayDeque<TcloCommand> queue;

  /** The session of the channel the host talks to for this application, while it lives. */
  TcloEndpoint.TcloSession active;

  TcloApp(String name) {
    this.name = name;
  }

  /** The first command queued, or null. */
  TcloCommand peek() {
    return queue == null ? null : queue.peekFirst();
  }

  void addFirst(TcloCommand command) {
    queue().addFirst(command);
  }

  void addLast(TcloCommand command) {
    queue().addLast(command);
  }

  /** Removes and returns the first command; only when there is one. */
  TcloCommand removeFirst() {
    TcloCommand first = queue.removeFirst();
    dropIfEmpty();
    return first;
  }

  /** Removes {@code command} (by identity: each is queued once); whether it was queued. */
  boolean remove(TcloCommand command) {
    if (queue == null || !queue.removeFirstOccurrence(command)) {
      return false;
    }
    dropIfEmpty();
    return true;
  }

  /** The texts of the commands queued, in order. */
  List<String> texts() {
    ImmutableList.Builder<String> l = ImmutableList.builder();
    if (queue != null) {
      for (TcloCommand c : queue) {
        l.add(c.text);
      }
    }
    return l.build();
  }

  private ArrayDeque<TcloCommand> queue() {
    if (queue == null) {
      queue = new ArrayDeque<>(4);
    }
    return queue;
  }

  private void dropIfEmpty() {
    if (queue.isEmpty()) {
      queue = null;
    }
  }
}
