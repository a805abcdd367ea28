package io.github.vmbackdoor.hostsim.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.ToolsService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The programmatic extension over TCP, registered on an instance field. */
class RegisteredTcpTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final AtomicReference<InetSocketAddress> firstAddress = new AtomicReference<>();

  @RegisterExtension
  final VmExtension vm =
      VmExtension.builder()
          .transport(Transport.TCP)
          .vmName("registered")
          .configureHost(host -> host.machineId("over-tcp"))
          .build();

  @Test
  void guestsReachTheHostOverTheClassServer(Backdoor guest, RpciClient rpci) {
    VmSimulator simulator = vm.simulator();
    assertThat(guest).isInstanceOf(RemoteBackdoor.class);
    assertThat(rpci.machineId().text()).isEqualTo("over-tcp");
    rememberTheServer(simulator);
  }

  @Test
  void theToolsServiceHasAConnectionOfItsOwn(VmSimulator simulator, ToolsService tools) {
    VirtualHost host = simulator.host();
    simulator.enqueueTclo("ping");
    assertThat(simulator.await(() -> host.records().tcloReplies().size() == 2, TIMEOUT)).isTrue();
    assertThat(tools.rpci()).isNotSameAs(simulator.rpci());
    rememberTheServer(simulator);
  }

  @Test
  void nothingIsLeftFromAnotherTestA(VmSimulator simulator, RpciClient rpci) {
    assertFreshThenDirty(simulator, rpci);
  }

  @Test
  void nothingIsLeftFromAnotherTestB(VmSimulator simulator, RpciClient rpci) {
    assertFreshThenDirty(simulator, rpci);
  }

  private static void assertFreshThenDirty(VmSimulator simulator, RpciClient rpci) {
    VirtualHost host = simulator.host();
    assertThat(host.records().channels()).isEmpty();
    assertThat(host.records().pendingTcloCommands()).isEmpty();
    assertThat(rpci.guestInfoGet("left").isSuccess()).isFalse();
    assertThat(host.records().rpciRequests()).hasSize(1);
    rpci.guestInfoSet("left", "behind");
    simulator.enqueueTclo("ping");
    // A TCLO channel left open, as a guest that never closes it would.
    MessageChannel.open(simulator.guest(), BackdoorProtocol.PROTOCOL_TCLO);
    assertThat(host.records().channels()).hasSize(1);
    rememberTheServer(simulator);
  }

  /** Every test of the class reaches the same server, each under its own VM. */
  private static void rememberTheServer(VmSimulator simulator) {
    firstAddress.compareAndSet(null, simulator.address());
    assertThat(simulator.address()).isEqualTo(firstAddress.get());
    assertThat(simulator.vmName()).isEqualTo("registered");
  }
}
