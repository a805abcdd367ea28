package io.github.vmbackdoor.hostsim.scenario;

import io.github.vmbackdoor.core.RegisterSet;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.internal.CallWords;
import io.github.vmbackdoor.hostsim.record.CallRecord;
import java.util.Arrays;
import java.util.List;

/** One recorded call made again on a host, and what its answer has that the recording has not. */
final class ReplayedCall {

  private ReplayedCall() {}

  /** Makes one recorded call; what differs from the recording, or null. */
  static String difference(VirtualHost host, TraceCall call, int index) {
    Registers answer;
    byte[] received = null;
    switch (call.operation()) {
      case IN:
        answer = host.backdoor().in(call.request());
        break;
      case OUTS:
        answer = host.backdoor().outs(call.request(), call.bytes());
        break;
      default:
        received = new byte[call.byteCount()];
        answer = host.backdoor().ins(call.request(), received);
        break;
    }
    boolean bytesDiffer = received != null && !Arrays.equals(received, call.bytes());
    if (answer.equals(call.answer()) && !bytesDiffer) {
      return null;
    }
    List<CallRecord> log = host.records().callLog();
    String note = log.isEmpty() ? "" : log.get(log.size() - 1).note();
    return diff(index, call, answer, received, note);
  }

  private static String diff(
      int index, TraceCall call, Registers actual, byte[] received, String note) {
    Registers e = call.answer();
    StringBuilder b = new StringBuilder();
    b.append("the host's answer to call #")
        .append(index)
        .append(" (")
        .append(call.operation().wireName())
        .append(") differs from the recording\n");
    b.append("  call      ")
        .append(CallWords.request(call.operation(), call.request()))
        .append('\n');
    b.append("  recorded  ")
        .append(CallWords.answer(call.operation(), call.request(), e))
        .append('\n');
    b.append("  host      ")
        .append(CallWords.answer(call.operation(), call.request(), actual))
        .append(note == null || note.isEmpty() ? "" : " (the host: " + note + ")")
        .append('\n');
    b.append(String.format("  %-5s %-10s %-10s%n", "", "recorded", "host"));
    for (int i = 0; i < RegisterSet.NAMES.size(); i++) {
      b.append(
          String.format(
              "  %-5s %-10s %-10s%s%n",
              RegisterSet.NAMES.get(i),
              Registers.hex(e.register(i)),
              Registers.hex(actual.register(i)),
              e.register(i) != actual.register(i) ? "  <-- differs" : ""));
    }
    if (received != null) {
      boolean differ = !Arrays.equals(received, call.bytes());
      b.append(
          String.format(
              "  %-5s %-10s %-10s%s%n",
              "bytes",
              call.byteCount() + " B",
              received.length + " B",
              differ ? "  <-- differs at offset " + Arrays.mismatch(received, call.bytes()) : ""));
    }
    return b.toString().stripTrailing();
  }
}
