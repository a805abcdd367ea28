package io.github.vmbackdoor.core;

import java.util.HexFormat;

/**
 * The seven registers as a trace line holds them: space-separated groups of hex digits, eax first.
 * {@link TraceWriter} writes eight digits a group; {@link TraceReader} reads one to eight.
 */
final class TraceRegisters {

  private static final HexFormat HEX = HexFormat.of();

  private TraceRegisters() {}

  /** Appends the seven registers as space-separated groups of eight hex digits, eax first. */
  static void append(StringBuilder b, Registers r) {
    appendHex(b, r.eax());
    b.append(' ');
    appendHex(b, r.ebx());
    b.append(' ');
    appendHex(b, r.ecx());
    b.append(' ');
    appendHex(b, r.edx());
    b.append(' ');
    appendHex(b, r.esi());
    b.append(' ');
    appendHex(b, r.edi());
    b.append(' ');
    appendHex(b, r.ebp());
  }

  private static void appendHex(StringBuilder b, int value) {
    HEX.toHexDigits(b, (byte) (value >>> 24));
    HEX.toHexDigits(b, (byte) (value >>> 16));
    HEX.toHexDigits(b, (byte) (value >>> 8));
    HEX.toHexDigits(b, (byte) value);
  }

  /**
   * Reads seven groups of one to eight hex digits separated by single spaces, eax first.
   *
   * @throws IllegalArgumentException naming the text when it is not that
   */
  static Registers parse(String text) {
    return parse(text.toCharArray(), 0, text.length());
  }

  /** {@link #parse(String)} on {@code length} characters of {@code text} at {@code from}. */
  static Registers parse(char[] text, int from, int length) {
    int[] r = new int[7];
    int field = 0;
    int digits = 0;
    int value = 0;
    int end = from + length;
    for (int i = from; i <= end; i++) {
      if (i == end || text[i] == ' ') {
        if (field == 7 || digits == 0) {
          throw badRegisters(text, from, length);
        }
        r[field++] = value;
        digits = 0;
        value = 0;
      } else if (digits == 8) {
        throw badRegisters(text, from, length);
      } else {
        try {
          value = (value << 4) | HexFormat.fromHexDigit(text[i]);
        } catch (NumberFormatException e) {
          throw badRegisters(text, from, length);
        }
        digits++;
      }
    }
    if (field != 7) {
      throw badRegisters(text, from, length);
    }
    return Registers.of(r[0], r[1], r[2], r[3], r[4], r[5], r[6]);
  }

  private static IllegalArgumentException badRegisters(char[] text, int from, int length) {
    return new IllegalArgumentException(
        "registers must be seven 32-bit hex values: " + new String(text, from, length));
  }
}
