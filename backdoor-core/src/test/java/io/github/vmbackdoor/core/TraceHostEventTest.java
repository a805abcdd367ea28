package io.github.vmbackdoor.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Version 2's host event lines: written, read back in place, skipped by guest-facing reading. */
class TraceHostEventTest {

  private static final Registers IN = Registers.of(0x564d5868, 0, 0x1e, 0x5658, 0, 0, 0);
  private static final Registers OUT = Registers.of(0, 0, 0x10000, 0, 0, 0, 0);

  @Test
  void hostEventsAreWrittenBetweenCallsAndReadBackInPlace() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TraceWriter w = TraceWriter.create(out, TraceHeader.of(Map.of(), null))) {
      w.write(TraceCall.of(1, TraceCall.Operation.IN, IN, OUT, null));
      w.write(new TraceHostEvent(2, "install-fault f on rpci recvsize nth 1 note \"a\\b\""));
      w.write(TraceCall.of(3, TraceCall.Operation.IN, IN, OUT, null));
    }
    String text = out.toString(UTF_8);
    assertThat(text.lines().toList().get(0)).contains("\"version\":2");
    assertThat(text.lines().toList().get(2))
        .isEqualTo(
            "{\"t\":2,\"host\":\"install-fault f on rpci recvsize nth 1 note \\\"a\\\\b\\\"\"}");

    List<TraceEntry> entries = new ArrayList<>();
    try (TraceReader r = TraceReader.open(new ByteArrayInputStream(out.toByteArray()))) {
      for (TraceEntry e = r.nextEntry(); e != null; e = r.nextEntry()) {
        entries.add(e);
      }
    }
    assertThat(entries).hasSize(3);
    assertThat(entries.get(1))
        .isEqualTo(new TraceHostEvent(2, "install-fault f on rpci recvsize nth 1 note \"a\\b\""));

    try (TraceReader r = TraceReader.open(new ByteArrayInputStream(out.toByteArray()))) {
      assertThat(r.next().timeNanos()).isEqualTo(1);
      assertThat(r.next().timeNanos()).isEqualTo(3);
      assertThat(r.next()).isNull();
    }
  }

  @Test
  void aVersionOneTraceStillReads() {
    String v1 =
        "{\"format\":\"vmbackdoor-trace\",\"version\":1}\n"
            + "{\"t\":5,\"op\":\"in\",\"in\":\"564d5868 0 1e 5658 0 0 0\",\"out\":\"0 0 10000 0 0 0 0\"}\n";
    try (TraceReader r = TraceReader.open(new ByteArrayInputStream(v1.getBytes(UTF_8)))) {
      assertThat(r.header().version()).isEqualTo(1);
      assertThat(r.nextEntry()).isEqualTo(TraceCall.of(5, TraceCall.Operation.IN, IN, OUT, null));
      assertThat(r.nextEntry()).isNull();
    }
  }

  @Test
  void aLineThatIsBothACallAndAHostEventIsRefused() {
    String both =
        "{\"format\":\"vmbackdoor-trace\",\"version\":2}\n"
            + "{\"t\":5,\"host\":\"checkpoint\",\"op\":\"in\",\"in\":\"0 0 0 0 0 0 0\","
            + "\"out\":\"0 0 0 0 0 0 0\"}\n";
    try (TraceReader r = TraceReader.open(new ByteArrayInputStream(both.getBytes(UTF_8)))) {
      assertThatThrownBy(r::nextEntry)
          .isInstanceOf(TraceFormatException.class)
          .hasMessage("trace line 2: a line is a call or a host event, not both");
    }
    String empty = "{\"format\":\"vmbackdoor-trace\",\"version\":2}\n{\"t\":5,\"host\":\" \"}\n";
    try (TraceReader r = TraceReader.open(new ByteArrayInputStream(empty.getBytes(UTF_8)))) {
      assertThatThrownBy(r::nextEntry)
          .isInstanceOf(TraceFormatException.class)
          .hasMessageContaining("one line of text, not empty");
    }
  }
}
