package io.github.vmbackdoor.hostsim.junit;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.TcloHealth;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The declarative extension in process: virtual time, injected guest, fresh host per test. */
@SimulatedVm(seed = 42, channelTableSize = 8)
class InProcessAnnotationTest {

  private static final Registers GETVERSION = CommandPort.versionProbe();

  private VmSimulator vm;

  @BeforeEach
  void keep(VmSimulator vm) {
    this.vm = vm;
  }

  @Test
  void injectsOneVmPerTestConfiguredByTheAnnotation(
      VmSimulator same, VirtualHost host, Backdoor guest) {
    assertThat(same).isSameAs(vm);
    assertThat(host).isSameAs(vm.host());
    assertThat(guest).isSameAs(host.backdoor());
    assertThat(vm.transport()).isEqualTo(Transport.IN_PROCESS);
    assertThat(host.records().channelTableSize()).isEqualTo(8);
    assertThat(vm.simulation().seed()).isEqualTo(42);
    assertThatThrownBy(vm::address).isInstanceOf(IllegalStateException.class);
    assertThat(guest.in(GETVERSION).ebx()).isEqualTo(BackdoorProtocol.MAGIC);
  }

  @Test
  void rpciRequestsAreTakenInOrderOnce(RpciClient rpci) {
    assertThat(rpci.guestInfoSet("ip", "10.0.0.7").isSuccess()).isTrue();
    assertThat(rpci.guestInfoGet("ip").text()).isEqualTo("10.0.0.7");
    assertThat(vm.takeRpciRequest(Duration.ZERO).map(RpciRequest::text))
        .hasValue("info-set guestinfo.ip 10.0.0.7");
    assertThat(vm.takeRpciRequest(Duration.ZERO).map(RpciRequest::command)).hasValue("info-get");
    assertThat(vm.guestInfo("guestinfo.ip")).hasValue("10.0.0.7");
    // one rule: the bare name everywhere, the full key accepted as the same variable
    assertThat(vm.guestInfo("ip")).hasValue("10.0.0.7");
    assertThat(rpci.guestInfoGet("guestinfo.ip").text()).isEqualTo("10.0.0.7");
    vm.host().putGuestInfo("gw", "10.0.0.1");
    assertThat(rpci.guestInfoGet("gw").text()).isEqualTo("10.0.0.1");
    assertThat(vm.host().records().guestInfo("guestinfo.gw")).hasValue("10.0.0.1");
    assertThat(vm.host().records().guestInfo()).containsEntry("guestinfo.gw", "10.0.0.1");
  }

  @Test
  void aTimeoutIsVirtualTime() {
    Duration before = vm.simulation().elapsed();
    assertThat(vm.takeRpciRequest(Duration.ofHours(1))).isEmpty();
    assertThat(vm.simulation().elapsed().minus(before)).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void takeRunsTheSimulationUntilTheToolsServiceAsks(ToolsService tools) {
    // The answer to "reset" is followed by the unified-loop RPCI, sent by the guest's tick.
    RpciRequest request = vm.takeRpciRequest(Duration.ofSeconds(5)).orElseThrow();
    assertThat(request.text()).isEqualTo("vmx.capability.unified_loop toolbox");
    assertThat(vm.host().records().tcloReplies()).containsExactly("OK ATR toolbox");
    assertThat(tools.machine().health()).isEqualTo(TcloHealth.UP);
  }

  @Test
  void aHostResetOvertakesQueuedCommands(ToolsService tools) {
    VirtualHost host = vm.host();
    assertThat(vm.await(() -> host.records().tcloReplies().size() == 1, Duration.ofSeconds(5)))
        .isTrue();
    vm.enqueueTclo("ping");
    vm.enqueueTclo("Set_Option synctime 1");
    vm.hostReset();
    Duration before = vm.simulation().elapsed();
    assertThat(vm.await(() -> host.records().tcloReplies().size() == 4, Duration.ofSeconds(30)))
        .isTrue();
    assertThat(host.records().tcloCommandsSent())
        .containsExactly("reset", "reset", "ping", "Set_Option synctime 1");
    assertThat(host.records().tcloReplies())
        .containsExactly("OK ATR toolbox", "OK ATR toolbox", "OK ", "OK ");
    assertThat(tools.hostOptions()).containsEntry("synctime", "1");
    assertThat(tools.isRunning()).isTrue();
    // Three commands at the default idle delay of one second: a few seconds of virtual time.
    assertThat(vm.simulation().elapsed().minus(before)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void faultsAndHostEvents(RpciClient rpci) {
    vm.installFault(Fault.builder().protocol(PROTOCOL_RPCI).closeChannel().build());
    assertThatThrownBy(() -> rpci.send("info-get guestinfo.ip"))
        .isInstanceOf(MessageException.class);
    vm.host().clearFaults();
    vm.checkpoint();
    assertThat(vm.host().records().checkpoints()).isEqualTo(1);
    assertThat(vm.host().records().pendingTcloCommands()).containsExactly("reset");
  }

  /** Nested classes get the enclosing class's VM configuration. */
  @Nested
  class Inner {
    @Test
    void inheritsTheAnnotation(VmSimulator vm) {
      assertThat(vm.host().records().channelTableSize()).isEqualTo(8);
      assertThat(vm.simulation().seed()).isEqualTo(42);
    }
  }
}
