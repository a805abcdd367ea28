package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.hostsim.scenario.HostReplay;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --record DIR} then {@code replay --trace}: the trace replays with no edits. */
class ServeRecordTest {

  @TempDir Path dir;

  @Test
  void aRecordedConnectionReplaysAsItIs() throws Exception {
    try (RunningServe serve =
        new RunningServe(
            "--vm", "vm1", "--seed", "11", "--record", dir.toString(), "--vm", "vm2")) {
      try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm2")) {
        RpciClient rpci = RpciClient.create(guest);
        assertThat(rpci.log("recorded").isSuccess()).isTrue();
        assertThat(rpci.guestInfoSet("color", "blue").isSuccess()).isTrue();
        assertThat(rpci.guestInfoGet("color").text()).isEqualTo("blue");
      }
    }
    List<Path> traces;
    try (Stream<Path> files = Files.list(dir)) {
      traces = files.toList();
    }
    assertThat(traces).extracting(p -> p.getFileName().toString()).containsExactly("vm2-1.jsonl");
    try (TraceReader reader = TraceReader.open(traces.get(0))) {
      assertThat(reader.header().vm())
          .containsEntry("vm", "vm2")
          .containsEntry(HostReplay.SEED_KEY, "12") // --seed plus the VM's position
          .containsKey(HostReplay.SCENARIO_KEY);
    }

    Cli cli = new Cli();
    assertThat(cli.run("replay", "--trace", traces.get(0).toString())).as("%s", cli).isZero();
    assertThat(cli.out()).contains("every answer is as recorded");
  }

  @Test
  void replayScenarioRecordsATraceThatReplays() throws Exception {
    Path scenario = dir.resolve("s.scenario");
    Files.writeString(scenario, "scenario short\nrun 2m\nat 1m checkpoint\n");
    Path trace = dir.resolve("fixed.jsonl");
    Cli cli = new Cli();
    assertThat(
            cli.run(
                "replay",
                "--scenario",
                scenario.toString(),
                "--machine",
                "fixed",
                "--record",
                trace.toString()))
        .as("%s", cli)
        .isZero();
    assertThat(cli.run("replay", "--trace", trace.toString())).as("%s", cli).isZero();
    assertThat(cli.out()).contains("every answer is as recorded");
    assertThat(cli.run("replay", "--scenario", scenario.toString(), "--record", trace.toString()))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(cli.err()).contains("--record records one machine's run: give --machine too");
  }
}
