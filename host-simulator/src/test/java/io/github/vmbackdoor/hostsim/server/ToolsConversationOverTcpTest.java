package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.hostsim.ToolsConversationTest;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.admin.ServedVm;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import io.github.vmbackdoor.hostsim.time.Simulation;
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
}
