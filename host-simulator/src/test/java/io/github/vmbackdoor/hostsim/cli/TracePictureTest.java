package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code replay --trace FILE --html/--svg}: a recorded session drawn as a scenario run is. */
class TracePictureTest {

  private static final byte[] RESET_REPLY = "OK ATR toolbox".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  private final Cli cli = new Cli();

  @Test
  void aRecordedServeSessionIsDrawnWithItsAdminEventRefusedReplyAndReopen() throws Exception {
    Path traces = dir.resolve("traces");
    try (RunningServe serve =
        new RunningServe("--vm", "vm1", "--record", traces.toString(), "--admin-port", "0")) {
      HostAndPort admin = serve.admin();
      HttpResponse<String> posted =
          HttpClient.newHttpClient()
              .send(
                  serve
                      .adminRequest(
                          admin,
                          "POST",
                          "/vms/vm1/events",
                          "fault ping protocol=tclo step=sendsize nth=2 clear-success")
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
      try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
        // the host's first message on a new TCLO channel is "reset"; the reply to it is the
        // second TCLO SENDSIZE, which the fault refuses
        MessageChannel tclo = MessageChannel.open(guest, BackdoorProtocol.PROTOCOL_TCLO);
        tclo.send(new byte[0]);
        assertThat(new String(tclo.receive(), StandardCharsets.US_ASCII)).isEqualTo("reset");
        assertThatThrownBy(() -> tclo.send(RESET_REPLY)).isInstanceOf(MessageException.class);
        tclo.close();
        MessageChannel again = MessageChannel.open(guest, BackdoorProtocol.PROTOCOL_TCLO);
        byte[] reply = new byte[0];
        for (int i = 0; i < 3; i++) {
          again.send(reply);
          byte[] command = again.receive();
          reply = command.length == 0 ? new byte[0] : RESET_REPLY;
        }
        again.close();
      }
    }
    List<Path> recorded;
    try (Stream<Path> files = Files.list(traces)) {
      recorded = files.toList();
    }
    assertThat(recorded).hasSize(1);
    Path html = dir.resolve("session.html");
    Path svg = dir.resolve("session.svg");
    assertThat(
            cli.run(
                "replay",
                "--trace",
                recorded.get(0).toString(),
                "--html",
                html.toString(),
                "--svg",
                svg.toString()))
        .as("%s", cli)
        .isZero();
    assertThat(cli.out())
        .contains("wrote " + html)
        .contains("wrote " + svg)
        .contains("every answer is as recorded");
    String picture = Files.readString(svg);
    assertThat(picture.split("class=\"lane\"", -1)).hasSize(2);
    assertThat(picture)
        .contains("data-machine=\"vm1 #1\"")
        .containsPattern(">[0-9]+ calls</text>")
        .contains("class=\"mark tclo-failure\"")
        .contains("SENDSIZE on the TCLO channel refused")
        .contains("class=\"mark reopen\"")
        .contains("class=\"poll\"")
        .contains("class=\"outcome recovered\"")
        .contains("fault ping protocol=tclo step=sendsize nth=2 clear-success");
    assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains(picture);
  }

  @Test
  void aRecordedScenarioRunIsDrawnZoomedOnItsStory() throws Exception {
    Path scenario =
        Files.writeString(dir.resolve("s.scenario"), BuiltInScenarios.hostClosesTclo().toText());
    Path trace = dir.resolve("fixed.jsonl");
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
    Path svg = dir.resolve("fixed.svg");
    assertThat(cli.run("replay", "--trace", trace.toString(), "--svg", svg.toString()))
        .as("%s", cli)
        .isZero();
    String picture = Files.readString(svg);
    assertThat(picture)
        .contains("data-machine=\"fixed\"")
        .contains("class=\"outcome recovered\"")
        .contains("recovers in 1s")
        .contains("class=\"mark tclo-failure\" data-at-ms=\"600000\"")
        .contains("class=\"mark reopen\" data-at-ms=\"601000\"")
        .contains("lanes zoomed on")
        .contains(">close-tclo</text>");
  }

  @Test
  void aTraceOnStandardInputIsNotDrawn() {
    assertThat(cli.run("replay", "--trace", "-", "--html", dir.resolve("x.html").toString()))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(cli.err()).contains("--html and --svg draw a trace file, not standard input");
  }
}
