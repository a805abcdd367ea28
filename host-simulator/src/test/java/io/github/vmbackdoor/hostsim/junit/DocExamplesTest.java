package io.github.vmbackdoor.hostsim.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.TcloResult;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The examples of docs/junit-extension.md, as written there. */
class DocExamplesTest {

  @SimulatedVm(transport = Transport.TCP, seed = 7, channelTableSize = 8)
  @Nested
  class GuestInfoTest {

    @Test
    void infoSetThenGet(RpciClient rpci, VmSimulator vm) {
      rpci.guestInfoSet("ip", "10.0.0.7");
      assertThat(rpci.guestInfoGet("ip").text()).isEqualTo("10.0.0.7");
      assertThat(vm.guestInfo("ip")).hasValue("10.0.0.7");
      assertThat(vm.takeRpciRequest(Duration.ofSeconds(5)).orElseThrow().command())
          .isEqualTo("info-set");
    }
  }

  @Nested
  class PolicyTest {
    @RegisterExtension
    final VmExtension vm =
        VmExtension.builder()
            .transport(Transport.IN_PROCESS)
            .seed(7)
            .configureHost(host -> host.idleTimeout(Duration.ofSeconds(30)).machineId("vm-7"))
            .configureToolsService(tools -> tools.handler("greet", args -> TcloResult.ok("hello")))
            .build();

    @Test
    void idleChannelsAreClosed() {
      VmSimulator sim = vm.simulator(); // the running test's VM
      MessageChannel.open(sim.guest(), BackdoorProtocol.PROTOCOL_RPCI);
      sim.simulation().runFor(Duration.ofMinutes(1));
      assertThat(sim.host().expireIdleChannels()).isEqualTo(1);
    }
  }
}
