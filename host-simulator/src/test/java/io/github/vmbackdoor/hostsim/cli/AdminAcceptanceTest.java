package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.RpciReply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The admin API's acceptance: {@code serve} with the admin port, a guest over the wire protocol, a
 * checkpoint injected through the API in the middle of the guest's RPCI; the guest restarts the
 * request and succeeds, and the API shows the request arriving twice.
 */
class AdminAcceptanceTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private String token;

  private JsonNode call(HostAndPort admin, String method, String path, String body, int status)
      throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://" + admin + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "text/x-vmbackdoor")
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }

  @Test
  void aResetWithHostSettingsGivesTheFreshHostTheFieldsHostRules() throws Exception {
    try (RunningServe serve = new RunningServe("--vm", "vm1", "--admin-port", "0")) {
      HostAndPort admin = serve.admin();
      token = serve.adminToken();
      assertThat(
              call(admin, "POST", "/vms/vm1/reset", "host resetAfterUnsolicitedReply maybe", 400)
                  .get("error")
                  .asText())
          .startsWith("host resetAfterUnsolicitedReply: 'maybe' is not true or false");
      call(
          admin,
          "POST",
          "/vms/vm1/reset",
          "host resetAfterUnsolicitedReply true\nhost refusalRegisters as-loaded\n",
          200);
      // A plain reset keeps them.
      call(admin, "POST", "/vms/vm1/reset", null, 200);
      try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
        MessageChannel tclo = MessageChannel.open(guest, BackdoorProtocol.PROTOCOL_TCLO);
        tclo.send("OK ATR toolbox".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(new String(tclo.receive(), StandardCharsets.ISO_8859_1)).isEqualTo("reset");
        tclo.send("OK ATR toolbox".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> tclo.send(new byte[0]))
            .isInstanceOfSatisfying(
                MessageException.class,
                e -> {
                  assertThat(e.registers().eax()).isEqualTo(BackdoorProtocol.MAGIC);
                  assertThat(e.registers().ecx()).isZero();
                });
        assertThat(call(admin, "GET", "/vms/vm1", null, 200).get("pendingTclo").get(0).asText())
            .isEqualTo("reset");
      }
    }
  }

  @Test
  void checkpointInjectedMidRpciMakesTheGuestRetryAndSucceed() throws Exception {
    try (RunningServe serve = new RunningServe("--vm", "vm1", "--admin-port", "0")) {
      HostAndPort admin = serve.admin();
      token = serve.adminToken();
      call(admin, "PUT", "/vms/vm1/guestinfo/color", "blue", 200);
      // the checkpoint hits the guest's RECVSIZE: after its request went in, before the reply
      JsonNode applied =
          call(
              admin,
              "POST",
              "/vms/vm1/events",
              "fault cpt protocol=rpci step=recvsize nth=1 checkpoint",
              200);
      assertThat(applied.get("applied").get(0).asText()).startsWith("fault cpt");

      try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
        RpciReply reply = RpciClient.create(guest).guestInfoGet("color");
        assertThat(reply.isSuccess())
            .as("%s after %s", reply, call(admin, "GET", "/vms/vm1/calls", null, 200))
            .isTrue();
        assertThat(reply.text()).isEqualTo("blue");
      }

      JsonNode vm = call(admin, "GET", "/vms/vm1", null, 200);
      assertThat(vm.get("checkpoints").asLong()).isZero(); // a fault's CPT, not a host checkpoint
      JsonNode rpci = call(admin, "GET", "/vms/vm1/rpci?since=0", null, 200);
      assertThat(rpci.get("next").asLong()).isEqualTo(1);
      assertThat(rpci.get("requests").findValuesAsText("text"))
          .containsExactly("info-get guestinfo.color");
      JsonNode calls = call(admin, "GET", "/vms/vm1/calls?since=0", null, 200);
      // the high-bandwidth receive of the reply answered CPT (status in ebx's high half)
      assertThat(calls.get("calls"))
          .filteredOn(c -> c.get("op").asText().equals("ins"))
          .map(c -> Integer.parseUnsignedInt(c.get("out").asText().split(" ")[1], 16) >>> 16)
          .contains(BackdoorProtocol.STATUS_CPT);

      // the reply's receive was cancelled and fetched again
      assertThat(calls.get("calls").findValuesAsText("note"))
          .filteredOn(note -> note.startsWith("RECVSIZE"))
          .hasSize(2);

      // take hands out each request once, then waits in vain
      assertThat(
              call(admin, "GET", "/vms/vm1/rpci/take?timeout=1s", null, 200).get("text").asText())
          .isEqualTo("info-get guestinfo.color");
      assertThat(
              call(admin, "GET", "/vms/vm1/rpci/take?timeout=50ms", null, 408)
                  .get("error")
                  .asText())
          .isEqualTo("no RPCI request reached VM vm1 within 50ms");
    }
  }

  @Test
  void theGuestViewShowsWhatTheGuestReportedInTheApiAndCtl() throws Exception {
    try (RunningServe serve = new RunningServe("--vm", "vm1", "--admin-port", "0")) {
      HostAndPort admin = serve.admin();
      token = serve.adminToken();
      try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
        RpciClient rpci = RpciClient.create(guest);
        assertThat(rpci.setGuestInfo(1, "web-01").isSuccess()).isTrue();
        assertThat(rpci.setGuestInfo(5, "Ubuntu 22.04.2 LTS").isSuccess()).isTrue();
        assertThat(rpci.setToolsVersion(12352, 4).isSuccess()).isTrue();
      }
      JsonNode view = call(admin, "GET", "/vms/vm1/guest", null, 200);
      assertThat(view.get("hostName").asText()).isEqualTo("web-01");
      assertThat(view.get("guestFullName").asText()).isEqualTo("Ubuntu 22.04.2 LTS");
      assertThat(view.get("toolsVersion").asText()).isEqualTo("12352");
      assertThat(view.get("toolsRunningStatus").asText()).isEqualTo("guestToolsNotRunning");
      assertThat(call(admin, "GET", "/vms/vm1", null, 200).get("guest")).isEqualTo(view);

      Cli cli = new Cli();
      assertThat(cli.run("ctl", "--admin", admin.toString(), "guest", "vm1"))
          .as(cli.err())
          .isZero();
      assertThat(JSON.readTree(cli.out())).isEqualTo(view);
    }
  }

  @Test
  void takeWaitsForARequestThatComesLater() throws Exception {
    try (RunningServe serve = new RunningServe("--vm", "vm1", "--admin-port", "0")) {
      HostAndPort admin = serve.admin();
      token = serve.adminToken();
      var taken =
          http.sendAsync(
              HttpRequest.newBuilder(
                      URI.create("http://" + admin + "/vms/vm1/rpci/take?timeout=20s"))
                  .header("Authorization", "Bearer " + token)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
        RpciClient.create(guest).log("hello");
      }
      HttpResponse<String> r = taken.get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(r.body()).get("text").asText()).isEqualTo("log hello");
    }
  }

  @Test
  void refusalsAreOneLineJsonErrors() throws Exception {
    try (RunningServe serve = new RunningServe("--vm", "vm1", "--admin-port", "0")) {
      HostAndPort admin = serve.admin();
      token = serve.adminToken();
      assertThat(call(admin, "POST", "/vms/vm1/events", "fault x nth=2", 400).get("error").asText())
          .contains("the fault has no action");
      assertThat(
              call(admin, "POST", "/vms/vm1/events", "checkpoint\npower sideways", 400)
                  .get("error")
                  .asText())
          .startsWith("line 2: ");
      assertThat(call(admin, "GET", "/vms/vm1/calls?since=x", null, 400).get("error").asText())
          .isEqualTo("since is a count of 0 or more, not 'x'");
      assertThat(call(admin, "DELETE", "/vms/vm1", null, 405).get("error").asText())
          .isEqualTo("DELETE is not allowed on /vms/vm1 (use GET)");
      assertThat(call(admin, "GET", "/nothing", null, 404).get("error").asText())
          .startsWith("no such path: /nothing");
      assertThat(call(admin, "GET", "/vms/vm1/guestinfo/none", null, 404).get("error").asText())
          .isEqualTo("VM vm1 has no guestinfo.none");
      assertThat(
              call(admin, "GET", "/vms/vm1/rpci/take?timeout=soon", null, 400)
                  .get("error")
                  .asText())
          .startsWith("timeout: ");
      // a wrong line applies nothing
      assertThat(call(admin, "GET", "/vms/vm1", null, 200).get("checkpoints").asLong()).isZero();
    }
  }
}
