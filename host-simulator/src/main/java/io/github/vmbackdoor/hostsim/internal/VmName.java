package io.github.vmbackdoor.hostsim.internal;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The one rule for a VM's name, wherever a name is given (the wire protocol's hello, {@code serve
 * --vm}, a vm-config key, the JUnit extension): 1 to {@value #MAX_BYTES} bytes in UTF-8 (the wire
 * protocol's length limit), printable, with no control characters and no invisible formatting
 * characters (such as the bidirectional overrides that make a name read differently than it is).
 */
public final class VmName {

  /** The longest name in UTF-8 bytes, as the wire protocol's hello frame limits it. */
  public static final int MAX_BYTES = 255;

  private VmName() {}

  /** What is wrong with {@code name}, in a few words; empty when it is a good VM name. */
  public static Optional<String> problem(String name) {
    int length = name.getBytes(StandardCharsets.UTF_8).length;
    if (length < 1 || length > MAX_BYTES) {
      return Optional.of(
          "a VM name has 1 to "
              + MAX_BYTES
              + " UTF-8 bytes, not "
              + length
              + ": \""
              + printable(name)
              + "\"");
    }
    if (name.codePoints().anyMatch(VmName::unprintable)) {
      return Optional.of(
          "a VM name has no control or formatting characters: \"" + printable(name) + "\"");
    }
    return Optional.empty();
  }

  /**
   * Returns {@code name} when it is a good VM name.
   *
   * @throws IllegalArgumentException with a one-line message when it is not
   */
  public static String check(String name) {
    problem(name)
        .ifPresent(
            p -> {
              throw new IllegalArgumentException(p);
            });
    return name;
  }

  private static boolean unprintable(int c) {
    int type = Character.getType(c);
    return Character.isISOControl(c)
        || type == Character.FORMAT
        || type == Character.UNASSIGNED
        || type == Character.SURROGATE
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR;
  }

  /** The most characters of a refused name shown in an error; the rest are counted. */
  private static final int SHOWN_CHARS = 120;

  private static String printable(String name) {
    StringBuilder b = new StringBuilder();
    int[] points = name.codePoints().toArray();
    for (int i = 0; i < Math.min(points.length, SHOWN_CHARS); i++) {
      int c = points[i];
      if (unprintable(c)) {
        b.append(String.format("\\u%04x", c));
      } else {
        b.appendCodePoint(c);
      }
    }
    if (points.length > SHOWN_CHARS) {
      b.append("...(").append(points.length - SHOWN_CHARS).append(" more characters)");
    }
    return b.toString();
  }
}
