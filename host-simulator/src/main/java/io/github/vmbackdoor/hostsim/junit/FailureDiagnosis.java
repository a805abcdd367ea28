package io.github.vmbackdoor.hostsim.junit;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.FaultHit;
import io.github.vmbackdoor.hostsim.internal.CallWords;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.record.CallRecord;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The diagnosis of a failed test's VM, as text, in two sizes: {@link #of} fits on one screen (the
 * failure's suppressed {@link VmDiagnosis}), {@link #full} has every detail the host kept (the
 * published report entry). Both say the time of the story, the faults by the names the scenario
 * gave them in its words, the fault hits with repeats folded ({@code ×6}), the backdoor calls in
 * the protocol's words ({@code OPEN TCLO cookie → channel 1}) with the idle TCLO polls folded, so
 * the calls around the failure show, the RPCI requests, the TCLO exchanges, the scenario events
 * that ran and, when the test ran any, the programs run under the trap.
 */
final class FailureDiagnosis {

  /** How many items of each list the one-screen diagnosis shows. */
  static final int SHORT = 5;

  /** How many backdoor calls (or folded runs of them) the one-screen diagnosis shows. */
  static final int SHORT_CALLS = 10;

  /** How many items of each list the full diagnosis shows. */
  static final int FULL = 200;

  /** The key the one-screen diagnosis names for the full one. */
  private final String fullEntry;

  private final VmSimulator vm;
  private final boolean full;

  private FailureDiagnosis(VmSimulator vm, boolean full, String fullEntry) {
    this.vm = vm;
    this.full = full;
    this.fullEntry = fullEntry;
  }

  /** The one-screen diagnosis; its last line names the report entry {@code fullEntry}. */
  static String of(VmSimulator vm, String fullEntry) {
    return new FailureDiagnosis(vm, false, fullEntry).text();
  }

  /** The full diagnosis: every call kept with its registers, longer lists. */
  static String full(VmSimulator vm) {
    return new FailureDiagnosis(vm, true, null).text();
  }

  /** Whether call times are of no use: over TCP with a simulation the test never ran. */
  private boolean timeStood() {
    return vm.transport() == Transport.TCP && vm.simulation().elapsed().isZero();
  }

  private String text() {
    VirtualHost host = vm.host();
    StringBuilder b = new StringBuilder();
    b.append("simulated VM ")
        .append(vm.vmName())
        .append(" (")
        .append(vm.transport())
        .append(", seed ")
        .append(vm.seed())
        .append(')');
    if (timeStood()) {
      b.append(' ')
          .append(Durations.format(round(vm.realTimeElapsed())))
          .append(
              " of real time after the VM started; the story's virtual time stood still"
                  + " (over TCP it moves only when the test runs the simulation)");
    } else {
      b.append(" at virtual time ").append(time(vm.simulation().elapsed()));
      if (vm.transport() == Transport.TCP) {
        b.append(", ")
            .append(Durations.format(round(vm.realTimeElapsed())))
            .append(" of real time after the VM started");
      }
    }
    List<Fault> faults = host.records().faults();
    section(b, "faults installed", faults.size(), lines(faults, this::fault), "");
    List<FaultHit> hits = host.records().faultHits();
    section(
        b,
        "faults that fired",
        host.records().faultHitCount(),
        hitLines(hits),
        " (repeats folded)");
    List<CallRecord> calls = host.records().callLog();
    section(
        b,
        "backdoor calls",
        host.records().callCount(),
        callLines(calls),
        full ? " (idle TCLO polls folded)" : " (idle TCLO polls and repeats folded)");
    List<RpciRequest> requests = host.records().rpciRequests();
    section(
        b,
        "RPCI requests",
        host.records().rpciRequestCount(),
        folded(requests, r -> "ch " + r.channelId() + ": " + r.text(), RpciRequest::at),
        "");
    List<TcloExchange> exchanges = host.records().tcloExchanges();
    section(
        b,
        "TCLO exchanges",
        exchanges.size(),
        folded(exchanges, FailureDiagnosis::tclo, TcloExchange::sentAt),
        "");
    List<String> events = vm.diary().eventsRan();
    section(b, "scenario events that ran", events.size(), lines(events, e -> e), "");
    List<String> programs = vm.diary().programsRan();
    if (!programs.isEmpty()) { // a test that ran no real program has no such section
      section(b, "programs run under the trap", programs.size(), lines(programs, p -> p), "");
    }
    if (!full && fullEntry != null) {
      b.append("\nevery call with its registers: the report entry ").append(fullEntry);
    }
    return b.toString();
  }

  private static Duration round(Duration d) {
    return Duration.ofMillis(d.toMillis());
  }

  private int limit(String title) {
    return full ? FULL : title.equals("backdoor calls") ? SHORT_CALLS : SHORT;
  }

  /**
   * {@code title: total (how)}, then the newest of {@code lines} up to the limit, with {@code , the
   * newest N lines} when some are left out.
   */
  private void section(StringBuilder b, String title, long total, List<String> lines, String how) {
    b.append('\n').append(title).append(": ");
    if (total == 0 && lines.isEmpty()) {
      b.append("none");
      return;
    }
    b.append(total).append(how);
    int limit = limit(title);
    List<String> shown = lines.subList(Math.max(0, lines.size() - limit), lines.size());
    if (shown.size() < lines.size() || (how.isEmpty() && lines.size() < total)) {
      b.append(", the newest ")
          .append(shown.size())
          .append(how.isEmpty() ? "" : shown.size() == 1 ? " line" : " lines");
    }
    for (String line : shown) {
      b.append("\n  ").append(line);
    }
  }

  private static <T> List<String> lines(List<T> items, Function<T, String> line) {
    return items.stream().map(line).toList();
  }

