package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.hostsim.record.RpciRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;

/**
 * {@link RpciRequest#parse} straight from the request's bytes: the text decoded once (without the
 * trailing NULs) instead of the whole message and then its part, and a command the host knows by
 * name taking that name's string instead of a copy. The request is equal to {@code
 * RpciRequest.parse(channelId, at, new String(message, ISO_8859_1))} in every component ({@code
 * RpciRequestParserTest}). Immutable; thread-safe.
 */
final class RpciRequestParser {

  /** The names shared, as ISO-8859-1 bytes, beside the strings. */
  private final String[] names;

  private final byte[][] bytes;

  /** A parser that shares the names in {@code known} that have no space (others never match). */
  RpciRequestParser(Collection<String> known) {
    this.names =
        known.stream().filter(n -> n.indexOf(' ') < 0 && !n.isEmpty()).toArray(String[]::new);
    this.bytes = new byte[names.length][];
    for (int i = 0; i < names.length; i++) {
      bytes[i] = names[i].getBytes(StandardCharsets.ISO_8859_1);
    }
  }

  /** The request {@code message} (bytes as received, trailing NULs included) makes. */
  RpciRequest parse(int channelId, Duration at, byte[] message) {
    int end = message.length;
    while (end > 0 && message[end - 1] == 0) {
      end--;
    }
    int space = -1;
    for (int i = 0; i < end; i++) {
      if (message[i] == ' ') {
        space = i;
        break;
      }
    }
    String text = new String(message, 0, end, StandardCharsets.ISO_8859_1);
    String command = space < 0 ? text : known(message, space);
    if (command == null) {
      command = text.substring(0, space);
    }
    String arguments = space < 0 ? "" : text.substring(space + 1);
    return new RpciRequest(channelId, at, text, command, arguments, message.length);
  }

  /** The known name that is {@code message}'s first {@code length} bytes, or null. */
  private String known(byte[] message, int length) {
    for (int i = 0; i < bytes.length; i++) {
      byte[] name = bytes[i];
      if (name.length == length && java.util.Arrays.equals(name, 0, length, message, 0, length)) {
        return names[i];
      }
    }
    return null;
  }
}
