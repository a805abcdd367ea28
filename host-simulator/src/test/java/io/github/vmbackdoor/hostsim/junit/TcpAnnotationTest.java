package io.github.vmbackdoor.hostsim.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.VmxVersion;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.TcloHealth;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The acceptance lines of the server issue, end to end over TCP loopback through the extension. */
@SimulatedVm(transport = Transport.TCP, vmName = "acceptance")
class TcpAnnotationTest {

  /** Real time: guests run on their own threads over TCP. */
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @Test
  void getVersionOverTcp(VmSimulator vm, Backdoor guest) {
    assertThat(vm.transport()).isEqualTo(Transport.TCP);
    assertThat(guest).isInstanceOf(RemoteBackdoor.class);
    assertThat(((RemoteBackdoor) guest).vmName()).isEqualTo(vm.vmName()).startsWith("acceptance");
    assertThat(vm.address().getAddress().isLoopbackAddress()).isTrue();
    VmxVersion version = new CommandPort(guest).version();
    assertThat(version.version()).isEqualTo(BackdoorProtocol.VERSION_MAGIC);
    assertThat(version.productType()).isEqualTo(VmxVersion.ProductType.SCALABLE_SERVER);
  }

  @Test
  void infoSetThenInfoGet(VmSimulator vm, RpciClient rpci) {
    assertThat(rpci.guestInfoSet("ip", "10.0.0.7").isSuccess()).isTrue();
    assertThat(rpci.guestInfoGet("ip").text()).isEqualTo("10.0.0.7");
    assertThat(vm.takeRpciRequest(TIMEOUT).map(RpciRequest::text))
        .hasValue("info-set guestinfo.ip 10.0.0.7");
    assertThat(vm.takeRpciRequest(TIMEOUT).map(RpciRequest::text))
        .hasValue("info-get guestinfo.ip");
    assertThat(vm.guestInfo("guestinfo.ip")).hasValue("10.0.0.7");
  }

  @Test
  void toolsServiceAnswersResetAndPing(VmSimulator vm, ToolsService tools) {
    VirtualHost host = vm.host();
    // "reset" is the first command on a new TCLO channel; after its reply the guest declares
    // its unified loop over RPCI, which the test takes in real time.
    assertThat(vm.takeRpciRequest(TIMEOUT).map(RpciRequest::text))
        .hasValue("vmx.capability.unified_loop toolbox");
    assertThat(host.records().tcloReplies()).containsExactly("OK ATR toolbox");
    vm.enqueueTclo("ping");
    assertThat(vm.await(() -> host.records().tcloReplies().size() == 2, TIMEOUT)).isTrue();
    assertThat(host.records().tcloReplies()).containsExactly("OK ATR toolbox", "OK ");
    assertThat(host.records().tcloCommandsSent()).containsExactly("reset", "ping");
    assertThat(tools.machine().health()).isEqualTo(TcloHealth.UP);
  }

  @Test
  void hostResetDuringTheTcloLoop(VmSimulator vm, ToolsService tools) {
    VirtualHost host = vm.host();
    vm.enqueueTclo("ping");
    assertThat(vm.await(() -> host.records().tcloReplies().size() == 2, TIMEOUT)).isTrue();
    vm.hostReset();
    vm.enqueueTclo("ping");
    assertThat(vm.await(() -> host.records().tcloReplies().size() == 4, TIMEOUT)).isTrue();
    assertThat(host.records().tcloCommandsSent()).containsExactly("reset", "ping", "reset", "ping");
    assertThat(host.records().tcloReplies())
        .containsExactly("OK ATR toolbox", "OK ", "OK ATR toolbox", "OK ");
    assertThat(host.records().tcloExchanges())
        .extracting(TcloExchange::outcome)
        .containsOnly(TcloExchange.Outcome.ANSWERED);
    // Each reset reply is followed by the unified-loop declaration, on the same channel.
    assertThat(vm.await(() -> host.records().unifiedLoopApps().size() == 2, TIMEOUT)).isTrue();
    assertThat(host.records().tcloExchanges())
        .extracting(TcloExchange::channelId)
        .containsOnly(host.records().activeTcloChannel().orElseThrow());
    assertThat(tools.isRunning()).isTrue();
    assertThat(tools.machine().health()).isEqualTo(TcloHealth.UP);
  }

  @Test
  void eachGuestIsAConnectionOfItsOwn(VmSimulator vm, Backdoor guest, RpciClient rpci) {
    Backdoor other = vm.newGuest();
    assertThat(other).isNotSameAs(guest).isInstanceOf(RemoteBackdoor.class);
    RpciClient.create(other).guestInfoSet("from", "other");
    assertThat(rpci.guestInfoGet("from").text()).isEqualTo("other");
  }

  @Test
  void aTimeoutIsRealTimeAndLeavesVirtualTimeAlone(VmSimulator vm) {
    Duration before = vm.simulation().elapsed();
    assertThat(vm.takeRpciRequest(Duration.ofMillis(50))).isEmpty();
    assertThat(vm.simulation().elapsed()).isEqualTo(before);
  }
}
