package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.record.GuestInfo;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The VMX's side of the tools' conversation with no command queued by the test: a {@link
 * ToolsService} guest, in process (over TCP: {@code server.ToolsConversationOverTcpTest}), in
 * virtual time. Within a virtual minute of its start the host has sent what a VMX sends after the
 * reset reply (in govmomi toolbox's order), the guest has registered its capabilities and version,
 * and the guest view shows the tools running; after the guest stops, the heartbeat timeout later,
 * not running.
 */
public class ToolsConversationTest {

  private final Simulation sim = Simulation.create(24);

  private VirtualHostBuilder driving() {
    return VirtualHost.builder().simulation(sim).toolsConversation(true);
  }

  /**
   * Runs a tools loop on {@code guestSide}, a transport to {@code host}, in {@code sim} for a
   * minute, stops it, and checks the whole conversation and the guest view.
   */
  public static void assertConversation(Simulation sim, VirtualHost host, Backdoor guestSide) {
    List<String> received = new ArrayList<>();
    ToolsService guest = ToolsLoops.loop(guestSide, sim, "toolbox", received);
    guest.start();
    sim.runFor(Duration.ofMinutes(1));

    assertThat(received)
        .startsWith(
            "reset",
            "ping",
            "Set_Option synctime 0",
            "Capabilities_Register",
            "Set_Option broadcastIP 1");
    // the opening at 0 s, then a heartbeat ping every 10 s: at 10 s .. 60 s
    assertThat(received.subList(5, received.size())).containsOnly("ping").hasSize(6);
    assertThat(host.records().capabilities()).containsKey("statechange");
    assertThat(host.records().unifiedLoopApps()).contains("toolbox");
    GuestInfo g = host.records().guest();
    assertThat(g.toolsRunningStatus()).isEqualTo("guestToolsRunning");
    assertThat(g.toolsVersion()).isEqualTo(String.valueOf(RpciClient.TOOLS_VERSION_UNMANAGED));
    assertThat(g.toolsVersionStatus()).isEqualTo("guestToolsUnmanaged");
    assertThat(g.toolsInstallType()).isEqualTo("guestToolsTypeOpenVMTools");
    assertThat(g.uptimeSeconds()).isNotNull();

    guest.stop();
    sim.runFor(Duration.ofSeconds(30));
    assertThat(host.records().guest().toolsRunning()).as("within the heartbeat timeout").isTrue();
    sim.runFor(Duration.ofSeconds(10));
    assertThat(host.records().guest().toolsRunningStatus()).isEqualTo("guestToolsNotRunning");
  }

  @Test
  void inProcess() {
    VirtualHost host = driving().build();
    assertConversation(sim, host, host.backdoor());
  }

  @Test
  void aHostThatDoesNotDriveSaysNothingUnasked() {
    VirtualHost host = VirtualHost.builder().simulation(sim).build();
    List<String> received = new ArrayList<>();
    ToolsLoops.loop(host.backdoor(), sim, "toolbox", received).start();
    sim.runFor(Duration.ofSeconds(5));
    // it still knows whether the tools answered: the reset reply, then nothing asked
    assertThat(host.records().guest().toolsRunning()).isTrue();
    sim.runFor(Duration.ofMinutes(1));
    assertThat(received).containsExactly("reset");
    assertThat(host.records().guest().toolsRunning()).isFalse();
  }

  @Test
  void timeSyncAndBroadcastFollowTheSettingsAndAResumeAsksForASync() {
    VirtualHost host =
        driving()
            .timeSync(true)
            .policy(HostPolicy.DEFAULTS.withToolsConversation(true).withBroadcastIp(false))
            .build();
    List<String> received = new ArrayList<>();
    ToolsLoops.loop(host.backdoor(), sim, "toolbox", received).start();
    sim.runFor(Duration.ofSeconds(5));
    assertThat(received)
        .containsExactly("reset", "ping", "Set_Option synctime 1", "Capabilities_Register");
    sim.schedule(Duration.ofSeconds(1), host::checkpoint);
    sim.runFor(Duration.ofSeconds(5));
    assertThat(received.subList(4, received.size()))
        .containsExactly(
            "reset",
            "ping",
            "Set_Option synctime 1",
            "Capabilities_Register",
            "Time_Synchronize 1");
  }
}
