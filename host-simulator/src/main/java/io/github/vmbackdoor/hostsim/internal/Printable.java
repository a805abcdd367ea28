package io.github.vmbackdoor.hostsim.internal;

/**
 * Input echoed in an error message: at most {@value #MAX} characters, with control, format (bidi)
 * and line-separator characters escaped as {@code \\uXXXX}, so one bad value makes one short,
 * harmless line.
 */
public final class Printable {

  /** The most characters of input an error message echoes. */
  public static final int MAX = 200;

  private Printable() {}

  /** {@code text} made safe to echo. */
  public static String of(String text) {
    StringBuilder b = new StringBuilder(Math.min(text.length(), MAX) + 16);
    int n = 0;
    for (int i = 0; i < text.length() && n < MAX; i++, n++) {
      char c = text.charAt(i);
      int type = Character.getType(c);
      if (c == '\\') {
        b.append("\\\\");
      } else if (Character.isISOControl(c)
          || type == Character.FORMAT
          || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR
          || Character.isSurrogate(c) && !validPair(text, i)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (text.length() > n) {
      b.append("... (").append(text.length()).append(" characters)");
    }
    return b.toString();
  }

  private static boolean validPair(String text, int i) {
    char c = text.charAt(i);
    return Character.isHighSurrogate(c)
        ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
        : i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
  }
}
