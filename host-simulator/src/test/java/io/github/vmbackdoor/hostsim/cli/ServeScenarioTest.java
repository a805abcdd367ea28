package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --scenario FILE}: the timeline played on the served VMs in real time. */
class ServeScenarioTest {

  @TempDir Path dir;

  @Test
  void aServedVmPlaysTheScenarioTimeline() throws Exception {
    Path file = dir.resolve("hello.scenario");
    Files.writeString(file, "scenario hello\nat 0 tclo Hello_from_scenario\n");
    OutputLines lines = new OutputLines();
    StringWriter err = new StringWriter();
    CountDownLatch stop = new CountDownLatch(1);
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                Main.run(
                    new PrintWriter(lines, true),
                    new PrintWriter(err, true),
                    new ServeCommand(stop),
                    "serve",
                    "--port",
                    "0",
                    "--scenario",
                    file.toString()));
    try {
      String listening = lines.next();
      assertThat(lines.next()).isEqualTo("serving VM vm1");
      assertThat(lines.next()).isEqualTo("playing scenario hello (1 events) on every VM");
      HostAndPort address = HostAndPort.fromString(listening.substring("listening on ".length()));
      List<String> received = new ArrayList<>();
      try (RemoteBackdoor guest =
              RemoteBackdoor.connect(address.getHost(), address.getPort(), "vm1");
          MessageChannel tclo = MessageChannel.open(guest, BackdoorProtocol.PROTOCOL_TCLO)) {
        // The scenario's event runs on the server's own timer: poll (at most five seconds of
        // round trips) until the command has come through after the host's first "reset".
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        byte[] reply = new byte[0];
        while (!received.contains("Hello_from_scenario") && System.nanoTime() < deadline) {
          tclo.send(reply);
          byte[] message = tclo.receive();
          if (message.length > 0) {
            received.add(new String(message, StandardCharsets.US_ASCII));
            reply = "OK ".getBytes(StandardCharsets.US_ASCII);
          } else {
            reply = new byte[0];
          }
        }
      }
      assertThat(received).contains("Hello_from_scenario");
    } finally {
      stop.countDown();
    }
    assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
  }

  @Test
  void aBadScenarioFileIsBadUsage() throws Exception {
    Path file = dir.resolve("bad.scenario");
    Files.writeString(file, "scenario bad\nat 1m explode\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            new ServeCommand(new CountDownLatch(1)),
            "serve",
            "--scenario",
            file.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("line 2: unknown action 'explode'");
    assertThat(out.toString()).doesNotContain("listening");
    code =
        Main.run(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            new ServeCommand(new CountDownLatch(1)),
            "serve",
            "--scenario",
            dir.resolve("none").toString());
    assertThat(code).isEqualTo(1);
  }
}
