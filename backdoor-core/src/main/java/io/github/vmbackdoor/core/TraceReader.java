package io.github.vmbackdoor.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a trace written by {@link TraceWriter}: the header on construction, then one call per
 * {@link #next()} (or one call or host event per {@link #nextEntry()}). One Jackson streaming
 * parser reads the whole trace, a line at a time: the lines are handed to it one by one, so that a
 * line longer than {@link #MAX_LINE_CHARS} is refused before it is parsed and a JSON object must
 * begin and end on its own line (JSON Lines). Every problem is a {@link TraceFormatException}
 * naming the line, in words of its own rather than the parser's; the first one ends the reading. A
 * byte order mark before the header is skipped.
 */
public final class TraceReader implements Closeable {

  /** The longest line accepted: a 64 KiB payload in base64 plus the registers, with room. */
  public static final int MAX_LINE_CHARS = 256 * 1024;

  /** The fields a header line knows, and those a call line knows; each may appear once. */
  private static final List<String> HEADER_FIELDS = List.of("format", "version", "vm", "start");

  private static final List<String> CALL_FIELDS = List.of("t", "op", "in", "out", "bytes", "host");

  private final TraceLines lines;
  private final JsonParser p;
  private final TraceHeader header;
  private long lineNumber;
  private TraceFormatException failure;

  private TraceReader(JsonFactory json, InputStream in) {
    this.lines = new TraceLines(in, MAX_LINE_CHARS);
    try {
      this.p = json.createParser(lines);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read trace", e);
    }
    this.header = parseHeader();
  }

  /**
   * Opens a trace file and reads its header.
   *
   * @throws IllegalStateException when jackson-core is not on the class path
   */
  public static TraceReader open(Path file) {
    JsonFactory json = TraceJson.factory();
    try {
      return new TraceReader(json, Files.newInputStream(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open trace " + file, e);
    }
  }

  /**
   * Reads a trace from a stream (UTF-8) and reads its header.
   *
   * @throws IllegalStateException when jackson-core is not on the class path
   */
  public static TraceReader open(InputStream in) {
    Objects.requireNonNull(in, "in");
    return new TraceReader(TraceJson.factory(), in);
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

  /**
   * The next call, or {@code null} at the end of the trace; host events between calls are skipped
   * (guest-facing replay has nothing to do with them). Blank lines are skipped. After a {@link
   * TraceFormatException} every call throws the same exception.
   */
  public TraceCall next() {
    for (TraceEntry e = nextEntry(); e != null; e = nextEntry()) {
      if (e instanceof TraceCall call) {
        return call;
      }
    }
    return null;
  }

  /**
   * The next call or host event, or {@code null} at the end of the trace. Blank lines are skipped.
   * After a {@link TraceFormatException} every call throws the same exception.
   */
  public TraceEntry nextEntry() {
    if (failure != null) {
      throw failure;
    }
    try {
      if (!nextObject("call")) {
        return null;
      }
      return parseEntry();
    } catch (TraceFormatException e) {
      failure = e;
      throw e;
    }
  }

  /**
   * Moves to the next line's JSON object; false at the end of the trace. The object must start on a
   * line of its own.
   */
  private boolean nextObject(String what) {
    long previousLine = lineNumber;
    JsonToken token;
    try {
      token = p.nextToken();
    } catch (IOException e) {
      lineNumber = lines.lineNumber();
      throw notJson(what, e);
    }
    if (token == null) {
      return false;
    }
    lineNumber = p.currentTokenLocation().getLineNr();
    if (lineNumber == previousLine) {
      throw new TraceFormatException(
          lineNumber,
          "text after the JSON object at column " + p.currentTokenLocation().getColumnNr());
    }
    expect(token == JsonToken.START_OBJECT, what + " is not a JSON object");
    return true;
  }

  /** The object ended on the line it began on. */
  private void expectSameLine(String what) {
    if (p.currentLocation().getLineNr() != lineNumber) {
      throw new TraceFormatException(
          lineNumber, what + " line ends inside its JSON object (is the trace cut short?)");
    }
  }

  private TraceHeader parseHeader() {
    String format = null;
    int version = -1;
    Map<String, String> vm = new LinkedHashMap<>();
    Instant start = null;
    if (!nextObject("header")) {
      throw new TraceFormatException(1, "empty trace: no header line");
    }
    int seen = 0;
    try {
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        JsonToken value = p.nextToken();
        int field = HEADER_FIELDS.indexOf(name);
        if (field >= 0) {
          expect((seen & (1 << field)) == 0, "the header has two " + name + " fields");
          seen |= 1 << field;
        }
        switch (name) {
          case "format" -> format = string(value, "format");
          case "version" -> {
            expect(value == JsonToken.VALUE_NUMBER_INT, "version is not a whole number");
            expect(
                p.getNumberType() == JsonParser.NumberType.INT,
                "unsupported trace version " + p.getText());
            version = p.getIntValue();
          }
          case "vm" -> {
            expect(value == JsonToken.START_OBJECT, "vm is not an object");
            for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
              String text = string(p.nextToken(), "vm." + key);
              expect(vm.putIfAbsent(key, text) == null, "the header's vm has two " + key + " keys");
            }
          }
          case "start" -> start = instant(string(value, "start"));
          default ->
              // Later revisions may add fields; a nested value is another format, not one of them.
              expect(
                  value.isScalarValue(),
                  "header field "
                      + name
                      + " holds "
                      + (value == JsonToken.START_ARRAY ? "an array" : "an object")
                      + " (vm is the header's only object)");
        }
      }
    } catch (IOException e) {
      throw notJson("header", e);
    }
    expectSameLine("header");
    expect(
        TraceHeader.FORMAT_NAME.equals(format),
        "not a vmbackdoor trace (format is " + format + ")");
    expect(
        version >= TraceHeader.OLDEST_VERSION && version <= TraceHeader.FORMAT_VERSION,
        "unsupported trace version "
            + version
            + " (this reader knows "
            + TraceHeader.OLDEST_VERSION
            + " to "
            + TraceHeader.FORMAT_VERSION
            + ")");
    return TraceHeader.of(version, vm, start);
  }

  private TraceEntry parseEntry() {
    long time = -1;
    String op = null;
    String host = null;
    Registers request = null;
    Registers answer = null;
    byte[] bytes = null;
    int seen = 0;
    try {
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        JsonToken value = p.nextToken();
        int field = CALL_FIELDS.indexOf(name);
        if (field >= 0) {
          expect((seen & (1 << field)) == 0, "the call has two " + name + " fields");
          seen |= 1 << field;
        }
        switch (name) {
          case "t" -> {
            expect(value == JsonToken.VALUE_NUMBER_INT, "t is not a whole number");
            expect(p.getNumberType() != JsonParser.NumberType.BIG_INTEGER, "t is too large");
            time = p.getLongValue();
            expect(time >= 0, "t is negative");
          }
          case "op" -> op = string(value, "op");
          case "in" -> request = registers(value, "in");
          case "out" -> answer = registers(value, "out");
          case "bytes" -> bytes = base64(string(value, "bytes"));
          case "host" -> host = string(value, "host");
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw notJson("call", e);
    }
    expectSameLine("call");
    if (host != null) {
      expect(time >= 0, "host event has no time t");
      expect(
          op == null && request == null && answer == null && bytes == null,
          "a line is a call or a host event, not both");
      try {
        return new TraceHostEvent(time, host);
      } catch (IllegalArgumentException e) {
        throw new TraceFormatException(lineNumber, e.getMessage(), e);
      }
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

  /** A parser's complaint in our words: where on the line the JSON breaks, not the parser's. */
  private TraceFormatException notJson(String what, IOException e) {
    if (!(e instanceof JsonProcessingException j)) {
      throw new UncheckedIOException("cannot read trace at line " + lines.lineNumber(), e);
    }
    JsonLocation at = j.getLocation();
    boolean pastTheLine =
        at != null
            && (at.getLineNr() > lineNumber
                || (lines.lineNumber() == lineNumber && at.getColumnNr() > lines.length()));
    if (e instanceof JsonEOFException || pastTheLine) {
      return new TraceFormatException(
          lineNumber, what + " line ends inside its JSON object (is the trace cut short?)", e);
    }
    if (at != null) {
      return new TraceFormatException(
          lineNumber, what + " is not valid JSON at column " + at.getColumnNr(), e);
    }
    return new TraceFormatException(lineNumber, what + " is not valid JSON", e);
  }

  private String string(JsonToken value, String field) throws IOException {
    expect(value == JsonToken.VALUE_STRING, field + " is not a string");
    return p.getText();
  }

  private Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new TraceFormatException(lineNumber, "start is not an ISO-8601 instant: " + text, e);
    }
  }

  private byte[] base64(String text) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new TraceFormatException(lineNumber, "bytes is not base64: " + e.getMessage(), e);
    }
  }

  /** A register string read in place from the parser's buffer, without a copy. */
  private Registers registers(JsonToken value, String field) throws IOException {
    expect(value == JsonToken.VALUE_STRING, field + " is not a string");
    try {
      return TraceRegisters.parse(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    } catch (IllegalArgumentException e) {
      throw new TraceFormatException(lineNumber, field + ": " + e.getMessage(), e);
    }
  }

  private void expect(boolean condition, String message) {
    if (!condition) {
      throw new TraceFormatException(lineNumber, message);
    }
  }

  @Override
  public void close() {
    try {
      p.close();
      lines.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close trace", e);
    }
  }
}
