package io.github.vmbackdoor.hostsim.junit;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.TcloResult;
import io.github.vmbackdoor.rpc.ToolsService;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The programmatic extension in process, with both builder hooks and no parameters needed. */
class RegisteredInProcessTest {

  private static final UUID UUID_OF_THE_VM =
      UUID.fromString("564d0c6e-1a2b-3c4d-5e6f-708192a3b4c5");

  @RegisterExtension
  static final VmExtension vm =
      VmExtension.builder()
          .seed(7)
          .channelTableSize(16)
          .highBandwidth(false)
          .rejectUnsolicitedTcloReplies(true)
          .configureHost(
              host ->
                  host.uuid(UUID_OF_THE_VM)
                      .machineId("machine-7")
                      .rpciHandler("custom.echo", request -> "1 " + request.arguments()))
          .configureToolsService(
              tools -> tools.handler("greet", arguments -> TcloResult.ok("hello" + arguments)))
          .build();

  @Test
  void theBuilderSettingsAndTheHostHookShapeTheHost() {
    VirtualHost host = vm.simulator().host();
    assertThat(vm.simulator().transport()).isEqualTo(Transport.IN_PROCESS);
    assertThat(vm.simulator().simulation().seed()).isEqualTo(7);
    assertThat(host.records().channelTableSize()).isEqualTo(16);
    assertThat(host.records().offersHighBandwidth()).isFalse();
    assertThat(host.uuid()).isEqualTo(UUID_OF_THE_VM);
    RpciClient rpci = vm.simulator().rpci();
    assertThat(rpci.machineId().text()).isEqualTo("machine-7");
    assertThat(rpci.send("custom.echo abc").text()).isEqualTo("abc");
    // rejectUnsolicitedTcloReplies: a TCLO reply with no command outstanding is refused.
    MessageChannel tclo = MessageChannel.open(vm.simulator().guest(), PROTOCOL_TCLO);
    assertThatThrownBy(() -> tclo.send("OK ".getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(MessageException.class);
    assertThat(host.records().tcloExchanges())
        .extracting(TcloExchange::outcome)
        .containsExactly(TcloExchange.Outcome.UNSOLICITED_REJECTED);
  }

  @Test
  void theToolsServiceHookAddsAHandler(ToolsService tools, VmSimulator simulator) {
    assertThat(simulator).isSameAs(vm.simulator());
    assertThat(tools).isSameAs(simulator.toolsService());
    simulator.enqueueTclo("greet  world");
    VirtualHost host = simulator.host();
    assertThat(
            simulator.await(() -> host.records().tcloReplies().size() == 2, Duration.ofSeconds(10)))
        .isTrue();
    assertThat(host.records().tcloReplies()).containsExactly("OK ATR toolbox", "OK hello  world");
  }

  @Test
  void nothingIsLeftFromAnotherTestA() {
    assertFreshThenDirty();
  }

  @Test
  void nothingIsLeftFromAnotherTestB() {
    assertFreshThenDirty();
  }

  /** Whichever of the two tests runs second sees none of what the first one left. */
  private static void assertFreshThenDirty() {
    VmSimulator simulator = vm.simulator();
    VirtualHost host = simulator.host();
    assertThat(simulator.guestInfo("guestinfo.left")).isEmpty();
    assertThat(host.records().rpciRequests()).isEmpty();
    assertThat(host.records().channels()).isEmpty();
    assertThat(host.records().pendingTcloCommands()).isEmpty();
    assertThat(simulator.simulation().elapsed()).isZero();
    simulator.rpci().guestInfoSet("left", "behind");
    simulator.toolsService();
    simulator.enqueueTclo("ping");
    simulator.simulation().runFor(Duration.ofMinutes(1));
    assertThat(host.records().tcloCommandsSent()).containsExactly("reset", "ping");
    assertThat(host.records().activeTcloChannel()).isPresent();
  }

  @Test
  void outsideATestThereIsNoVm() {
    VmExtension unused = VmExtension.builder().build();
    assertThatThrownBy(unused::simulator)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no test is running");
    assertThatThrownBy(() -> VmExtension.builder().channelTableSize(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VmExtension.builder().vmName("").build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
