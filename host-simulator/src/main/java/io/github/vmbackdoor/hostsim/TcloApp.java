package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableList;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One TCLO application as the host sees it ({@code toolbox}, {@code toolbox-dnd}, ...): the host
 * commands queued for it, whether it owes its guest a "reset" (after a host reset or a checkpoint),
 * and the session of the channel the host talks to for it. The reset owed is a flag, kept as one
 * shared marker at the head of the queue so that an application holds no field for it: owed once
 * however many resets came, delivered before anything queued, and never counted in the queue
 * limits. The queue is made with its first command and dropped when it empties, so an application
 * with nothing queued holds no queue. The limits on what all applications queue together are the
 * TCLO endpoint's; {@link TcloApps} bounds how many applications are kept. Guarded by the host's
 * lock.
 */
final class TcloApp {

  final String name;

  private ArrayDeque<TcloCommand> queue;

  /** The "reset" an application owes its guest, as offered: the flag's marker, never counted. */
  private static final TcloCommand RESET = new TcloCommand(TcloCommand.RESET, false, null);

  /** The session of the channel the host talks to for this application, while it lives. */
  ChannelSession active;

  TcloApp(String name) {
    this.name = name;
  }

  /** The first command to deliver (the reset owed, if any, comes first), or null. */
  TcloCommand peek() {
    return queue == null ? null : queue.peekFirst();
  }

  /** Whether the guest is owed a "reset" before anything queued (a host reset, a checkpoint). */
  boolean owesReset() {
    return queue != null && queue.peekFirst() == RESET;
  }

  /** Sets or clears the reset owed. */
  void owesReset(boolean owes) {
    if (owes && !owesReset()) {
      queue().addFirst(RESET);
    } else if (!owes && owesReset()) {
      queue.removeFirst();
      dropIfEmpty();
    }
  }

  /**
   * Whether the application holds nothing a guest could miss: no live channel and nothing queued (a
   * reset owed aside: a new channel of the application is reset anyway).
   */
  boolean idle() {
    return active == null && (queue == null || (queue.size() == 1 && owesReset()));
  }

  /** How many commands are queued, counted in the queue limits (the reset owed is not). */
  int queued() {
    return queue == null ? 0 : queue.size() - (owesReset() ? 1 : 0);
  }

  void addFirst(TcloCommand command) {
    queue().addFirst(command);
  }

  void addLast(TcloCommand command) {
    queue().addLast(command);
  }

  /** Removes and returns the first command; only when there is one and no reset is owed. */
  TcloCommand removeFirst() {
    TcloCommand first = queue.removeFirst();
    dropIfEmpty();
    return first;
  }

  /**
   * Removes {@code command} (by identity: each is queued once); whether it was queued and counted
   * in the queue limits (the reset owed is removed, and not counted).
   */
  boolean remove(TcloCommand command) {
    if (queue == null || !queue.removeFirstOccurrence(command)) {
      return false;
    }
    dropIfEmpty();
    return command != RESET;
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
