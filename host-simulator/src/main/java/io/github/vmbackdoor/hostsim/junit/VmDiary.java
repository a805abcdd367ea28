package io.github.vmbackdoor.hostsim.junit;

import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.guest.GuestRun;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * What ran on one test's VM besides the guests' calls, for the diagnosis of a failed test: the
 * scenario's events and the names it gave its faults, and the programs that ran under the trap.
 */
final class VmDiary {

  /** How many scenario events, and how many programs, are kept: the newest. */
  private static final int KEPT = 256;

  /** The names the scenario gave the faults it installed, by identity. */
  private final Map<Fault, String> faultNames =
      Collections.synchronizedMap(new IdentityHashMap<>());

  /** The newest scenario events that ran, as {@code at 24m15s checkpoint}. */
  private final Deque<String> eventsRan = new ConcurrentLinkedDeque<>();

  /** The newest programs that ran under the trap, as {@link GuestRun#summary()}. */
  private final Deque<String> programsRan = new ConcurrentLinkedDeque<>();

  /** The scenario installed {@code fault} under {@code name}. */
  void faultInstalled(Fault fault, String name) {
    faultNames.put(fault, name);
  }

  /** A scenario event ran, as {@code at 24m15s checkpoint}. */
  void eventRan(String event) {
    keep(eventsRan, event);
  }

  /** A program that ran under the trap ended. */
  void programRan(GuestRun run) {
    keep(programsRan, run.summary());
  }

  /** The name the scenario gave {@code fault}, if it installed it. */
  Optional<String> faultName(Fault fault) {
    return Optional.ofNullable(faultNames.get(fault));
  }

  /** The newest scenario events that ran (at most 256), oldest first. */
  List<String> eventsRan() {
    return List.copyOf(eventsRan);
  }

  /** The newest programs that ran under the trap (at most 256), oldest first, one line each. */
  List<String> programsRan() {
    return List.copyOf(programsRan);
  }

  private static void keep(Deque<String> newest, String line) {
    if (newest.size() >= KEPT) {
      newest.pollFirst();
    }
    newest.addLast(line);
  }
}
