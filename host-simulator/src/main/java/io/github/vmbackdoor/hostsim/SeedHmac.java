package io.github.vmbackdoor.hostsim;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA256 (RFC 2104) of one short message under the key {@code "vmbackdoor seed:"} followed by
 * a seed's eight big-endian bytes: the function behind {@link CookieSource.Keyed}'s cookies and a
 * host's default UUID, computed with one SHA-256 {@link MessageDigest} per thread and a few arrays
 * reused from call to call instead of a {@link javax.crypto.Mac} keyed anew each time (a key spec,
 * its encoded copy, buffers for the label, the counter and the digest: about 300 bytes and the
 * provider's key checks per RPCI or TCLO OPEN). The digest's compression is the JDK's (and its
 * intrinsic where the CPU has one). The values are the same, bit for bit, as {@code
 * Mac.getInstance("HmacSHA256")} gives ({@code SeedHmacTest}); the message is a label of ASCII
 * characters (at most {@value #MAX_LABEL}) and a counter's eight big-endian bytes.
 *
 * <p>One instance per thread ({@link #ofThread()}): not thread-safe.
 */
final class SeedHmac {

  /**
   * The longest label: label and counter are written into the 64-byte block, with room to spare.
   */
  static final int MAX_LABEL = 47;

  private static final byte[] KEY_PREFIX = {
    'v', 'm', 'b', 'a', 'c', 'k', 'd', 'o', 'o', 'r', ' ', 's', 'e', 'e', 'd', ':'
  };

  private static final ThreadLocal<SeedHmac> THREAD = ThreadLocal.withInitial(SeedHmac::new);

  private final MessageDigest sha256;

  /** The key xor a pad, then the message, then a digest. */
  private final byte[] block = new byte[64];

  /** The inner digest, then the HMAC. */
  private final byte[] digest = new byte[32];

  private SeedHmac() {
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  /** This thread's instance. */
  static SeedHmac ofThread() {
    return THREAD.get();
  }

  /**
   * Computes the HMAC of {@code label} (ASCII) and {@code counter} under {@code seed}'s key; read
   * it with {@link #word} or {@link #first64}.
   */
  SeedHmac compute(long seed, String label, long counter) {
    int n = label.length();
    if (n > MAX_LABEL) {
      throw new IllegalArgumentException("label longer than " + MAX_LABEL + ": " + label);
    }
    try {
      // Inner: H((key ^ ipad) || label || counter).
      keyBlock(seed, (byte) 0x36);
      sha256.update(block, 0, 64);
      for (int i = 0; i < n; i++) {
        block[i] = (byte) label.charAt(i);
      }
      putLong(n, counter);
      sha256.update(block, 0, n + 8);
      sha256.digest(digest, 0, 32);
      // Outer: H((key ^ opad) || inner).
      keyBlock(seed, (byte) 0x5c);
      sha256.update(block, 0, 64);
      sha256.update(digest, 0, 32);
      sha256.digest(digest, 0, 32);
    } catch (DigestException e) {
      throw new IllegalStateException("a SHA-256 digest is 32 bytes", e);
    }
    return this;
  }

  /** Word {@code i} (0 to 7) of the last HMAC computed: its bytes 4i to 4i+3, big-endian. */
  int word(int i) {
    return (digest[4 * i] << 24)
        | ((digest[4 * i + 1] & 0xFF) << 16)
        | ((digest[4 * i + 2] & 0xFF) << 8)
        | (digest[4 * i + 3] & 0xFF);
  }

  /** The first eight bytes of the last HMAC computed, big-endian. */
  long first64() {
    return ((long) word(0) << 32) | (word(1) & 0xFFFFFFFFL);
  }

  /** The last HMAC computed, 32 bytes (for the tests). */
  byte[] bytes() {
    return digest.clone();
  }

  /** The key (prefix, seed, zeros to 64 bytes) xor {@code pad}, in the block. */
  private void keyBlock(long seed, byte pad) {
    java.util.Arrays.fill(block, pad);
    for (int i = 0; i < KEY_PREFIX.length; i++) {
      block[i] ^= KEY_PREFIX[i];
    }
    for (int i = 0; i < 8; i++) {
      block[16 + i] ^= (byte) (seed >>> (56 - 8 * i));
    }
  }

  private void putLong(int at, long v) {
    for (int i = 0; i < 8; i++) {
      block[at + i] = (byte) (v >>> (56 - 8 * i));
    }
  }
}
