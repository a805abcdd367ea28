package io.github.vmbackdoor.hostsim.server;

/**
 * Makes text that came from a client safe to echo in an error frame or a log line: at most {@link
 * #MAX_CHARS} characters, with control characters, bidirectional-text controls and line or
 * paragraph separators written as escapes, so that a client cannot forge log lines, reorder a
 * line's text on a terminal, or fill a log with one message.
 */
final class SafeText {

  /** The most characters of client text kept; the rest is replaced by a count. */
  static final int MAX_CHARS = 120;

  private SafeText() {}

  /** The text quoted, escaped and cut: {@code "vm\u202e1"} becomes {@code "vm\\u202e1"}. */
  static String quote(String text) {
    return "\"" + escape(text) + "\"";
  }

  /** The text escaped and cut, without quotes. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_CHARS) + 16);
    int kept = 0;
    int i = 0;
    while (i < text.length() && kept < MAX_CHARS) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      kept++;
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        default -> {
          if (needsEscape(c)) {
            out.append(String.format("\\u%04x", c));
          } else {
            out.appendCodePoint(c);
          }
        }
      }
    }
    if (i < text.length()) {
      out.append("...(").append(text.codePointCount(i, text.length())).append(" more characters)");
    }
    return out.toString();
  }

  private static boolean needsEscape(int c) {
    return Character.isISOControl(c)
        || c == 0x061C // Arabic letter mark
        || c == 0x200E
        || c == 0x200F // left-to-right and right-to-left marks
        || (c >= 0x202A && c <= 0x202E) // embeddings and overrides
        || (c >= 0x2066 && c <= 0x2069) // isolates
        || c == 0x2028
        || c == 0x2029 // line and paragraph separators
        || Character.getType(c) == Character.UNASSIGNED
        || Character.getType(c) == Character.SURROGATE;
  }
}
