package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CLOSED;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.FaultAction;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.time.Simulation;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A fault kind defined outside the library, through {@link FaultAction.Custom}. */
class FaultActionExtensionTest {

  /** A channel that stalls: the call takes its time, then the host closes the channel as idle. */
  record Stall(Duration after) implements FaultAction.Custom {
    @Override
    public String name() {
      return "STALL";
    }

    @Override
    public void apply(Call call) {
      call.delay(after);
      call.closeChannel();
      call.refuse(STATUS_CLOSED | STATUS_TIMEOUT, "stalled");
    }
  }

  @Test
  void aCustomActionActsThroughTheCallItHit() {
    Simulation sim = Simulation.create(1);
    VirtualHost host = VirtualHost.builder().simulation(sim).build();
    Fault stall =
        Fault.builder()
            .protocol(PROTOCOL_RPCI)
            .step(Step.SENDSIZE)
            .action(new Stall(Duration.ofSeconds(3)))
            .build();
    host.installFault(stall);
    Guest guest = Guest.open(host.backdoor(), PROTOCOL_RPCI, true);

    assertThat(guest.status(MESSAGE_SENDSIZE, 5)).isEqualTo(STATUS_CLOSED | STATUS_TIMEOUT);

    assertThat(host.hostTime()).isEqualTo(Duration.ofSeconds(3));
    assertThat(host.records().channel(guest.id).orElseThrow().state())
        .isEqualTo(ChannelInfo.State.HOST_CLOSED);
    assertThat(host.records().callLog().get(host.records().callLog().size() - 1).note())
        .isEqualTo("SENDSIZE ch 0: stalled [STALL]");
    assertThat(stall.toString()).startsWith("Fault{STALL ");
  }

  @Test
  void withoutTheFaultTheSameCallIsServed() {
    VirtualHost host = VirtualHost.builder().build();
    Guest guest = Guest.open(host.backdoor(), PROTOCOL_RPCI, true);
    assertThat(guest.status(MESSAGE_SENDSIZE, 5) & 1).isEqualTo(1);
    assertThat(host.records().channel(guest.id).orElseThrow().state())
        .isEqualTo(ChannelInfo.State.OPEN);
  }
}
