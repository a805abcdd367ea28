package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.base.Ticker;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.record.CallRecord;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The call log keeps raw values and reads them back as the records it was given, newest kept,
 * oldest dropped first, by count and by weight, as the bounded history of records it replaces did.
 */
class CallLogTest {

  /** A ticker moved by hand: host time is what it reads less its first reading. */
  private static final class Hand extends Ticker {
    long nanos = 1_000;

    @Override
    public long read() {
      return nanos;
    }
  }

  private final Hand ticker = new Hand();
  private final HostUptime time = new HostUptime(ticker);

  /** Logs call {@code n}: request registers all n, answer registers all -n, note "call n". */
  private void log(CallLog log, int n, String note) {
    ticker.nanos += 10;
    CallResult res = CallResult.acquire(true);
    try {
      res.answer.set(-n, -n, -n, -n, -n, -n, -n);
      res.note = note;
      res.payloadLength = n;
      res.payloadCrc = 100L + n;
      MutableRegisters request = new MutableRegisters().set(n, n, n, n, n, n, n);
      log.add(
          n, n % 2 == 0 ? TraceCall.Operation.OUTS : TraceCall.Operation.IN, time, request, res);
    } finally {
      res.release();
    }
  }

  private static List<Long> sequences(CallLog log) {
    return log.records().stream().map(CallRecord::sequence).toList();
  }

  @Test
  void readsBackEachCallAsItsRecord() {
    CallLog log = new CallLog(10, 1 << 20);
    log(log, 1, "call 1");
    log(log, 2, "call 2");

    assertThat(log.records())
        .containsExactly(
            new CallRecord(
                1,
                Duration.ofNanos(10),
                TraceCall.Operation.IN,
                Registers.of(1, 1, 1, 1, 1, 1, 1),
                Registers.of(-1, -1, -1, -1, -1, -1, -1),
                1,
                101,
                "call 1"),
            new CallRecord(
                2,
                Duration.ofNanos(20),
                TraceCall.Operation.OUTS,
                Registers.of(2, 2, 2, 2, 2, 2, 2),
                Registers.of(-2, -2, -2, -2, -2, -2, -2),
                2,
                102,
                "call 2"));
  }

  @Test
  void keepsTheNewestUpToItsCountAcrossGrowthAndWrap() {
    CallLog log = new CallLog(40, 1 << 20);
    for (int n = 1; n <= 100; n++) {
      log(log, n, "call " + n);
      List<Long> kept = sequences(log);
      assertThat(kept).hasSize(Math.min(n, 40));
      assertThat(kept.get(kept.size() - 1)).isEqualTo(n);
      assertThat(kept.get(0)).isEqualTo(Math.max(1, n - 39));
    }
    assertThat(log.records().get(0).request()).isEqualTo(Registers.of(61, 61, 61, 61, 61, 61, 61));
  }

  @Test
  void dropsTheOldestByWeightAndKeepsNoCallHeavierThanTheLimit() {
    // A record of a one-char note weighs 4 * 48 + 56 + 48 + 2 = 298 bytes: three fit in 900.
    CallLog log = new CallLog(100, 900);
    for (int n = 1; n <= 5; n++) {
      log(log, n, "x");
    }
    assertThat(sequences(log)).containsExactly(3L, 4L, 5L);

    // A note of 300 chars weighs 898 bytes: alone it fits, so the three before it go.
    log(log, 6, "y".repeat(300));
    assertThat(sequences(log)).containsExactly(6L);

    // Heavier than the whole limit: not kept, and nothing is dropped for it.
    log(log, 7, "z".repeat(400));
    assertThat(sequences(log)).containsExactly(6L);
  }

  @Test
  void aLogOfNoCallsKeepsNoneAndIsTheSharedOne() {
    CallLog log = CallLog.of(0, 1 << 20);
    log(log, 1, "call 1");
    assertThat(log).isSameAs(CallLog.NONE);
    assertThat(log.keeps()).isFalse();
    assertThat(log.records()).isEmpty();
  }
}
