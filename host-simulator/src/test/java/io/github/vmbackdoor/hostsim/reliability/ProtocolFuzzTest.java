package io.github.vmbackdoor.hostsim.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Suite 2: register-level fuzzing of {@link io.github.vmbackdoor.hostsim.VirtualHost} (see {@link
 * ProtocolFuzzer}). No exception escapes the host, the channel table never holds more than its
 * size, no byte of one channel's message reaches another, and every record stays within its limit.
 *
 * <p>Size: {@code -Dvmbackdoor.fuzzCalls=N} (CI {@value #CI_CALLS}, long mode {@value
 * #LONG_CALLS}), spread over hosts of {@value #CALLS_PER_HOST} calls each.
 */
class ProtocolFuzzTest {

  static final long CI_CALLS = 1_000_000;
  static final long LONG_CALLS = 200_000_000;
  static final long CALLS_PER_HOST = 50_000;

  @Test
  void noGuestCallSequenceBreaksTheHost() {
    long total = Soak.count("fuzzCalls", CI_CALLS, LONG_CALLS);
    long base = Soak.seed();
    long hosts = Math.max(1, (total + CALLS_PER_HOST - 1) / CALLS_PER_HOST);
    long started = System.nanoTime();
    AtomicLong calls = new AtomicLong();
    AtomicLong successes = new AtomicLong();
    AtomicLong mutations = new AtomicLong();
    AtomicLong checked = new AtomicLong();
    List<String> violations = new ArrayList<>();
    LongStream.range(0, hosts)
        .parallel()
        .forEach(
            i -> {
              long seed = FaultScheduleSearchTest.scheduleSeed(base ^ 0x5EED, i);
              ProtocolFuzzer fuzzer = new ProtocolFuzzer(seed);
              try {
                fuzzer.run(Math.min(CALLS_PER_HOST, total - i * CALLS_PER_HOST));
              } catch (RuntimeException | Error e) {
                synchronized (violations) {
                  violations.add("seed " + seed + " after " + fuzzer.calls + " calls: " + e);
                }
              }
              calls.addAndGet(fuzzer.calls);
              successes.addAndGet(fuzzer.successes);
              mutations.addAndGet(fuzzer.mutations);
              checked.addAndGet(fuzzer.messagesChecked);
              if (!fuzzer.violations.isEmpty()) {
                synchronized (violations) {
                  violations.add(
                      "seed "
                          + seed
                          + ": "
                          + fuzzer.violations.subList(0, Math.min(5, fuzzer.violations.size())));
                }
              }
            });
    double seconds = (System.nanoTime() - started) / 1e9;
    Soak.report(
        "protocol fuzzing",
        "%d calls on %d hosts (base seed %d) in %.1f s: %d "
            + "answered SUCCESS, %d wrong steps, %d RPCI requests checked for foreign bytes, "
            + "%d violations",
        calls.get(),
        hosts,
        base,
        seconds,
        successes.get(),
        mutations.get(),
        checked.get(),
        violations.size());
    assertThat(violations).isEmpty();
    assertThat(calls.get()).isGreaterThanOrEqualTo(total);
    assertThat(checked.get()).as("requests the isolation check saw").isPositive();
  }
}