  /** A fault by the name the scenario gave it, in the scenario's words. */
  private String fault(Fault f) {
    return vm.diary().faultName(f).map(n -> n + ": " + f.text()).orElse(f.text());
  }

  private String faultName(Fault f) {
    return vm.diary().faultName(f).orElse(f.text());
  }

  /** Fault hits: a run of one fault's hits at one step and channel is one line, ×N. */
  private List<String> hitLines(List<FaultHit> hits) {
    return folded(
        hits,
        h ->
            h.step()
                + (h.channelId() < 0 ? "" : " ch " + h.channelId())
                + ": "
                + faultName(h.fault()),
        FaultHit::at);
  }

  /**
   * Items in order, a run of items that read the same one line: {@code at T WORDS}, {@code at T1 to
   * T2 WORDS ×N}.
   */
  private <T> List<String> folded(
      List<T> items, Function<T, String> words, Function<T, Duration> at) {
    List<String> lines = new ArrayList<>();
    int i = 0;
    while (i < items.size()) {
      String w = words.apply(items.get(i));
      int j = i + 1;
      while (j < items.size() && words.apply(items.get(j)).equals(w)) {
        j++;
      }
      lines.add(span(at.apply(items.get(i)), at.apply(items.get(j - 1))) + w + times(j - i));
      i = j;
    }
    return lines;
  }

  private String span(Duration from, Duration to) {
    if (timeStood()) {
      return "";
    }
    return from.equals(to)
        ? "at " + time(from) + " "
        : "at " + time(from) + " to " + time(to) + " ";
  }

  private static String times(int n) {
    return n == 1 ? "" : " ×" + n;
  }

  /** An idle TCLO poll: an empty reply sent, or nothing to receive. */
  private static final Pattern IDLE =
      Pattern.compile(
          "(SENDSIZE ch \\d+: 0 bytes, delivered|RECVSIZE ch \\d+: nothing to receive)");

  private static boolean idle(CallRecord c) {
    return c.note() != null && IDLE.matcher(c.note()).matches();
  }

  /**
   * The calls in the protocol's words, a run of idle polls one line, a run of the same words one
   * line ×N; in the full diagnosis each call with its registers.
   */
  private List<String> callLines(List<CallRecord> calls) {
    List<String> lines = new ArrayList<>();
    int i = 0;
    while (i < calls.size()) {
      CallRecord c = calls.get(i);
      int j = i + 1;
      if (idle(c)) {
        while (j < calls.size() && idle(calls.get(j))) {
          j++;
        }
        if (j - i > 1) {
          lines.add(
              when(c, calls.get(j - 1))
                  + (j - i)
                  + " calls of idle TCLO polls (an empty reply sent, nothing to receive)");
          i = j;
          continue;
        }
      }
      String w = words(c);
      String pieces = pieceOf(c);
      if (!full && pieces != null) {
        // the pieces of one message on one channel: one line
        while (j < calls.size() && pieces.equals(pieceOf(calls.get(j)))) {
          j++;
        }
        if (j - i > 1) {
          String last = calls.get(j - 1).note();
          int message = last.indexOf("piece, ");
          w =
              pieces
                  + " → "
                  + (j - i)
                  + " pieces"
                  + (message < 0 ? "" : ", " + last.substring(message + "piece, ".length()));
          lines.add(when(c, calls.get(j - 1)) + w);
          i = j;
          continue;
        }
      }
      if (!full) {
        while (j < calls.size() && !idle(calls.get(j)) && words(calls.get(j)).equals(w)) {
          j++;
        }
      }
      String line = when(c, calls.get(j - 1)) + w + times(j - i);
      if (full) {
        line +=
            "\n      "
                + c.kind().name().toLowerCase(Locale.ROOT)
                + " "
                + c.request()
                + " -> "
                + c.answer();
      }
      lines.add(line);
      i = j;
    }
    return lines;
  }

  private static final Pattern PIECE = Pattern.compile("((?:SEND|RECV)PAYLOAD ch \\d+): piece.*");

  /** {@code SENDPAYLOAD ch 1} for a call that moved a piece of a message, else null. */
  private static String pieceOf(CallRecord c) {
    if (c.note() == null) {
      return null;
    }
    var m = PIECE.matcher(c.note());
    return m.matches() ? m.group(1) : null;
  }

  /**
   * When a run of calls happened: host time in process; over TCP, where the guests' calls come in
   * real time and host time stands between the test's runs of the simulation, their numbers too.
   */
  private String when(CallRecord first, CallRecord last) {
    if (vm.transport() != Transport.TCP) {
      return span(first.at(), last.at());
    }
    String numbers =
        "#" + first.sequence() + (first == last ? "" : " to #" + last.sequence()) + " ";
    return timeStood() ? numbers : numbers + span(first.at(), last.at());
  }

  /** A call as the host's log says it, {@code OPEN RPCI → refused [CLEAR_SUCCESS]}. */
  static String words(CallRecord c) {
    String note = c.note();
    if (note == null || note.isEmpty()) {
      return CallWords.of(c.kind(), c.request(), c.answer());
    }
    int colon = note.indexOf(": ");
    return colon < 0 ? note : note.substring(0, colon) + " → " + note.substring(colon + 2);
  }

  private static String tclo(TcloExchange e) {
    return "ch "
        + e.channelId()
        + ": "
        + e.command().map(c -> "'" + c + "'").orElse("(no command)")
        + " -> "
        + e.reply().map(r -> "'" + r + "'").orElse("(no reply)")
        + " "
        + e.outcome().name().toLowerCase(Locale.ROOT);
  }

  private static String time(Duration d) {
    return Durations.format(d);
  }
}
