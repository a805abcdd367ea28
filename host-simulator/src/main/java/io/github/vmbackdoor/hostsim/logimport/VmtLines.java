package io.github.vmbackdoor.hostsim.logimport;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.hostsim.settings.RefusalRegisters;
import io.github.vmbackdoor.rpc.VmtMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A log's vmt lines as the inference rules walk them: each line with the low-level {@code vmware:}
 * line (the refused call's registers) printed last before it, where the log leaves lines out, what
 * follows a line, and how a line is quoted in the scenario's comments.
 */
final class VmtLines {

  private final List<VmtLogLine> lines;

  /** Where the log leaves lines out: indexes of the first line after each elision. */
  private final Set<Integer> elisions;

  private VmtLogLine low;
  private int lowIndex = -1;

  VmtLines(List<VmtLogLine> lines, Set<Integer> elisions) {
    this.lines = lines;
    this.elisions = elisions;
  }

  int size() {
    return lines.size();
  }

  VmtLogLine get(int i) {
    return lines.get(i);
  }

  /** Line {@code i} is a {@code vmware:} line: the low-level line of the lines after it. */
  void lowAt(int i) {
    low = lines.get(i);
    lowIndex = i;
  }

  /**
   * The {@code vmware:} line just before line {@code i}, or null when the line before is not one.
   */
  VmtLogLine lowBefore(int i) {
    return low != null && lowIndex == i - 1 ? low : null;
  }

  /** The status of the last {@code vmware:} line, when it is {@code expected}; 0 otherwise. */
  int lowStatus(VmtMessage expected) {
    if (low == null || low.message() != expected) {
      return 0;
    }
    return low.status().orElse(0);
  }

  /** The line an event explained by line {@code i} is timed by: its low-level line, if any. */
  int anchorOf(int i) {
    return lowBefore(i) != null ? i - 1 : i;
  }

  /** Whether the log leaves lines out just before line {@code i}. */
  boolean elidedBefore(int i) {
    return elisions.contains(i);
  }

  /** The next line after {@code i} that is not a {@code vmware:} line, if any. */
  Optional<VmtMessage> nextAnchor(int i) {
    for (int j = i + 1; j < lines.size(); j++) {
      if (!lines.get(j).message().carriesRegisters()) {
        return Optional.of(lines.get(j).message());
      }
    }
    return Optional.empty();
  }

  /** Whether a {@code guest resuming} line comes after line {@code i} before any other failure. */
  boolean resumeFollows(int i) {
    for (int j = i + 1; j < lines.size(); j++) {
      VmtMessage m = lines.get(j).message();
      if (m == VmtMessage.GUEST_RESUMING || m == VmtMessage.RESUMING_FROM_SUSPEND) {
        return true;
      }
      if (m == VmtMessage.PING_FAILED || m == VmtMessage.TCLO_GET_LENGTH_FAILED) {
        return false;
      }
    }
    return false;
  }

  /** Line {@code i} as a comment quotes it: its number in the log and its text. */
  String quote(int i) {
    return "line " + lines.get(i).lineNumber() + ": " + lines.get(i).text();
  }

  /** The comments for an event explained by line i and the low-level line before it. */
  List<String> cite(int i, String... inference) {
    List<String> c = new ArrayList<>();
    if (lowBefore(i) != null) {
      c.add(quote(i - 1));
    }
    c.add(quote(i));
    for (String s : inference) {
      c.add("  -> " + s);
    }
    return c;
  }

  /**
   * The host's refusal registers as the log prints them: the eax of the first refused command-port
   * call it shows (0, or the magic vmt loaded).
   */
  Optional<RefusalRegisters> refusalRegisters() {
    for (VmtLogLine l : lines) {
      Long eax = l.message().carriesRegisters() ? l.registers().get("eax") : null;
      if (eax != null && eax == 0) {
        return Optional.of(RefusalRegisters.ZERO);
      }
      if (eax != null && eax == (BackdoorProtocol.MAGIC & 0xFFFFFFFFL)) {
        return Optional.of(RefusalRegisters.AS_LOADED);
      }
    }
    return Optional.empty();
  }
}
