package io.github.vmbackdoor.core;

import static io.github.vmbackdoor.core.BackdoorProtocol.*;
import static io.github.vmbackdoor.core.ScriptedBackdoor.hbStatus;
import static io.github.vmbackdoor.core.ScriptedBackdoor.status;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceTest {

  /** A nanosecond clock a test moves by hand. */
  static final class ManualTicker implements LongSupplier {
    long nanos = 1_000;

    @Override
    public long getAsLong() {
      return nanos;
    }
  }

  final ManualTicker ticker = new ManualTicker();

  /**
   * Scripts one RPCI exchange: open, send "ping" over HB, receive "1 pong" over 4-byte calls,
   * close.
   */
  static ScriptedBackdoor scriptedRpciExchange() {
    ScriptedBackdoor host = new ScriptedBackdoor();
    host.answer(
        Registers.builder()
            .ecx(STATUS_SUCCESS << 16)
            .edx(Registers.words(2, 0))
            .esi(0xAAAA0001)
            .edi(0xBBBB0002)
            .build());
    host.answer(status(STATUS_SUCCESS | STATUS_HB)).answer(hbStatus(STATUS_SUCCESS));
    byte[] reply = "1 pong".getBytes(US_ASCII);
    host.answer(
        Registers.builder()
            .ebx(reply.length)
            .ecx((STATUS_SUCCESS | STATUS_DORECV | STATUS_HB) << 16)
            .edx(Registers.words(MESSAGE_SENDSIZE, 0))
            .build());
    host.answerIns(hbStatus(STATUS_SUCCESS), reply);
    host.answer(status(STATUS_SUCCESS));
    host.answer(status(STATUS_SUCCESS));
    return host;
  }

  static String exchange(Backdoor port, String request) {
    try (MessageChannel channel = MessageChannel.open(port, PROTOCOL_RPCI)) {
      channel.send(request.getBytes(US_ASCII));
      return new String(channel.receive(), US_ASCII);
    }
  }

  byte[] record() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TraceWriter trace =
        TraceWriter.create(
            out, TraceHeader.of(Map.of("vm", "test-vm"), Instant.parse("2026-01-02T03:04:05Z")))) {
      Backdoor recording = RecordingBackdoor.wrap(scriptedRpciExchange(), trace, ticker);
      ticker.nanos += 500;
      assertThat(exchange(recording, "ping")).isEqualTo("1 pong");
    }
    return out.toByteArray();
  }

  @Test
  void recordsEveryCallWithRegistersBytesAndTime() {
    byte[] trace = record();

    String[] lines = new String(trace, UTF_8).split("\n");
    assertThat(lines).hasSize(8);
    assertThat(lines[0])
        .isEqualTo(
            "{\"format\":\"vmbackdoor-trace\",\"version\":2,"
                + "\"vm\":{\"vm\":\"test-vm\"},\"start\":\"2026-01-02T03:04:05Z\"}");
    assertThat(lines[1])
        .isEqualTo(
            "{\"t\":500,\"op\":\"in\","
                + "\"in\":\"564d5868 c9435052 0000001e 00005658 00000000 00000000 00000000\","
                + "\"out\":\"00000000 00000000 00010000 00020000 aaaa0001 bbbb0002 00000000\"}");
    assertThat(lines[3])
        .startsWith("{\"t\":500,\"op\":\"outs\"")
        .endsWith(",\"bytes\":\"cGluZw==\"}");
    assertThat(lines[5]).contains("\"op\":\"ins\"").endsWith(",\"bytes\":\"MSBwb25n\"}");
  }

  @Test
  void traceReadsBackToTheSameCalls() {
    byte[] trace = record();

    try (TraceReader reader = TraceReader.open(new ByteArrayInputStream(trace))) {
      assertThat(reader.header().vm()).containsEntry("vm", "test-vm");
      assertThat(reader.header().start()).contains(Instant.parse("2026-01-02T03:04:05Z"));
      TraceCall open = reader.next();
      assertThat(open.operation()).isEqualTo(TraceCall.Operation.IN);
      assertThat(open.request().ebx()).isEqualTo(PROTOCOL_RPCI | FLAG_COOKIE);
      assertThat(open.answer().esi()).isEqualTo(0xAAAA0001);
      int count = 1;
      while (reader.next() != null) {
        count++;
      }
      assertThat(count).isEqualTo(7);
    }
  }

  @Test
  void replayServesTheRecordedAnswersToTheSameGuestCode(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("run.jsonl");
    Files.write(file, record());

    ReplayBackdoor replay = ReplayBackdoor.of(TraceReader.readAll(file));

    assertThat(exchange(replay, "ping")).isEqualTo("1 pong");
    replay.assertFinished();
  }

  @Test
  void changedGuestCallFailsAtExactlyThatCallWithASideBySideDiff() {
    List<TraceCall> calls;
    try (TraceReader r = TraceReader.open(new ByteArrayInputStream(record()))) {
      calls = new java.util.ArrayList<>();
      for (TraceCall c = r.next(); c != null; c = r.next()) {
        calls.add(c);
      }
    }
    ReplayBackdoor replay = ReplayBackdoor.of(calls);

    assertThatThrownBy(() -> exchange(replay, "pong!"))
        .isInstanceOfSatisfying(
            ReplayDivergenceException.class,
            e -> {
              assertThat(e.callIndex()).isEqualTo(1);
              assertThat(e.getMessage())
                  .contains("call #1 differs from the trace")
                  .contains("ebx   00000004   00000005    <-- differs")
                  .doesNotContain("eax   564d5868   564d5868    <--");
            });
    assertThat(replay.position()).isEqualTo(1);
  }

  @Test
  void changedPayloadBytesAreReportedWithTheOffset() {
    List<TraceCall> calls = readAll(record());
    ReplayBackdoor replay = ReplayBackdoor.of(calls);

    assertThatThrownBy(() -> exchange(replay, "pint"))
        .isInstanceOfSatisfying(
            ReplayDivergenceException.class,
            e -> {
              assertThat(e.callIndex()).isEqualTo(2);
              assertThat(e.getMessage()).contains("first differing byte at offset 3");
            });
  }

  @Test
  void callPastTheEndAndUnfinishedReplayAreDivergences() {
    List<TraceCall> calls = readAll(record());
    ReplayBackdoor replay = ReplayBackdoor.of(calls.subList(0, 1));
    MessageChannel channel = MessageChannel.open(replay, PROTOCOL_RPCI);

    assertThatThrownBy(() -> channel.send(new byte[0]))
        .isInstanceOf(ReplayDivergenceException.class)
        .hasMessageContaining("past the end");

    ReplayBackdoor unfinished = ReplayBackdoor.of(calls);
    MessageChannel.open(unfinished, PROTOCOL_RPCI);
    assertThatThrownBy(unfinished::assertFinished)
        .isInstanceOf(ReplayDivergenceException.class)
        .hasMessageContaining("after 1 of 7");
  }

  static List<TraceCall> readAll(byte[] trace) {
    return readAll(new ByteArrayInputStream(trace));
  }

  static List<TraceCall> readAll(java.io.InputStream trace) {
    try (TraceReader r = TraceReader.open(trace)) {
      List<TraceCall> calls = new java.util.ArrayList<>();
      for (TraceCall c = r.next(); c != null; c = r.next()) {
        calls.add(c);
      }
      return calls;
    }
  }

  @Test
  void badTracesNameTheLine() {
    assertThatThrownBy(() -> TraceReader.open(stream("")))
        .isInstanceOf(TraceFormatException.class)
        .hasMessageContaining("no header");
    assertThatThrownBy(
            () -> TraceReader.open(stream("{\"format\":\"vmbackdoor-trace\",\"version\":3}\n")))
        .isInstanceOf(TraceFormatException.class)
        .hasMessageContaining("unsupported trace version 3");
    assertThatThrownBy(() -> TraceReader.open(stream("{\"format\":\"other\",\"version\":1}\n")))
        .isInstanceOf(TraceFormatException.class)
        .hasMessageContaining("not a vmbackdoor trace");

    String header = "{\"format\":\"vmbackdoor-trace\",\"version\":1}\n";
    TraceReader shortRegisters =
        TraceReader.open(
            stream(
                header + "{\"t\":1,\"op\":\"in\",\"in\":\"1 2 3\",\"out\":\"0 0 0 0 0 0 0\"}\n"));
    assertThatThrownBy(shortRegisters::next)
        .isInstanceOfSatisfying(
            TraceFormatException.class, e -> assertThat(e.lineNumber()).isEqualTo(2));
    TraceReader badOp =
        TraceReader.open(
            stream(
                header
                    + "\n"
                    + "{\"t\":1,\"op\":\"jmp\",\"in\":\"0 0 0 0 0 0 0\",\"out\":\"0 0 0 0 0 0 0\"}\n"));
    assertThatThrownBy(badOp::next)
        .isInstanceOfSatisfying(
            TraceFormatException.class,
            e -> {
              assertThat(e.lineNumber()).isEqualTo(3);
              assertThat(e.getMessage()).contains("unknown operation: jmp");
            });
    TraceReader longLine =
        TraceReader.open(stream(header + "x".repeat(TraceReader.MAX_LINE_CHARS + 1)));
    assertThatThrownBy(longLine::next)
        .isInstanceOf(TraceFormatException.class)
        .hasMessageContaining("longer than");
  }

  @Test
  void linesAsWrittenAndOtherJsonFormsReadTheSame() {
    String header = "{\"format\":\"vmbackdoor-trace\",\"version\":1}\n";
    String written =
        "{\"t\":1500,\"op\":\"outs\",\"in\":\"564d5868 00010000 00000004"
            + " 00025659 00000000 bbbb0002 aaaa0001\",\"out\":\"564d5868 00010000 00000004"
            + " 00025659 00000000 bbbb0002 aaaa0001\",\"bytes\":\"cGluZw==\"}";
    List<String> sameCall =
        List.of(
            // Fields in another order, spaces, upper-case and short hex, an unknown field.
            "{ \"op\": \"outs\", \"t\": 1500, \"bytes\": \"cGluZw==\", \"note\": [1, {}],"
                + " \"out\": \"564D5868 10000 4 25659 0 BBBB0002 AAAA0001\","
                + " \"in\": \"564d5868 10000 4 25659 0 bbbb0002 aaaa0001\" }",
            // A JSON escape inside a string.
            "{\"t\":1500,\"op\":\"outs\",\"in\":\"564d5868 00010000 00000004 00025659 00000000"
                + " bbbb0002 aaaa0001\",\"out\":\"564d5868 00010000 00000004 00025659 00000000"
                + " bbbb0002 aaaa0001\",\"bytes\":\"\\u0063GluZw==\"}");
    TraceCall expected = readAll(stream(header + written + "\n")).get(0);
    assertThat(expected.operation()).isEqualTo(TraceCall.Operation.OUTS);
    assertThat(expected.timeNanos()).isEqualTo(1500);
    assertThat(expected.bytes()).isEqualTo("ping".getBytes(US_ASCII));
    assertThat(expected.request().edi()).isEqualTo(0xBBBB0002);
    for (String line : sameCall) {
      try (TraceReader reader = TraceReader.open(stream(header + line + "\n" + written + "\n"))) {
        assertThat(reader.next()).isEqualTo(expected);
        assertThat(reader.next()).isEqualTo(expected);
        assertThat(reader.next()).isNull();
      }
    }
    TraceReader inWithBytes =
        TraceReader.open(stream(header + written.replace("\"outs\"", "\"in\"") + "\n"));
    assertThatThrownBy(inWithBytes::next)
        .isInstanceOf(TraceFormatException.class)
        .hasMessageContaining("no bytes");
  }

  @Test
  void brokenJsonIsNamedInOurWordsWithLineAndColumn() {
    String header = "{\"format\":\"vmbackdoor-trace\",\"version\":1}\n";
    String call = "{\"t\":1,\"op\":\"in\",\"in\":\"0 0 0 0 0 0 0\",\"out\":\"0 0 0 0 0 0 0\"}";
    assertThat(lineError(header + call.substring(0, 30) + "\n"))
        .isEqualTo("trace line 2: call line ends inside its JSON object (is the trace cut short?)");
    assertThat(lineError(header + call.replace(":1,", ":1;") + "\n"))
        .isEqualTo("trace line 2: call is not valid JSON at column 7");
    assertThat(lineError(header + call + " {}\n"))
        .isEqualTo("trace line 2: text after the JSON object at column " + (call.length() + 2));
    assertThat(lineError(header + call.replace("\"in\",", "5,") + "\n"))
        .isEqualTo("trace line 2: op is not a string");
    assertThat(lineError(header + call.replace(":1,", ":-1,") + "\n"))
        .isEqualTo("trace line 2: t is negative");
    assertThat(lineError(header + call.replace("}", ",\"bytes\":\"c*\"}") + "\n"))
        .startsWith("trace line 2: bytes is not base64");
    assertThat(lineError(header + "\n" + call.replace("0 0 0 0 0 0 0\",\"out", "0 0 g\",\"out")))
        .isEqualTo("trace line 3: in: registers must be seven 32-bit hex values: 0 0 g");
    assertThatThrownBy(() -> TraceReader.open(stream("{\"format\":\"vmbackdoor-trace\",\"vers")))
        .hasMessage(
            "trace line 1: header line ends inside its JSON object (is the trace cut short?)");
    assertThatThrownBy(() -> TraceReader.open(stream("[1]\n")))
        .hasMessage("trace line 1: header is not a JSON object");
    assertThatThrownBy(
            () ->
                TraceReader.open(
                    stream("{\"format\":\"vmbackdoor-trace\",\"version\":1,\"start\":\"x\"}")))
        .hasMessage("trace line 1: start is not an ISO-8601 instant: x");
  }

  @Test
  void aByteOrderMarkBeforeTheHeaderIsSkipped() {
    String call = "{\"t\":1,\"op\":\"in\",\"in\":\"0 0 0 0 0 0 0\",\"out\":\"0 0 0 0 0 0 1\"}\n";
    List<TraceCall> calls =
        readAll(stream("\uFEFF{\"format\":\"vmbackdoor-trace\",\"version\":1}\n" + call));
    assertThat(calls).singleElement().satisfies(c -> assertThat(c.answer().ebp()).isEqualTo(1));
  }

  static String lineError(String trace) {
    try (TraceReader reader = TraceReader.open(stream(trace))) {
      Throwable e =
          catchThrowable(
              () -> {
                while (reader.next() != null) {
                  // read on to the bad line
                }
              });
      assertThat(e).isInstanceOf(TraceFormatException.class);
      return e.getMessage();
    }
  }

  @Test
  void registersParseFromHexGroups() {
    assertThat(TraceRegisters.parse("564d5868 ffffffff 1e 5658 0 1 2"))
        .isEqualTo(Registers.of(MAGIC, -1, 0x1E, 0x5658, 0, 1, 2));
    assertThatThrownBy(() -> TraceRegisters.parse("1 2 3 4 5 6 7 8"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TraceRegisters.parse("100000000 0 0 0 0 0 0"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TraceRegisters.parse("+1 0 0 0 0 0 0"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static ByteArrayInputStream stream(String s) {
    return new ByteArrayInputStream(s.getBytes(UTF_8));
  }
}
