package io.github.vmbackdoor.hostsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.RecordingBackdoor;
import io.github.vmbackdoor.core.ReplayBackdoor;
import io.github.vmbackdoor.core.ReplayDivergenceException;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.core.TraceHeader;
import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.TcloMachines;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Capture and replay, both ways. */
class ReplayTest {

  private static final Scenario SHORT_CHECKPOINT =
      BuiltInScenarios.checkpointInStateChange().withLength(Duration.ofMinutes(11));

  private static String record(Scenario scenario, TcloMachines machine) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TraceWriter trace = TraceWriter.create(out, HostReplay.header(scenario, "legacy"))) {
      ScenarioRunner.prepare(scenario, machine, trace).run();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static HostReplay.Result replay(String trace) {
    try (TraceReader reader =
        TraceReader.open(new ByteArrayInputStream(trace.getBytes(StandardCharsets.UTF_8)))) {
      return HostReplay.replay(reader);
    }
  }

  @ParameterizedTest
  @EnumSource(TcloMachines.class)
  void hostFacingReplayOfARecordedScenarioRunFindsNoDivergence(TcloMachines machine) {
    String trace = record(SHORT_CHECKPOINT, machine);
    HostReplay.Result result = replay(trace);
    assertThat(result.matches()).as(result.toString()).isTrue();
    assertThat(result.calls()).isEqualTo(trace.split("\n").length - 1).isGreaterThan(1000);
  }

  @Test
  void aHandEditedAnswerIsReportedAtItsLine() {
    String[] lines = record(SHORT_CHECKPOINT, TcloMachines.LEGACY).split("\n");
    int edited = 777; // 1-based line number; the header is line 1
    String original = lines[edited - 1];
    int out = original.indexOf("\"out\":\"") + 7;
    char c = original.charAt(out + 3);
    lines[edited - 1] =
        original.substring(0, out + 3) + (c == '0' ? '1' : '0') + original.substring(out + 4);
    HostReplay.Result result = replay(String.join("\n", lines) + "\n");
    assertThat(result.matches()).isFalse();
    assertThat(result.divergentLine()).contains((long) edited);
    assertThat(result.divergentCall()).contains(edited - 1);
    assertThat(result.difference().orElseThrow())
        .contains("eax")
        .contains("<-- differs")
        .contains("recorded");
    assertThat(result.toString()).startsWith("line " + edited + " (call #" + (edited - 1) + ")");
  }

  @Test
  void aTraceWithoutAScenarioReplaysAgainstTheDefaultHostOfItsSeed() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    VirtualHost host = VirtualHost.builder().seed(9).callLogLimit(0).build();
    try (TraceWriter trace =
        TraceWriter.create(
            bytes, TraceHeader.of(ImmutableMap.of(HostReplay.SEED_KEY, "9"), null))) {
      Backdoor recording =
          RecordingBackdoor.wrap(
              host.backdoor(), trace, host.simulation().orElseThrow().ticker()::read);
      guest(List.of("a", "b", "c")).accept(recording);
    }
    String trace = bytes.toString(StandardCharsets.UTF_8);
    assertThat(replay(trace).matches()).isTrue();
    // Another seed draws other cookies: the first OPEN's answer differs.
    assertThat(replay(trace.replaceFirst("\"9\"", "\"10\"")).divergentCall()).contains(1);
  }

  // ---- guest-facing: the same guest code against the recorded answers ----

  /** Guest code: an info-set per value, then an info-get of the last one. */
  private static Consumer<Backdoor> guest(List<String> values) {
    return backdoor -> {
      RpciClient rpci = RpciClient.create(backdoor);
      for (String v : values) {
        assertThat(rpci.send("info-set guestinfo.value " + v).isSuccess()).isTrue();
      }
      rpci.send("info-get guestinfo.value");
    };
  }

  private static List<TraceCall> recordGuest(Backdoor transport) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TraceWriter trace = TraceWriter.create(bytes, TraceHeader.of(ImmutableMap.of(), null))) {
      guest(List.of("one", "two", "three"))
          .accept(RecordingBackdoor.wrap(transport, trace, System::nanoTime));
    }
    List<TraceCall> calls = new ArrayList<>();
    try (TraceReader reader = TraceReader.open(new ByteArrayInputStream(bytes.toByteArray()))) {
      for (TraceCall c = reader.next(); c != null; c = reader.next()) {
        calls.add(c);
      }
    }
    return calls;
  }

  private static void assertGuestFacingReplay(List<TraceCall> calls) {
    ReplayBackdoor same = ReplayBackdoor.of(calls);
    guest(List.of("one", "two", "three")).accept(same);
    same.assertFinished();

    // "two" became "tw0": the first call that differs is the high-bandwidth send of that request.
    int firstDiffering = -1;
    for (int i = 0; i < calls.size(); i++) {
      if (new String(calls.get(i).bytes(), StandardCharsets.ISO_8859_1).contains("value two")) {
        firstDiffering = i;
        break;
      }
    }
    assertThat(firstDiffering).isPositive();
    int expected = firstDiffering;
    ReplayBackdoor changed = ReplayBackdoor.of(calls);
    assertThatThrownBy(() -> guest(List.of("one", "tw0", "three")).accept(changed))
        .isInstanceOf(ReplayDivergenceException.class)
        .satisfies(e -> assertThat(((ReplayDivergenceException) e).callIndex()).isEqualTo(expected))
        .hasMessageContaining("bytes")
        .hasMessageContaining("<-- differs");
  }

  @Test
  void guestFacingReplayOfAnInProcessRecording() {
    assertGuestFacingReplay(recordGuest(VirtualHost.builder().build().backdoor()));
  }

  @Test
  void guestFacingReplayOfATcpRecording() {
    VirtualHost host = VirtualHost.builder().build();
    try (SimulatorServer server =
            SimulatorServer.builder(name -> name.equals("vm1") ? host.backdoor() : null).start();
        RemoteBackdoor remote = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm1")) {
      List<TraceCall> calls = recordGuest(remote);
      assertThat(host.records().guestInfo()).containsEntry("guestinfo.value", "three");
      assertGuestFacingReplay(calls);
    }
  }
}
