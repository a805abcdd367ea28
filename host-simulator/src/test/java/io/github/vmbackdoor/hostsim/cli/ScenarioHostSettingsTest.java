package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.junit.SimulatedVm;
import io.github.vmbackdoor.hostsim.junit.VmExtension;
import io.github.vmbackdoor.hostsim.junit.VmSimulator;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One scenario file's host settings and seed take effect the same way in {@link ScenarioRunner},
 * {@code serve --scenario} and {@code @SimulatedVm(scenario = ...)}: the old host of {@code
 * scenarios/old-host.scenario} has eight channels (the ninth OPEN is refused), no high-bandwidth
 * port, 2048 MB, and the UUID its seed draws; under the JUnit extension its timeline plays too.
 */
class ScenarioHostSettingsTest {

  static final String RESOURCE = "scenarios/old-host.scenario";

  @TempDir Path dir;

  static String text() throws IOException {
    try (InputStream in =
        ScenarioHostSettingsTest.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The UUID the scenario's host has when it runs in virtual time. */
  static String runnerUuid() throws IOException {
    ScenarioRunner runner =
        ScenarioRunner.prepare(Scenario.parse(text()), "idle", (backdoor, sim, listener) -> {});
    return new CommandPort(runner.host().backdoor()).uuid().toString();
  }

  /** What every surface must show: the settings of the file and the seed's UUID. */
  static void looksLikeTheOldHost(Backdoor guest, String expectedUuid) {
    CommandPort port = new CommandPort(guest);
    assertThat(port.memorySizeMb()).hasValue(2048);
    assertThat(port.uuid().toString()).isEqualTo(expectedUuid);
    List<MessageChannel> open = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      open.add(MessageChannel.open(guest, BackdoorProtocol.PROTOCOL_RPCI));
    }
    assertThatThrownBy(() -> MessageChannel.open(guest, BackdoorProtocol.PROTOCOL_RPCI))
        .isInstanceOf(MessageException.class);
    open.forEach(MessageChannel::close);
  }

  @Test
  void inScenarioRunner() throws IOException {
    Scenario scenario = Scenario.parse(text());
    ScenarioRunner runner =
        ScenarioRunner.prepare(scenario, "idle", (backdoor, sim, listener) -> {});
    assertThat(runner.host().records().channelTableSize()).isEqualTo(8);
    looksLikeTheOldHost(runner.host().backdoor(), runnerUuid());
  }

  @Test
  void inServe() throws Exception {
    Path file = dir.resolve("old-host.scenario");
    Files.writeString(file, text());
    try (RunningServe serve = new RunningServe("--scenario", file.toString());
        RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
      looksLikeTheOldHost(guest, runnerUuid());
    }
  }

  @Nested
  @SimulatedVm(scenario = RESOURCE)
  class InSimulatedVm {
    @Test
    void theScenariosHostAndTimeline(VmSimulator vm) throws IOException {
      looksLikeTheOldHost(vm.guest(), runnerUuid());
      MessageChannel.open(vm.guest(), BackdoorProtocol.PROTOCOL_RPCI).close();
      vm.simulation().runFor(Duration.ofMinutes(1)); // the timeline's fault is installed at 1m
      assertThatThrownBy(() -> MessageChannel.open(vm.guest(), BackdoorProtocol.PROTOCOL_RPCI))
          .isInstanceOf(MessageException.class);
    }
  }

  @Test
  void aScenarioAndOwnHostSettingsTogetherAreRefused() {
    assertThatThrownBy(() -> VmExtension.builder().channelTableSize(16).scenario(RESOURCE).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scenario old-host sets the seed and the host settings");
    assertThatThrownBy(() -> VmExtension.builder().scenario("scenarios/none.scenario"))
        .hasMessage("scenario scenarios/none.scenario: not on the test class path");
  }
}
