package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extensions of the test package {@code io.github.vmbackdoor.hostsim.example} (a fault action
 * with a parameter, a host event, an RPCI command, a TCLO machine), each one class plus one service
 * line, used from {@code serve} with its scenario and admin API, and from {@code replay --machine}.
 */
class ExtensionsEverywhereTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  @TempDir Path dir;

  private JsonNode call(
      RunningServe serve, HostAndPort admin, String method, String path, String body)
      throws Exception {
    HttpResponse<String> r =
        http.send(
            serve.adminRequest(admin, method, path, body).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  void serveTakesOwnKindsFromItsScenarioAndItsAdminApi() throws Exception {
    Path file = dir.resolve("served.scenario");
    Files.writeString(
        file,
        "scenario served\nhost toolsConversation false\n"
            + "at 0s fault slow protocol=rpci step=sendsize nth=1 stall=100ms\n");
    try (RunningServe serve =
        new RunningServe("--vm", "vm1", "--admin-port", "0", "--scenario", file.toString())) {
      HostAndPort admin = serve.admin();
      JsonNode applied = call(serve, admin, "POST", "/vms/vm1/events", "burst 2");
      assertThat(applied.get("applied").get(0).asText()).isEqualTo("burst 2");
      try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
        RpciClient rpci = RpciClient.create(guest);
        // the scenario's stall closes the first request's channel; the next is answered
        assertThatThrownBy(() -> rpci.send("echo lost")).isInstanceOf(MessageException.class);
        assertThat(rpci.send("echo hello").text()).isEqualTo("hello");
      }
      JsonNode vm = call(serve, admin, "GET", "/vms/vm1", null);
      assertThat(vm.get("pendingTclo").toString()).isEqualTo("[\"ping\",\"ping\"]");
      assertThat(call(serve, admin, "GET", "/vms/vm1/calls?since=0", null).toString())
          .contains("stalled [STALL]");
    }
  }

  @Test
  void replayRunsTheOwnMachineByName() throws Exception {
    Path file = dir.resolve("extensions.scenario");
    try (InputStream in = getClass().getResourceAsStream("/scenarios/extensions.scenario")) {
      Files.write(file, in.readAllBytes());
    }
    Cli cli = new Cli();
    assertThat(cli.run("replay", "--scenario", file.toString(), "--machine", "echoing"))
        .as(cli.err())
        .isZero();
    assertThat(cli.out()).contains("echoing: tick 1").contains("echoing: failed");
  }

  @Test
  void replayNamesEveryMachineItKnows() {
    Cli cli = new Cli();
    cli.run("replay", "--scenario", "none.scenario", "--machine", "nope");
    assertThat(cli.err())
        .contains("--machine is fixed, legacy, proposed-patch, echoing or all, not 'nope'");
  }
}
