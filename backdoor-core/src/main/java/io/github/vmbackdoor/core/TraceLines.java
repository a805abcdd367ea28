package io.github.vmbackdoor.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The trace's text handed to the parser one whole line at a time, so that the parser never sees a
 * line longer than its limit ({@link TraceReader#MAX_LINE_CHARS}) nor reads ahead of the line it is
 * on. Each line is cut from the bytes at its {@code \n} and decoded on its own, strictly: bytes
 * that are not UTF-8 are an error naming the line and the byte, never replaced. Skips a byte order
 * mark at the start.
 */
final class TraceLines extends Reader {
  private static final char BOM = '\uFEFF';

  /** The most characters a line may have, its line break not counted. */
  private final int maxChars;

  /**
   * The most bytes a line of {@link #maxChars} characters can take in UTF-8: three per character (a
   * supplementary character is four bytes for two characters).
   */
  private final int maxBytes;

  private final InputStream in;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final byte[] buffer = new byte[16 * 1024];
  private int bufferPos;
  private int bufferEnd;
  private byte[] bytes = new byte[1024];
  private int bytesEnd;
  private char[] line = new char[1024];
  private int linePos;
  private int lineEnd;
  private long lineNumber;
  private boolean eof;

  /** The lines of {@code in}, each of at most {@code maxChars} characters. */
  TraceLines(InputStream in, int maxChars) {
    this.in = in;
    this.maxChars = maxChars;
    this.maxBytes = 3 * maxChars;
  }

  /** The 1-based number of the line being handed out. */
  long lineNumber() {
    return lineNumber;
  }

  /** How many characters that line has, its line break not counted. */
  int length() {
    int n = lineEnd;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
      n--;
    }
    return n;
  }

  @Override
  public int read(char[] into, int off, int len) throws IOException {
    if (linePos == lineEnd && !nextLine()) {
      return -1;
    }
    int n = Math.min(len, lineEnd - linePos);
    System.arraycopy(line, linePos, into, off, n);
    linePos += n;
    return n;
  }

  /** Reads and decodes the next line, its newline included, into {@code line}; false at the end. */
  private boolean nextLine() throws IOException {
    if (eof) {
      return false;
    }
    linePos = 0;
    lineEnd = 0;
    bytesEnd = 0;
    lineNumber++;
    while (true) {
      if (bufferPos == bufferEnd) {
        bufferEnd = in.read(buffer, 0, buffer.length);
        bufferPos = 0;
        if (bufferEnd <= 0) {
          bufferEnd = 0;
          eof = true;
          if (bytesEnd == 0) {
            return false;
          }
          decode();
          return true;
        }
      }
      int i = bufferPos;
      while (i < bufferEnd && buffer[i] != '\n') {
        i++;
      }
      boolean newline = i < bufferEnd;
      int n = i - bufferPos + (newline ? 1 : 0);
      if (bytesEnd + n - (newline ? 1 : 0) > maxBytes) {
        throw tooLong();
      }
      if (bytesEnd + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytesEnd + n, 2 * bytes.length));
      }
      System.arraycopy(buffer, bufferPos, bytes, bytesEnd, n);
      bytesEnd += n;
      bufferPos += n;
      if (newline) {
        decode();
        return true;
      }
    }
  }

  /** Decodes the line's bytes into {@code line}; a byte order mark opening line 1 is dropped. */
  private void decode() {
    if (line.length < bytesEnd) {
      line = new char[Math.max(bytesEnd, 2 * line.length)];
    }
    ByteBuffer from = ByteBuffer.wrap(bytes, 0, bytesEnd);
    CharBuffer to = CharBuffer.wrap(line);
    decoder.reset();
    CoderResult result = decoder.decode(from, to, true);
    if (!result.isError()) {
      result = decoder.flush(to);
    }
    if (result.isError()) {
      throw new TraceFormatException(
          lineNumber,
          String.format(
              "not valid UTF-8: byte %d of the line is 0x%02x",
              from.position() + 1, bytes[from.position()] & 0xFF));
    }
    lineEnd = to.position();
    if (lineNumber == 1 && line[0] == BOM) {
      lineEnd--;
      System.arraycopy(line, 1, line, 0, lineEnd);
    }
    if (length() > maxChars) {
      throw tooLong();
    }
  }

  private TraceFormatException tooLong() {
    return new TraceFormatException(lineNumber, "line longer than " + maxChars + " characters");
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
