package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.ToolsConversationTest;
import io.github.vmbackdoor.hostsim.ToolsLoops;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.admin.ServedVm;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tools' conversation of {@link ToolsConversationTest} over TCP: the guest's tools loop in a
 * "process" of its own ({@link RemoteBackdoor}), the host served as {@code serve} serves it, the
 * loop, the host and the server's read timeout on one {@link Simulation}.
 */
class ToolsConversationOverTcpTest {

  private final Simulation sim = Simulation.create(24);

  @Test
  void theHostDrivesTheConversationOverTheWire() {
    ServedVm vm =
        ServedVm.of(
            "vm", () -> VirtualHost.builder().simulation(sim).toolsConversation(true).build());
    try (SimulatorServer server =
            SimulatorServer.builder(
                    name ->
                        name.equals("vm") ? vm.connect("guest", ConnectionPolicy.DEFAULTS) : null)
                .ticker(sim.ticker())
                .start();
        RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm")) {
      ToolsConversationTest.assertConversation(sim, vm.host(), guest);
    }
  }

  /**
   * A guest process that answers for ten virtual minutes counts as running throughout; when it ends
   * (its connection closes, and the server closes its channels), the view says so only once the
   * heartbeat timeout has passed since its last answer, as in process.
   */
  @Test
  void aGuestProcessThatEndsIsNotRunningAfterTheHeartbeatTimeout() {
    ServedVm vm =
        ServedVm.of(
            "vm", () -> VirtualHost.builder().simulation(sim).toolsConversation(true).build());
    Duration timeout = HostPolicy.DEFAULTS.heartbeatTimeout();
    try (SimulatorServer server =
        SimulatorServer.builder(
                name -> name.equals("vm") ? vm.connect("guest", ConnectionPolicy.DEFAULTS) : null)
            .ticker(sim.ticker())
            .start()) {
      List<String> received = new ArrayList<>();
      RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm");
      ToolsService tools = ToolsLoops.loop(guest, sim, "toolbox", received);
      tools.start();
      for (int minute = 1; minute <= 10; minute++) {
        sim.runFor(Duration.ofMinutes(1));
        assertThat(vm.host().records().guest().toolsRunning()).as("minute %d", minute).isTrue();
      }
      // a ping every heartbeat interval after the opening, all answered
      assertThat(received.stream().filter("ping"::equals).count()).isGreaterThanOrEqualTo(60);
      Duration lastAnswer = vm.host().hostTime();

      guest.close(); // the process ends: its TCLO channel goes with its connection
      tools.stop();
      BackpressureTest.awaitTrue(
          () ->
              vm.host().records().channels().stream()
                  .noneMatch(c -> c.state() == ChannelInfo.State.OPEN),
          "the server closed the channels of the ended connection");
      sim.runFor(timeout.minusSeconds(1));
      assertThat(vm.host().records().guest().toolsRunning())
          .as("within the heartbeat timeout")
          .isTrue();
      sim.runFor(Duration.ofSeconds(2));
      assertThat(vm.host().records().guest().toolsRunningStatus())
          .isEqualTo("guestToolsNotRunning");
      assertThat(vm.host().hostTime().minus(lastAnswer)).isGreaterThan(timeout);
    }
  }
}
