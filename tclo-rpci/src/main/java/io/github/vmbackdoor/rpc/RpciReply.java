package io.github.vmbackdoor.rpc;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The host's answer to one RPCI request: success ({@code "1 "}) or failure ({@code "0 "}) and the
 * text after that two-byte prefix, kept verbatim (an empty text stays empty, a failure's text is
 * the host's error words, never replaced by a default value).
 *
 * <p>An immutable value; build one with {@link #parse(byte[])} from the bytes the host sent.
 */
public final class RpciReply {

  private final boolean success;
  private final byte[] payload;

  private RpciReply(boolean success, byte[] payload) {
    this.success = success;
    this.payload = payload;
  }

  /**
   * Parses the bytes the host answered with.
   *
   * @throws RpciProtocolException when the reply is shorter than two bytes or does not start with
   *     {@code "1 "} or {@code "0 "}
   */
  public static RpciReply parse(byte[] reply) {
    Objects.requireNonNull(reply, "reply");
    if (reply.length < 2) {
      throw new RpciProtocolException(reply, reply.length + " byte(s), at least 2 expected");
    }
    if (reply[1] != ' ' || (reply[0] != '0' && reply[0] != '1')) {
      throw new RpciProtocolException(reply, "does not start with \"1 \" or \"0 \"");
    }
    return new RpciReply(reply[0] == '1', Arrays.copyOfRange(reply, 2, reply.length));
  }

  /** A successful reply with {@code text} (tests and host emulations). */
  public static RpciReply success(String text) {
    return new RpciReply(true, text.getBytes(StandardCharsets.UTF_8));
  }

  /** A failed reply with {@code text} (tests and host emulations). */
  public static RpciReply failure(String text) {
    return new RpciReply(false, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Whether the host answered {@code "1 "}: the command succeeded. */
  public boolean isSuccess() {
    return success;
  }

  /** The text after the two-byte prefix, decoded as UTF-8. */
  public String text() {
    return new String(payload, StandardCharsets.UTF_8);
  }

  /** The bytes after the two-byte prefix, exactly as the host sent them. */
  public byte[] payload() {
    return payload.clone();
  }

  /** The reply as it travelled: prefix and text. */
  public byte[] toBytes() {
    byte[] bytes = new byte[payload.length + 2];
    bytes[0] = (byte) (success ? '1' : '0');
    bytes[1] = ' ';
    System.arraycopy(payload, 0, bytes, 2, payload.length);
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RpciReply)) {
      return false;
    }
    RpciReply r = (RpciReply) o;
    return success == r.success && Arrays.equals(payload, r.payload);
  }

  @Override
  public int hashCode() {
    return 31 * Boolean.hashCode(success) + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return QuotedBytes.of(toBytes());
  }
}
