package io.github.vmbackdoor.hostsim.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The two packed keys order events as (window, lane, due time, sequence) does, and give each back,
 * at the edges of every field: the first and last due times of virtual time, of a window and of the
 * last window, the highest lane and sequence number, for windows of every width.
 */
class EventKeysTest {

  /** One event's fields, unpacked. */
  private record Fields(long window, int lane, long due, long sequence) {}

  private static final Comparator<Fields> ORDER =
      Comparator.comparingLong(Fields::window)
          .thenComparingInt(Fields::lane)
          .thenComparingLong(Fields::due)
          .thenComparingLong(Fields::sequence);

  /** Windows of a nanosecond, the shortest a simulation takes, odd, powers of two, and forever. */
  private static final long[] WINDOWS = {
    1,
    2,
    999_999,
    1_000_000,
    1_000_001,
    Duration.ofSeconds(30).toNanos(),
    Duration.ofMinutes(1).toNanos(),
    1L << 36,
    (1L << 36) + 1,
    (1L << 36) - 1,
    Duration.ofDays(365L * 17).toNanos(),
    1L << 62,
    Long.MAX_VALUE - 1,
    Long.MAX_VALUE
  };

  private static List<Long> edgeDues(long window) {
    long lastWindow = Long.MAX_VALUE / window;
    List<Long> dues = new ArrayList<>();
    for (long due :
        new long[] {
          0,
          1,
          window - 1,
          window,
          window + 1,
          2 * window - 1,
          lastWindow * window - 1,
          lastWindow * window,
          lastWindow * window + 1,
          Long.MAX_VALUE / 2,
          Long.MAX_VALUE - 1,
          Long.MAX_VALUE
        }) {
      if (due >= 0 && !dues.contains(due)) {
        dues.add(due);
      }
    }
    return dues;
  }

  private static List<Fields> edges(EventKeys keys, long window) {
    long limit = keys.sequenceLimit();
    List<Fields> all = new ArrayList<>();
    for (long due : edgeDues(window)) {
      for (int lane : new int[] {0, 1, 1 << 23, EventKeys.MAX_LANES - 1, EventKeys.MAX_LANES}) {
        for (long seq : new long[] {0, 1, limit / 2, limit - 2, limit - 1}) {
          all.add(new Fields(due / window, lane, due, seq));
        }
      }
    }
    return all;
  }

  @Test
  void everyFieldComesBackAtItsEdgesForWindowsOfEveryWidth() {
    for (long window : WINDOWS) {
      EventKeys keys = EventKeys.forWindow(window);
      for (Fields f : edges(keys, window)) {
        long high = keys.high(keys.windowOf(f.due()), f.lane(), f.due());
        long low = keys.low(keys.windowOf(f.due()), f.lane(), f.due(), f.sequence());
        String what = keys + " " + f;
        assertThat(high).as(what).isNotNegative();
        assertThat(low).as(what).isNotNegative();
        assertThat(keys.window(high, low)).as(what).isEqualTo(f.window());
        assertThat(keys.lane(high, low)).as(what).isEqualTo(f.lane());
        assertThat(keys.due(high, low)).as(what).isEqualTo(f.due());
        assertThat(keys.sequence(low)).as(what).isEqualTo(f.sequence());
        assertThat(keys.sequence(keys.withSequence(low, 3))).as(what).isEqualTo(3);
        assertThat(keys.due(high, keys.withSequence(low, 3))).as(what).isEqualTo(f.due());
      }
    }
  }

  @Test
  void theKeysCompareAsWindowLaneDueTimeAndSequenceDoAtTheEdges() {
    List<String> wrong = new ArrayList<>();
    int compared = 0;
    for (long window : WINDOWS) {
      EventKeys keys = EventKeys.forWindow(window);
      List<Fields> all = edges(keys, window);
      for (Fields a : all) {
        long ha = keys.high(a.window(), a.lane(), a.due());
        long la = keys.low(a.window(), a.lane(), a.due(), a.sequence());
        for (Fields b : all) {
          long hb = keys.high(b.window(), b.lane(), b.due());
          long lb = keys.low(b.window(), b.lane(), b.due(), b.sequence());
          int packed = ha != hb ? Long.compare(ha, hb) : Long.compare(la, lb);
          if (packed != Integer.signum(ORDER.compare(a, b))) {
            wrong.add(keys + ": " + a + " against " + b);
          }
          compared++;
        }
      }
    }
    assertThat(wrong).isEmpty();
    assertThat(compared).isGreaterThan(900_000);
  }

  @Test
  void randomEventsCompareAsTheirFieldsDo() {
    SplittableRandom random = new SplittableRandom(23);
    for (long window : WINDOWS) {
      EventKeys keys = EventKeys.forWindow(window);
      for (int i = 0; i < 20_000; i++) {
        // Near neighbours as often as far ones: the same window, lane or due time.
        long dueA = random.nextLong(Long.MAX_VALUE);
        long dueB =
            random.nextBoolean()
                ? Math.max(0, Math.min(Long.MAX_VALUE - 3, dueA) + random.nextLong(-3, 4))
                : random.nextLong(Long.MAX_VALUE);
        int laneA = random.nextInt(EventKeys.MAX_LANES + 1);
        int laneB = random.nextBoolean() ? laneA : random.nextInt(EventKeys.MAX_LANES + 1);
        long seqA = random.nextLong(keys.sequenceLimit());
        long seqB = random.nextBoolean() ? seqA + random.nextInt(-1, 2) : seqA / 3;
        seqB = Math.min(Math.max(seqB, 0), keys.sequenceLimit() - 1);
        Fields a = new Fields(dueA / window, laneA, dueA, seqA);
        Fields b = new Fields(dueB / window, laneB, dueB, seqB);
        long ha = keys.high(a.window(), laneA, dueA);
        long la = keys.low(a.window(), laneA, dueA, seqA);
        long hb = keys.high(b.window(), laneB, dueB);
        long lb = keys.low(b.window(), laneB, dueB, seqB);
        int packed = ha != hb ? Long.compare(ha, hb) : Long.compare(la, lb);
        assertThat(packed)
            .as("%s: %s against %s", keys, a, b)
            .isEqualTo(Integer.signum(ORDER.compare(a, b)));
        assertThat(keys.due(hb, lb)).isEqualTo(dueB);
      }
    }
  }

  @Test
  void theSequenceHasAtLeast38BitsWhateverTheWindow() {
    for (long window : WINDOWS) {
      assertThat(EventKeys.forWindow(window).sequenceLimit())
          .as("window %s", window)
          .isGreaterThanOrEqualTo(1L << 38);
    }
    for (int shift = 0; shift < 63; shift++) {
      for (long window : new long[] {1L << shift, (1L << shift) + 1, (1L << shift) - 1}) {
        if (window >= 1) {
          assertThat(EventKeys.forWindow(window).sequenceLimit())
              .as("window %s", window)
              .isGreaterThanOrEqualTo(1L << 38)
              .isLessThanOrEqualTo(1L << 39);
        }
      }
    }
  }
}
