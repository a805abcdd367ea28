package io.github.vmbackdoor.hostsim;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Where a host's channel cookies come from. {@link Keyed} derives them from the seed, so an
 * in-process run is reproduced byte for byte; {@link Secure} draws them from {@link SecureRandom},
 * for hosts that untrusted guests reach over TCP. Both hold no state of a host's (the channel table
 * keeps the seed and the count), so all hosts share the two instances. Thread-safe.
 */
interface CookieSource {

  /** Cookies derived from the seed. */
  CookieSource KEYED = new Keyed();

  /** Cookies from a {@link SecureRandom}. */
  CookieSource SECURE = new Secure();

  /**
   * The 64 bits of a channel's cookies (high word first): the {@code count}-th cookies (from 1) a
   * host with this seed hands out, for the channel in {@code slot}.
   */
  long cookies(long seed, long count, int slot);

  /**
   * Cookies as HMAC-SHA256, keyed from the seed, over a label and the allocation counter. Nothing a
   * guest can see (the UUID, its own cookies, channel ids) lets it compute another channel's
   * cookies without the key; but a seed is usually a small number anyone can try, so this is for
   * tests, never for untrusted guests. Computed by {@link SeedHmac}, one per thread: hosts hold
   * only their seeds (a keyed {@code Mac} with its digest state would weigh about 700 bytes, more
   * than the rest of an idle host).
   */
  final class Keyed implements CookieSource {
    private Keyed() {}

    @Override
    public long cookies(long seed, long count, int slot) {
      return SeedHmac.ofThread().compute(seed, "cookie", count).first64();
    }
  }

  /**
   * Cookies as {@link Keyed}'s, but keyed from a secret of 64 bits of its own instead of the seed:
   * a run is reproduced from the seed and the key together, and nothing a guest can read (the UUID,
   * derived from the seed; its own cookies) reveals the key, which no one guesses.
   */
  final class KeyedBy implements CookieSource {
    private final long key;

    KeyedBy(long key) {
      this.key = key;
    }

    @Override
    public long cookies(long seed, long count, int slot) {
      return SeedHmac.ofThread().compute(key, "cookie", count).first64();
    }
  }

  /**
   * Cookies from a {@link SecureRandom}: unrelated to the seed and to anything a guest sees. One
   * generator for all hosts (each would weigh as much as a host), read {@value #BLOCK} bytes at a
   * time into a buffer that hands out eight bytes per OPEN, so that an OPEN takes a lock and two
   * array reads instead of a call into the generator (two {@code nextBytes} of four bytes, each
   * mixing and locking on its own). The buffer is the generator's output, not derived from it: the
   * cookies are as unpredictable as drawn one by one, and a guest that sees its own cookies learns
   * nothing of those still in the buffer or handed to other guests. Each eight bytes is handed out
   * once and cleared as it is taken.
   */
  final class Secure implements CookieSource {
    /** Bytes read from the generator at a time: 64 OPENs' cookies. */
    static final int BLOCK = 512;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] buffer = new byte[BLOCK];
    private int next = BLOCK;

    private Secure() {}

    @Override
    public long cookies(long seed, long count, int slot) {
      synchronized (buffer) {
        if (next == BLOCK) {
          RANDOM.nextBytes(buffer);
          next = 0;
        }
        long cookies = (long) BYTES.get(buffer, next);
        BYTES.set(buffer, next, 0L);
        next += Long.BYTES;
        return cookies;
      }
    }

    private static final VarHandle BYTES =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  }

  /**
   * The UUID a host with this seed reports when none is set: from the same keyed PRF under its own
   * label, so GETUUID reveals neither the seed nor any cookie.
   */
  static UUID uuidFor(long seed) {
    SeedHmac hmac = SeedHmac.ofThread().compute(seed, "uuid", 0);
    return new UUID(hmac.first64(), ((long) hmac.word(2) << 32) | (hmac.word(3) & 0xFFFFFFFFL));
  }
}
