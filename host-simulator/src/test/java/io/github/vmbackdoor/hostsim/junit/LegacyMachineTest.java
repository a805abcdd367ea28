package io.github.vmbackdoor.hostsim.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The annotation's machine choice: the legacy vmt machine answers with vmt's own table. */
@SimulatedVm(machine = "legacy")
class LegacyMachineTest {

  @Test
  void theInjectedServiceRunsTheLegacyMachine(VmSimulator vm, ToolsService tools) {
    VirtualHost host = vm.host();
    vm.enqueueTclo("ping");
    vm.enqueueTclo("frobnicate");
    assertThat(vm.await(() -> host.records().tcloReplies().size() == 3, Duration.ofMinutes(1)))
        .isTrue();
    // vmt's own table: "reset" and "ping" answered, anything it does not know refused.
    assertThat(host.records().tcloReplies())
        .containsExactly("OK ATR toolbox", "OK ", "ERROR Unknown command");
    assertThat(tools.machine().getClass().getSimpleName()).contains("Legacy");
  }
}
