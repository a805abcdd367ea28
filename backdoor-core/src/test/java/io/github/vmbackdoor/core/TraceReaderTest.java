package io.github.vmbackdoor.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each check {@link TraceReader} makes: the bytes (UTF-8 only, line length), the header's shape,
 * the call fields and the register strings, each refused with its line and its own words, and each
 * limit taken at its exact boundary.
 */
class TraceReaderTest {

  private static final String HEADER = "{\"format\":\"vmbackdoor-trace\",\"version\":1}\n";
  private static final String ZEROS = "0 0 0 0 0 0 0";
  private static final String CALL =
      "{\"t\":1,\"op\":\"in\",\"in\":\"" + ZEROS + "\",\"out\":\"0 0 0 0 0 0 1\"}";

  // ---- bytes ----

  static List<byte[]> badUtf8() {
    return List.of(
        new byte[] {(byte) 0xC3, '('}, // a lead byte without its continuation
        new byte[] {(byte) 0x80}, // a continuation byte alone
        new byte[] {(byte) 0xC0, (byte) 0xAF}, // an overlong '/'
        new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate, encoded
        new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        new byte[] {(byte) 0xFF});
  }

  @Test
  void bytesThatAreNotUtf8AreRefusedWithTheLineAndTheByte() throws IOException {
    for (byte[] bad : badUtf8()) {
      String before = "{\"t\":1,\"note\":\"";
      byte[] trace = concat(ascii(HEADER + "\n" + before), bad, ascii("\"}\n"));
      TraceFormatException e = failureOf(trace);
      assertThat(e.lineNumber()).isEqualTo(3);
      assertThat(e.getMessage())
          .isEqualTo(
              String.format(
                  "trace line 3: not valid UTF-8: byte %d of the line is 0x%02x",
                  before.length() + 1, bad[0] & 0xFF));
    }
  }

  @Test
  void badBytesInTheHeaderOrCutShortAtTheEndAreRefusedToo() {
    String header = "{\"format\":\"vmbackdoor-trace\",\"version\":1,\"vm\":{\"n\":\"";
    // A Latin-1 e-acute where UTF-8 is due.
    byte[] inHeader = concat(ascii(header), new byte[] {(byte) 0xE9}, ascii("\"}}\n"));
    assertThatThrownBy(() -> TraceReader.open(new ByteArrayInputStream(inHeader)))
        .isInstanceOf(TraceFormatException.class)
        .hasMessage(
            "trace line 1: not valid UTF-8: byte "
                + (header.length() + 1)
                + " of the line is 0xe9");
    // The last line without its newline, cut inside a three-byte character.
    byte[] cut =
        concat(ascii(HEADER + CALL + "\n{\"x\":\""), new byte[] {(byte) 0xE2, (byte) 0x82});
    assertThat(failureOf(cut).getMessage())
        .isEqualTo("trace line 3: not valid UTF-8: byte 7 of the line is 0xe2");
  }

  @Test
  void validUtf8OfEveryLengthIsReadAsWritten() {
    String name = "caf\u00e9 \u2713 \uD834\uDD1E"; // two, three and four bytes
    String trace =
        "{\"format\":\"vmbackdoor-trace\",\"version\":1,\"vm\":{\"vm\":\"" + name + "\"}}\n" + CALL;
    try (TraceReader reader = TraceReader.open(new ByteArrayInputStream(trace.getBytes(UTF_8)))) {
      assertThat(reader.header().vm()).containsExactly(Map.entry("vm", name));
      assertThat(reader.next().answer().ebp()).isEqualTo(1);
      assertThat(reader.next()).isNull();
    }
  }

