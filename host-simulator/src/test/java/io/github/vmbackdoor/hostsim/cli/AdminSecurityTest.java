package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.net.HostAndPort;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API refuses what a web page or a stranger sends (docs/admin-api.md, "Security"): a
 * cross-site "simple" POST of each type a page sends without a preflight, a DNS-rebound Host, a
 * missing or wrong token; each refusal changes nothing.
 */
class AdminSecurityTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EVIL = "http://attacker.example";

  @TempDir Path dir;

  /** One request over a raw socket, exactly these bytes; returns the status line and the body. */
  private static String[] raw(HostAndPort admin, String request) throws Exception {
    try (Socket s = new Socket(admin.getHost(), admin.getPort())) {
      s.setSoTimeout(60_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int end = reply.indexOf("\r\n");
      return new String[] {reply.substring(0, end), reply.substring(reply.indexOf("\r\n\r\n") + 4)};
    }
  }

  private static String post(HostAndPort admin, String path, List<String> headers, String body) {
    StringBuilder b = new StringBuilder("POST " + path + " HTTP/1.1\r\n");
    for (String h : headers) {
      b.append(h).append("\r\n");
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    b.append("Content-Length: ").append(bytes.length).append("\r\n");
    b.append("Connection: close\r\n\r\n").append(body);
    return b.toString();
  }

  private static JsonNode get(RunningServe serve, HostAndPort admin, String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                serve.adminRequest(admin, "GET", path, null).build(),
                HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  @Test
  void crossSiteRebindingAndTokenlessRequestsAreRefusedAndChangeNothing() throws Exception {
    try (RunningServe serve = new RunningServe("--vm", "vm1", "--admin-port", "0")) {
      HostAndPort admin = serve.admin();
      String token = serve.adminToken();
      String host = "Host: " + admin;
      String bearer = "Authorization: Bearer " + token;
      HttpResponse<String> put =
          HttpClient.newHttpClient()
              .send(
                  serve.adminRequest(admin, "PUT", "/vms/vm1/guestinfo/kept", "yes").build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).isEqualTo(200);

      String form = "a=checkpoint";
      String multipart =
          "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\ncheckpoint\r\n--b--\r\n";
      // a web page's simple POSTs: no token (a page cannot add one), its Origin
      for (String[] typed :
          List.of(
              new String[] {"text/plain", "checkpoint"},
              new String[] {"application/x-www-form-urlencoded", form},
              new String[] {"multipart/form-data; boundary=b", multipart})) {
        for (String path : List.of("/vms/vm1/events", "/vms/vm1/reset")) {
          String[] reply =
              raw(
                  admin,
                  post(
                      admin,
                      path,
                      List.of(host, "Origin: " + EVIL, "Content-Type: " + typed[0]),
                      typed[1]));
          assertThat(reply[0]).as("%s %s", path, typed[0]).contains(" 403 ");
          assertThat(reply[1]).contains("Origin 'http://attacker.example' is not allowed");
          // the same without Origin (an old browser, a form from a file): the token is missing
          reply =
              raw(admin, post(admin, path, List.of(host, "Content-Type: " + typed[0]), typed[1]));
          assertThat(reply[0]).as("%s %s", path, typed[0]).contains(" 401 ");
          assertThat(reply[1]).contains("no token");
          // and even with the token, a page's type is refused
          reply =
              raw(
                  admin,
                  post(admin, path, List.of(host, bearer, "Content-Type: " + typed[0]), typed[1]));
          assertThat(reply[0]).as("%s %s", path, typed[0]).contains(" 415 ");
        }
      }
      // DNS rebinding: the page's own name, now resolving to 127.0.0.1, with everything else right
      for (String wrongHost :
          List.of(
              "Host: attacker.example:" + admin.getPort(),
              "Host: 127.0.0.1:" + (admin.getPort() == 1 ? 2 : admin.getPort() - 1),
              "Host: 10.9.8.7:" + admin.getPort())) {
        String[] reply =
            raw(
                admin,
                post(
                    admin,
                    "/vms/vm1/events",
                    List.of(wrongHost, bearer, "Content-Type: text/x-vmbackdoor"),
                    "checkpoint"));
        assertThat(reply[0]).as(wrongHost).contains(" 403 ");
        String[] read =
            raw(
                admin,
                "GET /vms/vm1/calls HTTP/1.1\r\n" + wrongHost + "\r\n" + bearer + "\r\n\r\n");
        assertThat(read[0]).as(wrongHost).contains(" 403 ");
        assertThat(read[1]).doesNotContain("calls");
      }
      String[] noHost = raw(admin, "GET /vms HTTP/1.0\r\n" + bearer + "\r\n\r\n");
      assertThat(noHost[0]).contains(" 403 ");
      // a missing, a wrong, a token without its scheme: refused, nothing read
      for (String auth :
          List.of("", "Authorization: Bearer x" + token, "Authorization: " + token)) {
        String[] reply =
            raw(
                admin,
                "GET /vms/vm1/calls HTTP/1.1\r\n"
                    + host
                    + "\r\n"
                    + (auth.isEmpty() ? "" : auth + "\r\n")
                    + "Connection: close\r\n\r\n");
        assertThat(reply[0]).as(auth).contains(" 401 ");
        assertThat(reply[1]).doesNotContain("\"calls\"");
        String[] write =
            raw(
                admin,
                post(
                    admin,
                    "/vms/vm1/events",
                    auth.isEmpty()
                        ? List.of(host, "Content-Type: text/x-vmbackdoor")
                        : List.of(host, auth, "Content-Type: text/x-vmbackdoor"),
                    "checkpoint"));
        assertThat(write[0]).as(auth).contains(" 401 ");
      }
      // a preflight is never granted
      String[] preflight =
          raw(
              admin,
              "OPTIONS /vms/vm1/events HTTP/1.1\r\n"
                  + host
                  + "\r\nOrigin: "
                  + EVIL
                  + "\r\nAccess-Control-Request-Method: POST\r\n"
                  + "Access-Control-Request-Headers: authorization\r\n\r\n");
      assertThat(preflight[0]).contains(" 403 ");
      assertThat(preflight[1]).doesNotContain("Access-Control");

      JsonNode vm = get(serve, admin, "/vms/vm1");
      assertThat(vm.get("checkpoints").asLong()).as("%s", vm).isZero();
      assertThat(vm.get("pendingTclo")).isEmpty();
      assertThat(get(serve, admin, "/vms/vm1/guestinfo/kept").get("value").asText())
          .as("no reset happened")
          .isEqualTo("yes");
      // the right request on a raw socket is answered: the refusals were for their reasons
      String[] ok =
          raw(
              admin,
              post(
                  admin,
                  "/vms/vm1/events",
                  List.of(
                      "Host: localhost:" + admin.getPort(),
                      bearer,
                      "Content-Type: text/x-vmbackdoor; charset=UTF-8"),
                  "checkpoint"));
      assertThat(ok[0]).as(ok[1]).contains(" 200 ");
      assertThat(get(serve, admin, "/vms/vm1").get("checkpoints").asLong()).isEqualTo(1);
    }
  }

  @Test
  void anAllowedOriginAndAGivenTokenAreAccepted() throws Exception {
    String token = "a-token-of-our-own-choosing";
    try (RunningServe serve =
        new RunningServe(
            "--vm",
            "vm1",
            "--admin-port",
            "0",
            "--admin-token",
            token,
            "--admin-allow-origin",
            "http://ui.example:3000")) {
      String line = serve.nextLine();
      while (!line.startsWith("admin API on ")) {
        line = serve.nextLine();
      }
      HostAndPort admin = HostAndPort.fromString(line.substring("admin API on ".length()));
      String[] reply =
          raw(
              admin,
              post(
                  admin,
                  "/vms/vm1/events",
                  List.of(
                      "Host: " + admin,
                      "Origin: http://UI.example:3000",
                      "Authorization: bearer " + token,
                      "Content-Type: text/x-vmbackdoor"),
                  "checkpoint"));
      assertThat(reply[0]).as(reply[1]).contains(" 200 ");

      Cli cli = new Cli();
      assertThat(
              cli.run(
                  "ctl", "--admin", admin.toString(), "--admin-token", token, "checkpoint", "vm1"))
          .as(cli.err())
          .isZero();
      Path file = dir.resolve("token");
      Files.writeString(file, token + "\n");
      assertThat(
              cli.run(
                  "ctl", "--admin", admin.toString(), "--admin-token-file", file.toString(), "vms"))
          .as(cli.err())
          .isZero();
      assertThat(cli.out()).contains("\"checkpoints\":2");
      assertThat(
              cli.run(
                  "ctl",
                  "--admin",
                  admin.toString(),
                  "--admin-token",
                  "not-the-token-at-all",
                  "vms"))
          .isEqualTo(1);
      assertThat(cli.err()).startsWith("vmbackdoor ctl: a wrong token").hasLineCount(1);
    }
  }

  @Test
  void theTokenFileIsTheOwnersAloneAndGoesWithServe() throws Exception {
    Path file = dir.resolve("tokens").resolve("admin.token");
    String token;
    try (RunningServe serve =
        new RunningServe(
            "--vm", "vm1", "--admin-port", "0", "--admin-token-file", file.toString())) {
      serve.admin();
      token = serve.adminToken();
      assertThat(token).hasSize(43);
      assertThat(Files.readString(file).strip()).isEqualTo(token);
      if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
        assertThat(
                java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(file)))
            .isEqualTo("rw-------");
        assertThat(
                java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(file.getParent())))
            .isEqualTo("rwx------");
      }
    }
    assertThat(file).doesNotExist();
  }

  @Test
  void listeningBeyondLoopbackIsWarnedOf() throws Exception {
    RunningServe serve =
        new RunningServe(
            "--bind",
            "0.0.0.0",
            "--admin-port",
            "0",
            "--admin-bind",
            "0.0.0.0",
            "--admin-token-file",
            dir.resolve("t").toString());
    try (serve) {
      serve.admin(); // up to the banner's end
    }
    assertThat(serve.errors().lines())
        .filteredOn(l -> l.startsWith("vmbackdoor serve: warning: "))
        .hasSize(2)
        .anyMatch(l -> l.contains("the wire port") && l.contains("beyond this machine"))
        .anyMatch(l -> l.contains("the admin API") && l.contains("beyond this machine"));
  }
}
