package io.github.vmbackdoor.hostsim.report;

import java.util.ArrayList;
import java.util.List;
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

  /**
   * The width in pixels of {@code text} at {@code size} pixels, from DejaVu Sans' advance widths by
   * class of character, rounded up (the font the picture asks for first; the fallbacks are no
   * wider); bold is a tenth wider. Layout uses it so that text never runs into other text.
   */
  static double width(String text, double size, boolean bold) {
    double em = 0;
    for (int i = 0; i < text.length(); i++) {
      em += advance(text.charAt(i));
    }
    return em * size * (bold ? 1.1 : 1);
  }

  private static double advance(char c) {
    if ("il.,:;'|!j".indexOf(c) >= 0) {
      return 0.4;
    }
    if ("frtI()[]{}/\\-\"`".indexOf(c) >= 0) {
      return 0.42;
    }
    if (c == ' ') {
      return 0.33;
    }
    if ("mwMW%@\u2014\u2026".indexOf(c) >= 0) {
      return 1.0;
    }
    if (Character.isDigit(c)) {
      return 0.64;
    }
    if ("=+<>#~\u00d7".indexOf(c) >= 0) {
      return 0.84;
    }
    if (Character.isUpperCase(c) || c == '&') {
      return 0.79;
    }
    return 0.64;
  }

  /**
   * {@code text} in lines no wider than {@code max} pixels at {@code size}, broken between words; a
   * word wider than a line is broken too, after a hyphen when it has one that fits.
   */
  static List<String> wrap(String text, double max, double size, boolean bold) {
    List<String> rows = new ArrayList<>();
    StringBuilder row = new StringBuilder();
    for (String word : text.strip().split(" +")) {
      String joined = row.length() == 0 ? word : row + " " + word;
      if (width(joined, size, bold) <= max) {
        row.setLength(0);
        row.append(joined);
        continue;
      }
      if (row.length() > 0) {
        rows.add(row.toString());
        row.setLength(0);
      }
      while (width(word, size, bold) > max) {
        int n = 1;
        while (n < word.length() && width(word.substring(0, n + 1), size, bold) <= max) {
          n++;
        }
        int hyphen = word.lastIndexOf('-', n - 1);
        int cut = hyphen > 0 ? hyphen + 1 : n;
        rows.add(word.substring(0, cut));
        word = word.substring(cut);
      }
      row.append(word);
    }
    rows.add(row.toString());
    return rows;
  }

  /** Words in lines of at most {@code width} characters (a longer word gets a line of its own). */
  static List<String> wrapChars(String words, int width) {
    List<String> rows = new ArrayList<>();
    StringBuilder row = new StringBuilder();
    for (String w : words.split(" ")) {
      if (row.length() > 0 && row.length() + 1 + w.length() > width) {
        rows.add(row.toString());
        row.setLength(0);
      }
      row.append(row.length() > 0 ? " " : "").append(w);
    }
    rows.add(row.toString());
    return rows;
  }

  /** {@code text}, or as much of it as fits in {@code max} pixels followed by an ellipsis. */
  static String fit(String text, double max, double size, boolean bold) {
    if (width(text, size, bold) <= max) {
      return text;
    }
    int n = text.length();
    while (n > 0 && width(text.substring(0, n) + "\u2026", size, bold) > max) {
      n--;
    }
    return text.substring(0, n).stripTrailing() + "\u2026";
  }
}
