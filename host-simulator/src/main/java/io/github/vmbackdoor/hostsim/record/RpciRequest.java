package io.github.vmbackdoor.hostsim.record;

import java.time.Duration;

/**
 * One RPCI request as the host received it.
 *
 * <p>The bytes are decoded as ISO-8859-1, one character per byte, so that no byte is lost. {@link
 * #text()} has trailing NUL bytes removed (vmtoolsd sends one, vmt does not); {@link #command()} is
 * the text up to the first space and {@link #arguments()} everything after that space (empty when
 * there is none). So {@code "tools.capability.statechange "} and {@code
 * "tools.capability.statechange"} both have empty arguments, and {@code "SetGuestInfo 7 1200"} has
 * the arguments {@code " 7 1200"}.
 *
 * @param channelId the RPCI channel it arrived on
 * @param at host time (since the host was built) it arrived
 * @param text the request without trailing NULs
 * @param command the command name
 * @param arguments what follows the command name and one space
 * @param length the number of bytes on the wire (trailing NULs included)
 */
public record RpciRequest(
    int channelId, Duration at, String text, String command, String arguments, int length) {

  /** Parses raw request text (ISO-8859-1 decoded bytes). */
  public static RpciRequest parse(int channelId, Duration at, String raw) {
    int end = raw.length();
    while (end > 0 && raw.charAt(end - 1) == '\0') {
      end--;
    }
    String text = raw.substring(0, end);
    int space = text.indexOf(' ');
    String command = space < 0 ? text : text.substring(0, space);
    String arguments = space < 0 ? "" : text.substring(space + 1);
    return new RpciRequest(channelId, at, text, command, arguments, raw.length());
  }
}
