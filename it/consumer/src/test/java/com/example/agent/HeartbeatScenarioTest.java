package com.example.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.hostsim.time.SimulationTickScheduler;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.junit.SimulatedVm;
import io.github.vmbackdoor.hostsim.junit.VmSimulator;
import io.github.vmbackdoor.rpc.RpciClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The heartbeat agent on the host of a scenario file from this project's test resources. */
@SimulatedVm(scenario = HeartbeatScenarioTest.SCENARIO)
class HeartbeatScenarioTest {

  static final String SCENARIO = "scenarios/lost-heartbeat.scenario";

  @Test
  void theHostIsTheScenarios(Backdoor guest, RpciClient rpci, VmSimulator vm) {
    CommandPort port = new CommandPort(guest);
    assertEquals(2048, port.memorySizeMb().orElseThrow(), "host memoryMb");
    assertEquals("agent-7", rpci.machineId().text(), "host machineId");
    assertEquals(8, vm.host().records().channelTableSize(), "host channelTableSize");
    // the BIOS UUID comes from the seed: the scenario's 11, not the annotation's default 0
    assertEquals(VirtualHost.builder().seed(11).build().uuid(), port.uuid().uuid());
    assertNotEquals(VirtualHost.builder().seed(0).build().uuid(), port.uuid().uuid());
  }

  @Test
  void theHeartbeatStopsWhileTheScenarioRefusesOpens(RpciClient rpci, VmSimulator vm) {
    HeartbeatAgent agent =
        new HeartbeatAgent(
            rpci, SimulationTickScheduler.of(vm.simulation()), Duration.ofMinutes(1));
    agent.start();

    vm.simulation().runFor(Duration.ofMinutes(24));
    assertEquals(Optional.of("24"), vm.guestInfo(HeartbeatAgent.GUEST_INFO_NAME));
    assertTrue(vm.host().records().faults().isEmpty(), "no fault before 24m15s");

    vm.simulation().runFor(Duration.ofMinutes(5));
    assertEquals(1, vm.host().records().faults().size(), "the scenario's fault, installed at 24m15s");
    assertEquals(Optional.of("24"), vm.guestInfo(HeartbeatAgent.GUEST_INFO_NAME));
    assertEquals(5, agent.missed(), "beats 25 to 29 refused");

    vm.simulation().runFor(Duration.ofMinutes(1));
    assertTrue(vm.host().records().faults().isEmpty(), "removed at 29m15s");
    assertEquals(Optional.of("30"), vm.guestInfo(HeartbeatAgent.GUEST_INFO_NAME));
    // each missed beat's open was refused (tried with the cookie flag, then without)
    assertEquals(
        List.of(25L, 26L, 27L, 28L, 29L),
        vm.host().records().faultHits().stream().map(h -> h.at().toMinutes()).distinct().toList(),
        "the minutes of the refused opens");
    agent.stop();
  }
}
