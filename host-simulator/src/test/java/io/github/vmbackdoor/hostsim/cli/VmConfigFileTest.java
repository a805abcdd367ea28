package io.github.vmbackdoor.hostsim.cli;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import io.github.vmbackdoor.hostsim.time.Simulation;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VmConfigFileTest {

  private static Map<String, VmConfigFile.Vm> parse(String... keyValues) {
    Properties p = new Properties();
    for (int i = 0; i < keyValues.length; i += 2) {
      p.setProperty(keyValues[i], keyValues[i + 1]);
    }
    return VmConfigFile.parse(p);
  }

  private static VirtualHost host(VmConfigFile.Vm vm, Simulation simulation) {
    return vm.build(VirtualHost.builder().simulation(simulation));
  }

  @ParameterizedTest
  @CsvSource({"500ms, 500", "30s, 30000", "5m, 300000", "1h, 3600000", "PT0.25S, 250"})
  void idleTimeoutsInEitherForm(String value, long millis) {
    Simulation simulation = Simulation.create(1);
    VirtualHost host = host(parse("vm.a.idleTimeout", value).get("a"), simulation);
    MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    simulation.advance(Duration.ofMillis(millis));
    assertThat(host.expireIdleChannels()).isZero();
    simulation.advance(Duration.ofMillis(1));
    assertThat(host.expireIdleChannels()).isEqualTo(1);
  }

  @Test
  void serveKeepsAScenariosOwnIdleTimeoutAndCallLogLimitEvenAtTheLibraryDefaults() {
    assertThat(ServedFleet.served(null).policy().idleTimeout())
        .contains(ServedFleet.SERVED_IDLE_TIMEOUT);
    HostSettings never = ServedFleet.served(Scenario.parse("scenario s\nhost idleTimeout never\n"));
    assertThat(never.policy().idleTimeout()).isEmpty();
    assertThat(never.policy().toolsConversation()).isTrue();
    HostSettings quiet =
        ServedFleet.served(
            Scenario.parse("scenario s\nhost toolsConversation false\nhost callLogLimit 10000\n"));
    assertThat(quiet.policy().toolsConversation()).isFalse();
    assertThat(quiet.policy().callLogLimit()).isEqualTo(10_000);
    assertThat(Scenario.parse("scenario s\nhost idleTimeout never\n").toText())
        .contains("host idleTimeout never\n");
  }

  @Test
  void serveDrivesTheToolsConversationUnlessAVmSaysNot() {
    HostSettings served = ServedFleet.served(null);
    assertThat(HostSettings.DEFAULTS.policy().toolsConversation()).isFalse();
    assertThat(served.policy().toolsConversation()).isTrue();
    Map<String, VmConfigFile.Vm> vms =
        parse("vm.quiet.toolsConversation", "false", "vm.older.profile", "esxi-older");
    assertThat(vms.get("quiet").settings(served).policy().toolsConversation()).isFalse();
    HostSettings older = vms.get("older").settings(served);
    assertThat(older.policy().toolsConversation()).isTrue();
    assertThat(older.identity().hardwareVersion()).isEqualTo(11);
  }

  @Test
  void policiesAndIdentity() {
    Map<String, VmConfigFile.Vm> vms =
        parse(
            "vm.b.cookies", "false",
            "vm.b.productType", "4",
            "vm.b.hardwareVersion", "13",
            "vm.b.mhz", "3000",
            "vm.b.seed", "5",
            "vm.a.tcloTakeover", "cookies_invalid",
            "vm.a.guestinfo.a.b", "dotted key");
    assertThat(vms).containsOnlyKeys("a", "b");
    VirtualHost b = host(vms.get("b"), Simulation.create(1));
    MessageChannel.open(b.backdoor(), PROTOCOL_RPCI);
    assertThat(b.records().channels()).extracting(ChannelInfo::cookies).containsExactly(false);
    CommandPort port = new CommandPort(b.backdoor());
    assertThat(port.version().productTypeCode()).isEqualTo(4);
    assertThat(port.hardwareVersion()).hasValue(13);
    assertThat(port.mhz()).hasValue(3000);
    assertThat(vms.get("b").seed(0)).isEqualTo(5);
    assertThat(vms.get("a").seed(3)).isEqualTo(3);
    VirtualHost a = host(vms.get("a"), Simulation.create(1));
    assertThat(a.records().guestInfo()).containsEntry("guestinfo.a.b", "dotted key");
  }

  @Test
  void namesAreCheckedToo() {
    assertThatThrownBy(() -> parse("vm..channels", "8"))
        .hasMessageContaining("is not of the form vm.<name>.<setting>");
    assertThatThrownBy(() -> parse("vm.a.guestinfo.", "x"))
        .hasMessageContaining("unknown setting 'guestinfo.'");
    assertThatThrownBy(() -> parse("vm.a.uuid", "1-2-3-4-5")).hasMessageContaining("is not a UUID");
  }
}
