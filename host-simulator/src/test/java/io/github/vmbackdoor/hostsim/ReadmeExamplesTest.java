package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.core.VmxVersion;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.hostsim.time.SimulationTickScheduler;
import io.github.vmbackdoor.rpc.GuestOsState;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.RpciReply;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's code examples, run against the emulated host so they stay true. */
class ReadmeExamplesTest {

  @Test
  void guestAgentExampleWorksAgainstTheEmulatedHost() {
    Simulation sim = Simulation.create(42);
    VirtualHost host = VirtualHost.builder().simulation(sim).build();
    var port = host.backdoor();

    VmxVersion vmx = new CommandPort(port).version();
    RpciClient rpci = RpciClient.create(port);
    rpci.guestInfoSet("ip", "10.0.0.7");
    RpciReply reply = rpci.guestInfoGet("ip");

    List<GuestOsState> asked = new ArrayList<>();
    ToolsService tools =
        ToolsService.builder(port)
            .scheduler(SimulationTickScheduler.of(sim))
            .powerCallback(asked::add)
            .build();
    tools.start();
    host.requestPowerOperation(GuestOsState.SUSPEND);
    sim.runFor(Duration.ofSeconds(5));
    tools.stop();

    assertThat(vmx.version()).isEqualTo(6);
    assertThat(reply.isSuccess()).isTrue();
    assertThat(reply.text()).isEqualTo("10.0.0.7");
    assertThat(asked).containsExactly(GuestOsState.SUSPEND);
  }

  @Test
  void testAuthorExampleInjectsACheckpointThatTheClientRetries() {
    Simulation sim = Simulation.create(42);
    VirtualHost host = VirtualHost.builder().simulation(sim).channelTableSize(8).build();
    RpciClient rpci = RpciClient.create(host.backdoor());
    host.installFault(
        io.github.vmbackdoor.hostsim.fault.Fault.builder()
            .protocol(BackdoorProtocol.PROTOCOL_RPCI)
            .step(MessageException.Step.RECV_HB)
            .nth(1)
            .checkpoint()
            .build());
    sim.schedule(Duration.ofMinutes(10), host::checkpoint);

    assertThat(rpci.guestInfoSet("ip", "10.0.0.7").isSuccess()).isTrue();
    sim.runFor(Duration.ofMinutes(11));

    assertThat(host.records().guestInfo()).containsEntry("guestinfo.ip", "10.0.0.7");
    assertThat(host.records().checkpoints()).isEqualTo(1);
    assertThat(host.records().callLog())
        .anyMatch(
            call ->
                call.kind() == TraceCall.Operation.INS
                    && call.answer().ebxHigh() == BackdoorProtocol.STATUS_CPT);
  }
}
