package io.github.vmbackdoor.rpc;

import java.util.HexFormat;

/** Reply bytes as a message shows them. */
final class QuotedBytes {

  private QuotedBytes() {}

  /** Bytes as a quoted string with control and non-ASCII bytes escaped, cut after 200 bytes. */
  static String of(byte[] bytes) {
    StringBuilder b = new StringBuilder("\"");
    int n = Math.min(bytes.length, 200);
    for (int i = 0; i < n; i++) {
      int c = bytes[i] & 0xFF;
      if (c == '"' || c == '\\') {
        b.append('\\').append((char) c);
      } else if (c >= 0x20 && c < 0x7F) {
        b.append((char) c);
      } else {
        b.append("\\x").append(HexFormat.of().toHexDigits((byte) c));
      }
    }
    b.append('"');
    if (bytes.length > n) {
      b.append("... (").append(bytes.length).append(" bytes)");
    }
    return b.toString();
  }
}
