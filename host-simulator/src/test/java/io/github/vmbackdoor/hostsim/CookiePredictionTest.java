package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A guest tries to compute another channel's cookies from everything it can observe: the UUID, its
 * own earlier cookies, the channel ids; and, for a host reachable over TCP, even the seed.
 */
class CookiePredictionTest {

  private static final int SEEDS = 4096;

  /** Every pair of cookies the attacker can compute, as 64-bit values. */
  private static Set<Long> predictions(long seed, List<MessageChannel> own, int victimId) {
    Set<Long> p = new HashSet<>();
    // the seeded PRF a test host uses, with the seed known
    for (long count = 1; count <= 64; count++) {
      p.add(CookieSource.KEYED.cookies(seed, count, 0));
    }
    // the old scheme: SplittableRandom(seed), two ints per channel
    SplittableRandom old = new SplittableRandom(seed);
    for (int i = 0; i < 64; i++) {
      p.add(((long) old.nextInt() << 32) | (old.nextInt() & 0xFFFFFFFFL));
    }
    // the slot, and neighbours of the attacker's own cookies
    p.add(((long) (victimId + 1) << 32) | (victimId + 1));
    for (MessageChannel c : own) {
      long mine = ((long) c.cookieHigh() << 32) | (c.cookieLow() & 0xFFFFFFFFL);
      for (int d = -64; d <= 64; d++) {
        p.add(mine + d);
        p.add(mine ^ d);
      }
    }
    return p;
  }

  private static long cookies(ChannelInfo c) {
    return ((long) c.cookieHigh() << 32) | (c.cookieLow() & 0xFFFFFFFFL);
  }

  @Test
  void aHostReachableOverTcpHasCookiesNobodyCanComputeEvenKnowingTheSeed() {
    long seed = 7;
    VirtualHost host = VirtualHost.builder().seed(seed).secureCookies().build();
    List<MessageChannel> own = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      own.add(MessageChannel.open(host.backdoor(), PROTOCOL_RPCI));
    }
    MessageChannel victim = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    ChannelInfo v = host.records().channel(victim.id()).orElseThrow();
    assertThat(predictions(seed, own, v.id())).doesNotContain(cookies(v));
    // the UUID still follows the seed (a reproducible identity), the cookies do not
    VirtualHost twin = VirtualHost.builder().seed(seed).secureCookies().build();
    assertThat(twin.uuid()).isEqualTo(host.uuid());
    MessageChannel first = MessageChannel.open(twin.backdoor(), PROTOCOL_RPCI);
    assertThat(first.cookieHigh()).isNotEqualTo(own.get(0).cookieHigh());
  }

  @Test
  void theUuidDoesNotGiveTheSeedAway() {
    long seed = 1234;
    VirtualHost host = VirtualHost.builder().seed(seed).build();
    UUID seen = new CommandPort(host.backdoor()).uuid().uuid();
    // the old UUID was SplittableRandom(seed ^ 0x5DEECE66D)'s first two longs: a scan found it
    List<Long> found = new ArrayList<>();
    for (long s = 0; s < SEEDS; s++) {
      SplittableRandom r = new SplittableRandom(s ^ 0x5DEECE66DL);
      if (new UUID(r.nextLong(), r.nextLong()).equals(seen)) {
        found.add(s);
      }
    }
    assertThat(found).isEmpty();
    // nor do the cookies follow from the UUID's bits
    MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    long c = cookies(host.records().channel(ch.id()).orElseThrow());
    assertThat(c)
        .isNotEqualTo(seen.getMostSignificantBits())
        .isNotEqualTo(seen.getLeastSignificantBits());
  }

  @Test
  void aSeededHostStaysReproducibleInProcess() {
    VirtualHost a = VirtualHost.builder().seed(99).build();
    VirtualHost b = VirtualHost.builder().seed(99).build();
    for (int i = 0; i < 5; i++) {
      MessageChannel x = MessageChannel.open(a.backdoor(), PROTOCOL_RPCI);
      MessageChannel y = MessageChannel.open(b.backdoor(), PROTOCOL_RPCI);
      assertThat(x.cookieHigh()).isEqualTo(y.cookieHigh());
      assertThat(x.cookieLow()).isEqualTo(y.cookieLow());
    }
    assertThat(a.uuid()).isEqualTo(b.uuid());
  }

  @Test
  void secureCookiesAreNeverHandedOutTwiceAcrossTheGeneratorsBlocks() {
    Set<Long> seen = new HashSet<>();
    int draws = 3 * CookieSource.Secure.BLOCK / Long.BYTES + 5;
    for (int i = 0; i < draws; i++) {
      seen.add(CookieSource.SECURE.cookies(7, i + 1, 0));
    }
    assertThat(seen).hasSize(draws).doesNotContain(0L);
  }
}
