package io.github.vmbackdoor.hostsim.junit;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.FaultHit;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.record.CallRecord;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * The diagnosis of a failed test's VM, as text: virtual time, faults installed and fired, the last
 * backdoor calls in vmt(4)'s register words, the RPCI requests, the TCLO exchanges, the scenario
 * events that ran and, when the test ran any, the programs run under the trap.
 */
final class FailureDiagnosis {

  /** How many of the newest items of each list are shown. */
  static final int LAST = 20;

  private FailureDiagnosis() {}

  static String of(VmSimulator vm) {
    VirtualHost host = vm.host();
    StringBuilder b = new StringBuilder();
    b.append("simulated VM ")
        .append(vm.vmName())
        .append(" (")
        .append(vm.transport())
        .append(", seed ")
        .append(vm.seed())
        .append(") at virtual time ")
        .append(time(vm.simulation().elapsed()));
    List<Fault> faults = host.records().faults();
    section(b, "faults installed", faults, faults.size(), Fault::toString);
    List<FaultHit> hits = host.records().faultHits();
    section(b, "faults that fired", hits, hits.size(), FaultHit::toString);
    List<CallRecord> calls = host.records().callLog();
    section(b, "backdoor calls", calls, host.records().callCount(), FailureDiagnosis::call);
    List<RpciRequest> requests = host.records().rpciRequests();
    section(b, "RPCI requests", requests, requests.size(), FailureDiagnosis::rpci);
    List<TcloExchange> exchanges = host.records().tcloExchanges();
    section(b, "TCLO exchanges", exchanges, exchanges.size(), FailureDiagnosis::tclo);
    List<String> events = vm.scenarioEventsRan();
    section(b, "scenario events that ran", events, events.size(), e -> e);
    List<String> programs = vm.programsRan();
    if (!programs.isEmpty()) { // a test that ran no real program keeps its diagnosis as it was
      section(b, "programs run under the trap", programs, programs.size(), p -> p);
    }
    return b.toString();
  }

  private static <T> void section(
      StringBuilder b, String title, List<T> items, long total, Function<T, String> line) {
    b.append('\n').append(title).append(": ");
    if (items.isEmpty()) {
      b.append("none");
      return;
    }
    List<T> shown = items.subList(Math.max(0, items.size() - LAST), items.size());
    b.append(total);
    if (shown.size() < total) {
      b.append(", the last ").append(shown.size());
    }
    for (T item : shown) {
      b.append("\n  ").append(line.apply(item));
    }
  }

  private static String call(CallRecord c) {
    return "at "
        + time(c.at())
        + " "
        + c.kind().name().toLowerCase(java.util.Locale.ROOT)
        + " "
        + c.request()
        + " -> "
        + c.answer()
        + (c.note() == null || c.note().isEmpty() ? "" : " (" + c.note() + ")");
  }

  private static String rpci(RpciRequest r) {
    return "at " + time(r.at()) + " ch " + r.channelId() + ": " + r.text();
  }

  private static String tclo(TcloExchange e) {
    return "at "
        + time(e.sentAt())
        + " ch "
        + e.channelId()
        + ": "
        + e.command().map(c -> "'" + c + "'").orElse("(no command)")
        + " -> "
        + e.reply().map(r -> "'" + r + "'").orElse("(no reply)")
        + " "
        + e.outcome().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String time(Duration d) {
    return Durations.format(d);
  }
}
