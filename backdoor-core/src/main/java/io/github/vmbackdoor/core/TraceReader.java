package io.github.vmbackdoor.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
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
 * {@link #next()}. Every problem is a {@link TraceFormatException} naming the line; a line longer
 * than {@link #MAX_LINE_CHARS} is refused without being read whole.
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
    this.header = parseHeader(first.startsWith("\uFEFF") ? first.substring(1) : first);
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
    } catch (IOException e) {
      throw new TraceFormatException(lineNumber, "bad header: " + jsonProblem(e), e);
    } catch (DateTimeParseException e) {
      throw new TraceFormatException(lineNumber, "bad header: start is not an ISO-8601 instant", e);
    }
    expect(
        TraceHeader.FORMAT_NAME.equals(format),
        "not a vmbackdoor trace (format is " + format + ")");
    expect(
        version == TraceHeader.FORMAT_VERSION,
        "unsupported trace version "
            + version
            + " (this reader knows "
            + TraceHeader.FORMAT_VERSION
            + ")");
    return TraceHeader.of(version, vm, start);
  }

  private TraceCall parseCall(String text) {
    TraceCall written = parseAsWritten(text);
    return written != null ? written : parseJson(text);
  }

  /**
   * A call line exactly as {@link TraceWriter} writes it ({@code {"t":..,"op":"..","in":"..",
   * "out":".."[,"bytes":".."]}}, eight hex digits per register), read without a JSON parser; null
   * when the line has any other form or content the JSON path would refuse, so that path reads it
   * (or names what is wrong with it). Traces are read in bulk for replay; this keeps a million-call
   * trace well within a second.
   */
  static TraceCall parseAsWritten(String s) {
    int n = s.length();
    if (!s.startsWith("{\"t\":")) {
      return null;
    }
    int i = 5;
    int digits = i;
    long time = 0;
    while (i < n && i - digits < 18 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      time = time * 10 + (s.charAt(i) - '0');
      i++;
    }
    if (i == digits
        || (s.charAt(digits) == '0' && i - digits > 1)
        || !s.startsWith(",\"op\":\"", i)) {
      return null;
    }
    i += 7;
    TraceCall.Operation op;
    if (s.startsWith("in\"", i)) {
      op = TraceCall.Operation.IN;
      i += 3;
    } else if (s.startsWith("outs\"", i)) {
      op = TraceCall.Operation.OUTS;
      i += 5;
    } else if (s.startsWith("ins\"", i)) {
      op = TraceCall.Operation.INS;
      i += 4;
    } else {
      return null;
    }
    if (!s.startsWith(",\"in\":\"", i)) {
      return null;
    }
    i += 7;
    Registers request = registersAsWritten(s, i);
    i += REGISTERS_AS_WRITTEN;
    if (request == null || !s.startsWith("\",\"out\":\"", i)) {
      return null;
    }
    i += 9;
    Registers answer = registersAsWritten(s, i);
    i += REGISTERS_AS_WRITTEN;
    if (answer == null) {
      return null;
    }
    byte[] bytes = null;
    if (s.startsWith("\",\"bytes\":\"", i)) {
      i += 11;
      int end = n - 2;
      if (end < i || !s.startsWith("\"}", end)) {
        return null;
      }
      for (int j = i; j < end; j++) {
        char c = s.charAt(j);
        if (c == '"' || c == '\\') {
          return null;
        }
      }
      try {
        bytes = Base64.getDecoder().decode(s.substring(i, end));
      } catch (IllegalArgumentException e) {
        return null;
      }
    } else if (i != n - 2 || !s.startsWith("\"}", i)) {
      return null;
    }
    if (op == TraceCall.Operation.IN && bytes != null && bytes.length > 0) {
      return null;
    }
    return TraceCall.of(time, op, request, answer, bytes);
  }

  /** Seven registers of eight hex digits each, separated by single spaces. */
  private static final int REGISTERS_AS_WRITTEN = 7 * 8 + 6;

  private static Registers registersAsWritten(String s, int from) {
    if (from + REGISTERS_AS_WRITTEN > s.length()) {
      return null;
    }
    int[] r = new int[7];
    int i = from;
    for (int field = 0; field < 7; field++) {
      if (field > 0 && s.charAt(i++) != ' ') {
        return null;
      }
      int value = 0;
      for (int end = i + 8; i < end; i++) {
        int digit = Character.digit(s.charAt(i), 16);
        if (digit < 0) {
          return null;
        }
        value = (value << 4) | digit;
      }
      r[field] = value;
    }
    return Registers.of(r[0], r[1], r[2], r[3], r[4], r[5], r[6]);
  }

  private TraceCall parseJson(String text) {
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
    } catch (IOException e) {
      throw new TraceFormatException(lineNumber, "bad call: " + jsonProblem(e), e);
    } catch (IllegalArgumentException e) {
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

  /** What is wrong with a line the JSON parser refused, in the trace format's words. */
  private static String jsonProblem(IOException e) {
    if (e instanceof JsonEOFException) {
      return "the line ends inside its JSON object (is the trace cut short?)";
    }
    if (e instanceof JsonProcessingException json && json.getLocation() != null) {
      return "not a JSON object (column " + json.getLocation().getColumnNr() + ")";
    }
    return "not a JSON object";
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
          throw new TraceFormatException(
              lineNumber, "line longer than " + MAX_LINE_CHARS + " characters");
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
