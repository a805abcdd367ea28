package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --record}: two connections of one VM, with admin events between and during them;
 * each connection's trace replays with exit 0, and a changed host shows its first difference in the
 * protocol's words.
 */
class ServeRecordSessionTest {

  @TempDir Path dir;

  private static void post(RunningServe serve, HostAndPort admin, String path, String body)
      throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                serve.adminRequest(admin, "POST", path, body).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** An RPCI request whose answer the test does not need: a refusal is part of the story. */
  private static void quietly(Runnable request) {
    try {
      request.run();
    } catch (BackdoorException e) {
      // recorded as it happened
    }
  }

  private static Cli replay(Path trace) {
    Cli cli = new Cli();
    cli.run("replay", "--trace", trace.toString());
    return cli;
  }

  @Test
  void eachConnectionOfAVmReplaysWithTheAdminEventsItMet() throws Exception {
    try (RunningServe serve =
        new RunningServe(
            "--vm", "vm1", "--seed", "5", "--record", dir.toString(), "--admin-port", "0")) {
      HostAndPort admin = serve.admin();
      // an event before any guest: held for the first trace
      post(
          serve,
          admin,
          "/vms/vm1/events",
          "fault early protocol=rpci step=sendsize nth=2 clear-success");
      try (RemoteBackdoor first = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
        RpciClient one = RpciClient.create(first);
        assertThat(one.guestInfoSet("color", "blue").isSuccess()).isTrue();
        quietly(() -> one.log("refused by the early fault"));
        try (RemoteBackdoor second = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
          RpciClient two = RpciClient.create(second);
          // the host state of the first connection carries over to the second
          assertThat(two.guestInfoGet("color").text()).isEqualTo("blue");
          post(
              serve,
              admin,
              "/vms/vm1/events",
              "fault late protocol=rpci step=recvsize nth=1 checkpoint\ncheckpoint");
          quietly(() -> two.log("after the admin events"));
          quietly(() -> one.log("the first again, between the second's calls"));
          assertThat(two.guestInfoSet("size", "large").isSuccess()).isTrue();
        }
        assertThat(one.guestInfoGet("size").text()).isEqualTo("large");
      }
    }
    List<Path> traces;
    try (Stream<Path> files = Files.list(dir)) {
      traces = files.sorted().toList();
    }
    assertThat(traces)
        .extracting(p -> p.getFileName().toString())
        .containsExactly("vm1-1.jsonl", "vm1-2.jsonl");
    assertThat(Files.readString(traces.get(0)))
        .contains("{\"t\":")
        .contains("\"host\":\"fault early protocol=rpci step=sendsize nth=2 clear-success\"")
        .contains("\"host\":\"checkpoint\"");

    Cli one = replay(traces.get(0));
    assertThat(one.exit()).as("%s%s", one.out(), one.err()).isZero();
    assertThat(one.out()).contains("every answer is as recorded").contains("3 host events");
    Cli two = replay(traces.get(1));
    assertThat(two.exit()).as("%s%s", two.out(), two.err()).isZero();
    assertThat(two.out())
        .contains("(the VM's connections replayed together on one host: vm1-1.jsonl, vm1-2.jsonl)")
        .contains("every answer is as recorded");

    // the second alone, without the first beside it: it differs, and says why
    Path alone = Files.createDirectory(dir.resolve("alone"));
    Files.copy(traces.get(1), alone.resolve("vm1-2.jsonl"));
    Cli lonely = replay(alone.resolve("vm1-2.jsonl"));
    assertThat(lonely.exit()).as("%s%s", lonely.out(), lonely.err()).isEqualTo(1);
    assertThat(lonely.out())
        .containsPattern(
            "\n\\S+vm1-2.jsonl: connection 2 began at host time \\S+ of session [0-9a-f]+, whose"
                + " earlier traces were not found beside it: the host it met held their state\n");

    // a host changed on purpose: guest messages of at most 8 bytes
    String text = Files.readString(traces.get(1));
    String changed = text.replaceFirst("\\\\nrun ", "\\\\nhost guestMessageLimit 8\\\\nrun ");
    assertThat(changed).isNotEqualTo(text);
    Files.writeString(traces.get(1), changed);
    Cli differs = replay(traces.get(1));
    assertThat(differs.exit()).as("%s%s", differs.out(), differs.err()).isEqualTo(1);
    assertThat(differs.out())
        .startsWith(traces.get(1) + ": vm1-1.jsonl, connection 1, line ")
        .contains("  call      SENDSIZE ch ")
        .contains("  recorded  → ok (HB)")
        .contains("  host      → refused")
        .contains("over the limit of 8")
        .contains("<-- differs");
  }

  @Test
  void theServedScenariosEventsAreInTheRecordingWhereTheyHappened() throws Exception {
    Path scenario = dir.resolve("s.scenario");
    Files.writeString(
        scenario,
        "scenario busy\nrun 1h\nat 0s fault slow-first protocol=rpci step=sendsize nth=3"
            + " clear-success\nevery 30ms checkpoint\n");
    Path records = Files.createDirectory(dir.resolve("records"));
    try (RunningServe serve =
        new RunningServe(
            "--vm", "vm1", "--scenario", scenario.toString(), "--record", records.toString())) {
      for (int connection = 0; connection < 2; connection++) {
        try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
          RpciClient rpci = RpciClient.create(guest);
          for (int i = 0; i < 40; i++) {
            int n = i;
            quietly(() -> rpci.guestInfoSet("n", Integer.toString(n)));
          }
        }
      }
    }
    List<Path> traces;
    try (Stream<Path> files = Files.list(records)) {
      traces = files.sorted().toList();
    }
    assertThat(traces).hasSize(2);
    assertThat(Files.readString(traces.get(0)))
        .contains("\"host\":\"fault slow-first protocol=rpci step=sendsize nth=3 clear-success\"");
    for (Path trace : traces) {
      Cli r = replay(trace);
      assertThat(r.exit()).as("%s%s", r.out(), r.err()).isZero();
      assertThat(r.out()).contains("every answer is as recorded");
    }
  }
}
