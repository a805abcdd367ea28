package io.github.vmbackdoor.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.common.base.Preconditions;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a trace written by {@link TraceWriter}: the header on construction, then one call per
 * {@link #next()}. Every problem is a {@link TraceFormatException} naming the line; a line
 * longer than {@link #MAX_LINE_CHARS} is refused without being read whole.
 */
public final class TraceReader implements Closeable {

  /** The longest line accepted: a 64 KiB payload in base64 plus the registers, with room. */
  public static final int MAX_LINE_CHARS = 256 * 1024;

  private static final JsonFactory JSON = new JsonFactory();

  private final Reader in;
  private final StringBuilder line = new StringBuilder(256);
  private final char[] buffer = new char[16 * 1024];
  private int bufferPos;
  private int bufferEnd;
  private final TraceHeader header;
  private long lineNumber;
  private boolean eof;

  private TraceReader(Reader in) {
    this.in = in;
    String first = readLine();
    if (first == null) {
      throw new TraceFormatException(1, "empty trace: no header line");
    }
    this.header = parseHeader(first);
  }

  /** Opens a trace file and reads its header. */
  public static TraceReader open(Path file) {
    try {
      return new TraceReader(
          new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open trace " + file, e);
    }
  }

  /** Reads a trace from a stream (UTF-8) and reads its header. */
  public static TraceReader open(InputStream in) {
    Preconditions.checkNotNull(in, "in");
    return new TraceReader(new InputStreamReader(in, StandardCharsets.UTF_8));
  }

  /** Reads a whole trace file into memory. */
  public static List<TraceCall> readAll(Path file) {
    try (TraceReader r = open(file)) {
      List<TraceCall> calls = new ArrayList<>();
      for (TraceCall c = r.next(); c != null; c = r.next()) {
        calls.add(c);
      }
      return calls;
    }
  }

  public TraceHeader header() {
    return header;
  }

  /** The 1-based number of the line last read. */
  public long lineNumber() {
    return lineNumber;
  }

  /** The next call, or {@code null} at the end of the trace. Blank lines are skipped. */
  public TraceCall next() {
    while (true) {
      String text = readLine();
      if (text == null) {
        return null;
      }
      if (!text.isBlank()) {
        return parseCall(text);
      }
    }
  }

  private TraceHeader parseHeader(String text) {
    String format = null;
    int version = -1;
    Map<String, String> vm = new LinkedHashMap<>();
    Instant start = null;
    try (JsonParser p = JSON.createParser(text)) {
      expect(p.nextToken() == JsonToken.START_OBJECT, "header is not a JSON object");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "format":
            format = p.getText();
            break;
          case "version":
            expect(value == JsonToken.VALUE_NUMBER_INT, "version is not a whole number");
            version = p.getIntValue();
            break;
          case "vm":
            expect(value == JsonToken.START_OBJECT, "vm is not an object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String key = p.getCurrentName();
              p.nextToken();
              vm.put(key, p.getText());
            }
            break;
          case "start":
            start = Instant.parse(p.getText());
            break;
          default:
            p.skipChildren();
        }
      }
    } catch (IOException | DateTimeParseException e) {
      throw new TraceFormatException(lineNumber, "bad header: " + e.getMessage(), e);
    }
    expect(TraceHeader.FORMAT_NAME.equals(format),
        "not a vmbackdoor trace (format is " + format + ")");
    expect(version == TraceHeader.FORMAT_VERSION,
        "unsupported trace version " + version + " (this reader knows "
            + TraceHeader.FORMAT_VERSION + ")");
    return TraceHeader.of(version, vm, start);
  }

  private TraceCall parseCall(String text) {
    long time = -1;
    String op = null;
    Registers request = null;
    Registers answer = null;
    byte[] bytes = null;
    try (JsonParser p = JSON.createParser(text)) {
      expect(p.nextToken() == JsonToken.START_OBJECT, "call is not a JSON object");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "t":
            expect(value == JsonToken.VALUE_NUMBER_INT, "t is not a whole number");
            time = p.getLongValue();
            break;
          case "op":
            op = p.getText();
            break;
          case "in":
            request = parseRegisters(p.getText());
            break;
          case "out":
            answer = parseRegisters(p.getText());
            break;
          case "bytes":
            bytes = Base64.getDecoder().decode(p.getText());
            break;
          default:
            p.skipChildren();
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new TraceFormatException(lineNumber, "bad call: " + e.getMessage(), e);
    }
    expect(time >= 0, "call has no time t");
    expect(op != null, "call has no op");
    expect(request != null, "call has no in registers");
    expect(answer != null, "call has no out registers");
    try {
      return TraceCall.of(time, TraceCall.Operation.fromWireName(op), request, answer, bytes);
    } catch (IllegalArgumentException e) {
      throw new TraceFormatException(lineNumber, e.getMessage(), e);
    }
  }

  /** Seven groups of hex digits separated by single spaces, eax first. */
  static Registers parseRegisters(String text) {
    int[] r = new int[7];
    int field = 0;
    int start = 0;
    for (int i = 0; i <= text.length(); i++) {
      if (i == text.length() || text.charAt(i) == ' ') {
        if (field == 7 || i == start || i - start > 8) {
          throw new IllegalArgumentException("registers must be seven 32-bit hex values: " + text);
        }
        r[field++] = Integer.parseUnsignedInt(text, start, i, 16);
        start = i + 1;
      }
    }
    if (field != 7) {
      throw new IllegalArgumentException("registers must be seven 32-bit hex values: " + text);
    }
    return Registers.of(r[0], r[1], r[2], r[3], r[4], r[5], r[6]);
  }

  private void expect(boolean condition, String message) {
    if (!condition) {
      throw new TraceFormatException(lineNumber, message);
    }
  }

  /** Reads one line of at most {@link #MAX_LINE_CHARS}; null at the end. */
  private String readLine() {
    if (eof) {
      return null;
    }
    line.setLength(0);
    lineNumber++;
    try {
      while (true) {
        if (bufferPos == bufferEnd) {
          bufferEnd = in.read(buffer, 0, buffer.length);
          bufferPos = 0;
          if (bufferEnd <= 0) {
            bufferEnd = 0;
            eof = true;
            return line.length() == 0 ? null : line.toString();
          }
        }
        int i = bufferPos;
        while (i < bufferEnd && buffer[i] != '\n') {
          i++;
        }
        if (line.length() + (i - bufferPos) > MAX_LINE_CHARS) {
          throw new TraceFormatException(lineNumber,
              "line longer than " + MAX_LINE_CHARS + " characters");
        }
        line.append(buffer, bufferPos, i - bufferPos);
        if (i < bufferEnd) {
          bufferPos = i + 1;
          int n = line.length();
          if (n > 0 && line.charAt(n - 1) == '\r') {
            line.setLength(n - 1);
          }
          return line.toString();
        }
        bufferPos = bufferEnd;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read trace at line " + lineNumber, e);
    }
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close trace", e);
    }
  }
}
