package io.github.vmbackdoor.hostsim.report;

import java.util.Locale;

/** Numbers and text as the picture writes them. */
final class Format {

  private Format() {}

  /** A count with thousands separators: {@code 3,001}. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** A coordinate with one decimal, the same on every machine. */
  static String num(double v) {
    String s = String.format(Locale.ROOT, "%.1f", v);
    return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
  }

  /** Text escaped for XML content and attribute values. */
  static String xml(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        default -> {
          if (c < 0x20 && c != '\n' && c != '\t') {
            b.append('?'); // not allowed in XML 1.0
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }
}
