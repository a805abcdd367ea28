package io.github.vmbackdoor.hostsim.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.junit.SimulatedVm;
import io.github.vmbackdoor.hostsim.junit.VmSimulator;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The JUnit extension runs an own machine by name, on a scenario of own kinds. */
@SimulatedVm(machine = "echoing", scenario = "scenarios/extensions.scenario")
class SimulatedVmExtensionsTest {

  @Test
  void theOwnMachineAsksTheOwnCommandThroughTheOwnFaultWhileTheOwnEventQueues(
      VmSimulator vm, ToolsService tools) {
    assertThat(tools.machine().name()).isEqualTo("echoing");
    assertThat(
            vm.await(
                () -> vm.host().records().pendingTcloCommands().size() == 3, Duration.ofMinutes(1)))
        .isTrue();
    assertThat(vm.host().records().pendingTcloCommands()).containsExactly("ping", "ping", "ping");
    assertThat(vm.host().records().rpciRequests())
        .extracting(RpciRequest::text)
        .contains("echo tick 1", "echo tick 3");
    assertThat(vm.host().records().callLog()).anyMatch(c -> c.note().contains("stalled [STALL]"));
  }
}
