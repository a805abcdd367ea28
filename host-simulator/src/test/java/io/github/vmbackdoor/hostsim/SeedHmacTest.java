package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** {@link SeedHmac} gives what the JDK's HmacSHA256 gives, so cookies and UUIDs are unchanged. */
class SeedHmacTest {

  /** The derivation as it was written with the JDK's Mac, keyed anew per call. */
  private static byte[] jdk(long seed, String label, long counter) throws Exception {
    byte[] key =
        ByteBuffer.allocate(24)
            .put("vmbackdoor seed:".getBytes(StandardCharsets.US_ASCII))
            .putLong(seed)
            .array();
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    mac.update(label.getBytes(StandardCharsets.US_ASCII));
    mac.update(ByteBuffer.allocate(8).putLong(counter).array());
    return mac.doFinal();
  }

  private static final long[] EDGES = {
    0,
    1,
    -1,
    2,
    7,
    42,
    255,
    256,
    0x80,
    Integer.MAX_VALUE,
    Integer.MIN_VALUE,
    0xFFFFFFFFL,
    0x1_0000_0000L,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    0x0123_4567_89AB_CDEFL,
    0x8080_8080_8080_8080L
  };

  @Test
  void theHmacIsTheJdksForEdgeSeedsCountersAndLabels() throws Exception {
    String[] labels = {
      "cookie", "uuid", "", "x", "a label of forty-seven characters: the longest."
    };
    assertThat(labels[4]).hasSize(SeedHmac.MAX_LABEL);
    for (long seed : EDGES) {
      for (long counter : EDGES) {
        for (String label : labels) {
          assertThat(SeedHmac.ofThread().compute(seed, label, counter).bytes())
              .as("seed %d, label \"%s\", counter %d", seed, label, counter)
              .isEqualTo(jdk(seed, label, counter));
        }
      }
    }
  }

  @Test
  void theHmacIsTheJdksForRandomSeedsAndCounters() throws Exception {
    SplittableRandom random = new SplittableRandom(29);
    for (int i = 0; i < 2000; i++) {
      long seed = random.nextLong();
      long counter = i % 2 == 0 ? random.nextLong() : random.nextLong(1 << 20);
      assertThat(SeedHmac.ofThread().compute(seed, "cookie", counter).bytes())
          .isEqualTo(jdk(seed, "cookie", counter));
    }
  }

  @Test
  void cookiesAndTheUuidAreTheFirstBytesOfTheJdksHmac() throws Exception {
    for (long seed : EDGES) {
      for (long count = 1; count <= 5; count++) {
        long expected = ByteBuffer.wrap(jdk(seed, "cookie", count)).getLong();
        assertThat(CookieSource.KEYED.cookies(seed, count, 3)).isEqualTo(expected);
        assertThat(new CookieSource.KeyedBy(seed).cookies(99, count, 0)).isEqualTo(expected);
      }
      ByteBuffer uuid = ByteBuffer.wrap(jdk(seed, "uuid", 0));
      assertThat(CookieSource.uuidFor(seed)).isEqualTo(new UUID(uuid.getLong(), uuid.getLong()));
    }
  }

  @Test
  void aKnownSeedGivesTheCookiesAndUuidItAlwaysGave() {
    // Pinned values: a recorded run replays only while these stay the same.
    assertThat(CookieSource.KEYED.cookies(0, 1, 0)).isEqualTo(KNOWN_COOKIE_SEED0_COUNT1);
    assertThat(CookieSource.uuidFor(0)).isEqualTo(KNOWN_UUID_SEED0);
  }

  private static final long KNOWN_COOKIE_SEED0_COUNT1 = 0x5d97_3ff5_765f_d24dL;
  private static final UUID KNOWN_UUID_SEED0 =
      UUID.fromString("50e32fde-1dfd-8905-17d1-2c530d28f7dd");

  @Test
  void aLabelTooLongForOneBlockIsRefused() {
    assertThatThrownBy(() -> SeedHmac.ofThread().compute(1, "y".repeat(SeedHmac.MAX_LABEL + 1), 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
