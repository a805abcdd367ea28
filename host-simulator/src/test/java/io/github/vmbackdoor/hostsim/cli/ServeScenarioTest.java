package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --scenario FILE}: the timeline played on the served VMs in real time. */
class ServeScenarioTest {

  @TempDir Path dir;

  @Test
  void aServedVmPlaysTheScenarioTimeline() throws Exception {
    Path file = dir.resolve("hello.scenario");
    Files.writeString(file, "scenario hello\nat 0 tclo Hello_from_scenario\n");
    try (RunningServe serve = new RunningServe("--scenario", file.toString())) {
      assertThat(serve.nextLine()).isEqualTo("serving VM vm1");
      assertThat(serve.nextLine()).isEqualTo("playing scenario hello (1 events) on every VM");
      List<String> received = new ArrayList<>();
      try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1");
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
    }
  }

  @Test
  void aBadScenarioFileIsBadUsage() throws Exception {
    Path file = dir.resolve("bad.scenario");
    Files.writeString(file, "scenario bad\nat 1m explode\n");
    Cli cli = new Cli();
    assertThat(cli.run("serve", "--scenario", file.toString())).isEqualTo(2);
    assertThat(cli.err()).contains("line 2: unknown action 'explode'");
    assertThat(cli.out()).doesNotContain("listening");
    assertThat(cli.run("serve", "--scenario", dir.resolve("none").toString())).isEqualTo(1);
  }
}