  @Test
  void aByteOrderMarkCountsOnlyBeforeTheHeader() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    assertThat(readAll(concat(bom, ascii(HEADER + CALL + "\n")))).hasSize(1);
    assertThat(failureOf(concat(ascii(HEADER), bom, ascii(CALL + "\n"))).getMessage())
        .isEqualTo("trace line 2: call is not valid JSON at column 1");
  }

  @Test
  void aLineOfTheMostCharactersIsReadAndOneMoreIsRefused() {
    String max = padded(TraceReader.MAX_LINE_CHARS, 'x');
    assertThat(max).hasSize(TraceReader.MAX_LINE_CHARS);
    assertThat(readAll(ascii(HEADER + max + "\r\n" + max))).hasSize(2);
    // Three-byte characters: the same count of characters, three times the bytes.
    String wide = padded(TraceReader.MAX_LINE_CHARS, '\u2713');
    assertThat(readAll((HEADER + wide + "\n").getBytes(UTF_8))).hasSize(1);
    for (String over :
        List.of(
            padded(TraceReader.MAX_LINE_CHARS + 1, 'x'),
            wide.replace("\"t\"", "\"t\" "),
            "x".repeat(3 * TraceReader.MAX_LINE_CHARS + 1))) {
      TraceFormatException e = failureOf((HEADER + over + "\n").getBytes(UTF_8));
      assertThat(e.getMessage())
          .isEqualTo(
              "trace line 2: line longer than " + TraceReader.MAX_LINE_CHARS + " characters");
    }
  }

  @Test
  void anEndlessLineIsRefusedWithoutReadingItAll() {
    long[] read = new long[1];
    InputStream endless =
        new InputStream() {
          @Override
          public int read() {
            read[0]++;
            return 'x';
          }
        };
    assertThatThrownBy(() -> TraceReader.open(endless))
        .hasMessage("trace line 1: line longer than " + TraceReader.MAX_LINE_CHARS + " characters");
    assertThat(read[0]).isLessThanOrEqualTo(3L * TraceReader.MAX_LINE_CHARS + 16 * 1024);
  }

  // ---- the header ----

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "\"extra\":{\"a\":1}   | header field extra holds an object (vm is the header's only object)",
        "\"extra\":[1]         | header field extra holds an array (vm is the header's only object)",
        "\"vm\":{\"a\":{\"b\":\"c\"}} | vm.a is not a string",
        "\"vm\":{\"a\":[\"c\"]}  | vm.a is not a string",
        "\"vm\":{\"a\":\"1\",\"a\":\"2\"} | the header's vm has two a keys",
        "\"vm\":[]             | vm is not an object",
        "\"vm\":{},\"vm\":{}     | the header has two vm fields",
        "\"format\":\"vmbackdoor-trace\" | the header has two format fields",
        "\"version\":1         | the header has two version fields",
        "\"start\":\"2026-01-02T03:04:05Z\",\"start\":\"2026-01-02T03:04:05Z\" | the header has two"
            + " start fields",
        "\"start\":5           | start is not a string",
      })
  void headersOfAnotherShapeAreRefused(String fields, String message) {
    String header = "{\"format\":\"vmbackdoor-trace\",\"version\":1," + fields + "}\n";
    assertThatThrownBy(() -> TraceReader.open(stream(header + CALL)))
        .isInstanceOfSatisfying(
            TraceFormatException.class, e -> assertThat(e.lineNumber()).isEqualTo(1))
        .hasMessage("trace line 1: " + message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "1.0                     | version is not a whole number",
        "\"1\"                   | version is not a whole number",
        "100000000000000000000   | unsupported trace version 100000000000000000000",
        "4294967297              | unsupported trace version 4294967297",
        "0                       | unsupported trace version 0 (this reader knows 1 to 2)",
        "3                       | unsupported trace version 3 (this reader knows 1 to 2)",
      })
  void aVersionOtherThanOneOrTwoIsRefused(String version, String message) {
    String header = "{\"format\":\"vmbackdoor-trace\",\"version\":" + version + "}\n";
    assertThatThrownBy(() -> TraceReader.open(stream(header)))
        .isInstanceOf(TraceFormatException.class)
        .hasMessage("trace line 1: " + message);
  }

  @Test
  void aHeaderWithoutItsFormatOrVersionIsNotATrace() {
    assertThatThrownBy(() -> TraceReader.open(stream("{\"version\":1}\n")))
        .hasMessage("trace line 1: not a vmbackdoor trace (format is null)");
    assertThatThrownBy(() -> TraceReader.open(stream("{\"format\":\"vmbackdoor-trace\"}\n")))
        .hasMessage("trace line 1: unsupported trace version -1 (this reader knows 1 to 2)");
    assertThatThrownBy(() -> TraceReader.open(stream("{\"format\":7,\"version\":1}\n")))
        .hasMessage("trace line 1: format is not a string");
    assertThatThrownBy(() -> TraceReader.open(stream("\n")))
        .hasMessage("trace line 1: empty trace: no header line");
  }

  @Test
  void aHeaderMustEndOnItsOwnLine() {
    assertThatThrownBy(
            () -> TraceReader.open(stream("{\"format\":\"vmbackdoor-trace\",\n\"version\":1}\n")))
        .hasMessage(
            "trace line 1: header line ends inside its JSON object (is the trace cut short?)");
  }

  @Test
  void unknownScalarFieldsOfTheHeaderAreIgnored() {
    String header =
        "{\"format\":\"vmbackdoor-trace\",\"note\":\"x\",\"n\":2.5,\"b\":true,\"z\":null,"
            + "\"version\":1,\"vm\":{\"vm\":\"a\",\"seed\":\"7\"},\"start\":\"2026-01-02T03:04:05Z\"}";
    try (TraceReader reader = TraceReader.open(stream(header + "\n" + CALL))) {
      assertThat(reader.header().vm())
          .containsExactly(Map.entry("vm", "a"), Map.entry("seed", "7"));
      assertThat(reader.header().start()).isPresent();
      assertThat(reader.lineNumber()).isEqualTo(1);
      assertThat(reader.next()).isNotNull();
      assertThat(reader.lineNumber()).isEqualTo(2);
    }
  }

  // ---- calls ----

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"t\":1,\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\"                  | ",
        "\"t\":0,\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\"                  | ",
        "\"t\":9223372036854775807,\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\"  | ",
        "\"t\":9223372036854775808,\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\"  | t is too large",
        "\"t\":-1,\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\"                 | t is negative",
        "\"t\":1.5,\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\"                | t is not a whole number",
        "\"t\":\"1\",\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\"              | t is not a whole number",
        "\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\"                        | call has no time t",
        "\"t\":1,\"in\":\"Z\",\"out\":\"Z\"                             | call has no op",
        "\"t\":1,\"op\":\"in\",\"out\":\"Z\"                            | call has no in registers",
        "\"t\":1,\"op\":\"in\",\"in\":\"Z\"                             | call has no out registers",
        "\"t\":1,\"t\":2,\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\"          | the call has two t fields",
        "\"t\":1,\"op\":\"in\",\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\"     | the call has two op fields",
        "\"t\":1,\"op\":\"in\",\"in\":\"Z\",\"in\":\"Z\",\"out\":\"Z\"      | the call has two in fields",
        "\"t\":1,\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\",\"out\":\"Z\"     | the call has two out fields",
        "\"t\":1,\"op\":\"outs\",\"in\":\"Z\",\"out\":\"Z\",\"bytes\":\"\",\"bytes\":\"\" | the call"
            + " has two bytes fields",
        "\"t\":1,\"op\":\"in\",\"in\":5,\"out\":\"Z\"                     | in is not a string",
        "\"t\":1,\"op\":\"in\",\"in\":\"Z\",\"out\":[]                    | out is not a string",
        "\"t\":1,\"op\":\"outs\",\"in\":\"Z\",\"out\":\"Z\",\"bytes\":1    | bytes is not a string",
        "\"t\":1,\"op\":\"in\",\"in\":\"Z\",\"out\":\"Z\",\"x\":{\"y\":[1]} | ",
      })
  void eachCallFieldIsChecked(String fields, String message) {
    String line = "{" + fields.replace("\"Z\"", "\"" + ZEROS + "\"") + "}";
    if (message == null) {
      assertThat(readAll(ascii(HEADER + line + "\n"))).hasSize(1);
    } else {
      assertThat(failureOf(ascii(HEADER + line + "\n")).getMessage())
          .isEqualTo("trace line 2: " + message);
    }
  }

  @Test
  void theFirstFailureEndsTheReadingAndEveryLaterCallRepeatsIt() {
    try (TraceReader reader =
        TraceReader.open(stream(HEADER + CALL + "\n\n" + CALL.replace(":1,", ":-1,") + "\n"))) {
      assertThat(reader.next()).isNotNull();
      assertThat(reader.lineNumber()).isEqualTo(2);
      TraceFormatException first = catchThrowableOfType(TraceFormatException.class, reader::next);
      assertThat(first.lineNumber()).isEqualTo(4);
      assertThat(catchThrowableOfType(TraceFormatException.class, reader::next)).isSameAs(first);
    }
  }

  @Test
  void aCallMustBeAnObjectOnALineOfItsOwn() {
    assertThat(failureOf(ascii(HEADER + "[1]\n")).getMessage())
        .isEqualTo("trace line 2: call is not a JSON object");
    assertThat(failureOf(ascii(HEADER + "{\"t\":1,\n\"op\":\"in\"}\n")).getMessage())
        .isEqualTo("trace line 2: call line ends inside its JSON object (is the trace cut short?)");
    // A bad character in the last column of a whole line is bad JSON, not a cut-short line.
    assertThat(failureOf(ascii(HEADER + "{\"t\":1;\n")).getMessage())
        .isEqualTo("trace line 2: call is not valid JSON at column 7");
    assertThat(failureOf(ascii(HEADER.strip() + " " + CALL + "\n")).getMessage())
        .isEqualTo(
            "trace line 1: text after the JSON object at column " + (HEADER.strip().length() + 2));
  }

  @Test
  void aFileIsReadAndClosed(@TempDir Path files) throws IOException {
    Path file = files.resolve("t.jsonl");
    Files.writeString(file, HEADER + CALL + "\n" + CALL + "\n");
    assertThat(TraceReader.readAll(file)).hasSize(2);
    ClosingStream in = new ClosingStream(ascii(HEADER));
    TraceReader.open(in).close();
    assertThat(in.closed).isTrue();
  }

  // ---- registers ----

  @Test
  void registersAreSevenGroupsOfOneToEightHexDigits() {
    assertThat(TraceRegisters.parse("89abcdef FEDCBA98 1 10 100 7fffffff 80000000"))
        .isEqualTo(
            Registers.of(0x89ABCDEF, 0xFEDCBA98, 1, 0x10, 0x100, Integer.MAX_VALUE, 1 << 31));
    assertThat(TraceRegisters.parse("00000000 0 0 0 0 0 00000001").ebp()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0 0 0 0 0 0",
        "0 0 0 0 0 0 0 0",
        "123456789 0 0 0 0 0 0",
        "0  0 0 0 0 0 0",
        " 0 0 0 0 0 0 0",
        "0 0 0 0 0 0 0 ",
        "0 0 0 0 0 0 -1",
        "0 0 0 0 0 0 g",
        "0x1 0 0 0 0 0 0",
        ""
      })
  void otherRegisterStringsAreRefused(String text) {
    assertThatThrownBy(() -> TraceRegisters.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("registers must be seven 32-bit hex values: " + text);
    String line = CALL.replace("\"out\":\"0 0 0 0 0 0 1\"", "\"out\":\"" + text + "\"");
    assertThat(failureOf(ascii(HEADER + line + "\n")).getMessage())
        .isEqualTo("trace line 2: out: registers must be seven 32-bit hex values: " + text);
  }

  // ---- helpers ----

  /** A call line of exactly {@code length} characters, padded with {@code pad} in a note field. */
  private static String padded(int length, char pad) {
    String start =
        "{\"t\":1,\"op\":\"in\",\"in\":\"" + ZEROS + "\",\"out\":\"" + ZEROS + "\",\"p\":\"";
    return start + String.valueOf(pad).repeat(length - start.length() - 2) + "\"}";
  }

  private static byte[] ascii(String s) {
    return s.getBytes(UTF_8);
  }

  private static ByteArrayInputStream stream(String s) {
    return new ByteArrayInputStream(ascii(s));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static List<TraceCall> readAll(byte[] trace) {
    try (TraceReader reader = TraceReader.open(new ByteArrayInputStream(trace))) {
      List<TraceCall> calls = new ArrayList<>();
      for (TraceCall c = reader.next(); c != null; c = reader.next()) {
        calls.add(c);
      }
      return calls;
    }
  }

  /** The format error reading {@code trace} ends with, header or calls. */
  private static TraceFormatException failureOf(byte[] trace) {
    TraceFormatException e = catchThrowableOfType(TraceFormatException.class, () -> readAll(trace));
    assertThat(e).as("a format error").isNotNull();
    return e;
  }

  private static final class ClosingStream extends InputStream {
    private final ByteArrayInputStream in;
    boolean closed;

    ClosingStream(byte[] bytes) {
      in = new ByteArrayInputStream(bytes);
    }

    @Override
    public int read() {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return in.read(b, off, len);
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
