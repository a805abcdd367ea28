package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.VmxVersion;
import io.github.vmbackdoor.hostsim.settings.HostProfile;
import io.github.vmbackdoor.hostsim.settings.HostSetting;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Each host profile behaves as its row of docs/host-model.md §4.6 says, against the exact requests
 * open-vm-tools 12.x sends, and the profile is one setting whose default is the newest.
 */
class HostProfileTest {

  private static String rpci(VirtualHost host, String request) {
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      ch.send(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(ch.receive(), StandardCharsets.ISO_8859_1);
    }
  }

  private static VirtualHost host(HostProfile p) {
    return VirtualHost.builder().profile(p).build();
  }

  private static final String DISK_INFO =
      "SetGuestDiskInfo {\n\"version\":\"1\",\n\"disks\":[\n{\"name\":\"Lw==\",\"free\":\"1\","
          + "\"size\":\"2\"}\n]}\0";

  @Test
  void esxi8KnowsEveryRequestOfTheTools() {
    VirtualHost host = host(HostProfile.ESXI_8);
    assertThat(rpci(host, DISK_INFO)).isEqualTo("1 ");
    assertThat(rpci(host, "tools.set.versiontype 12352 4\0")).isEqualTo("1 ");
    assertThat(rpci(host, "SetGuestInfo  10 \0\0\0\3\0\0\0\0")).isEqualTo("1 ");
    assertThat(rpci(host, "guestlib.info.get 3")).startsWith("1 ");
    VmxVersion v = new CommandPort(host.backdoor()).version();
    assertThat(v.productType()).isEqualTo(VmxVersion.ProductType.SCALABLE_SERVER);
    assertThat(new CommandPort(host.backdoor()).hardwareVersion()).hasValue(20);
  }

  @Test
  void anOlderEsxiMakesTheToolsFallBack() {
    VirtualHost host = host(HostProfile.OLDER_ESXI);
    // the tools then send SetGuestInfo type 3 (guestInfoServer.c) and tools.set.version
    // (toolsRpc.c), and NIC info type 9 instead of 10
    assertThat(rpci(host, DISK_INFO)).isEqualTo("0 Unknown command");
    assertThat(rpci(host, "tools.set.versiontype 12352 4\0")).isEqualTo("0 Unknown command");
    assertThat(rpci(host, "tools.set.version 2147483647\0")).isEqualTo("1 ");
    assertThat(rpci(host, "SetGuestInfo  10 x\0")).isEqualTo("0 Unknown guest info type 10");
    assertThat(rpci(host, "SetGuestInfo  11 x\0")).isEqualTo("0 Unknown guest info type 11");
    assertThat(rpci(host, "SetGuestInfo  9 x\0")).isEqualTo("1 ");
    assertThat(host.records().toolsVersion()).hasValue("2147483647");
    assertThat(new CommandPort(host.backdoor()).hardwareVersion()).hasValue(11);
  }

  @Test
  void aWorkstationHostIsAnotherProductWithoutTheGuestApi() {
    VirtualHost host = host(HostProfile.WORKSTATION);
    assertThat(rpci(host, "guestlib.info.get 3")).isEqualTo("0 Unknown command");
    assertThat(rpci(host, DISK_INFO)).isEqualTo("1 ");
    assertThat(new CommandPort(host.backdoor()).version().productType())
        .isEqualTo(VmxVersion.ProductType.WORKSTATION);
  }

  @Test
  void theProfileIsOneSettingDefaultingToTheNewest() {
    HostSetting profile = HostSetting.named("profile");
    assertThat(profile.defaultValue()).isEqualTo("esxi-8");
    HostSettings older = profile.parse(HostSettings.DEFAULTS, "esxi-older");
    assertThat(older.policy().profile()).isEqualTo(HostProfile.OLDER_ESXI);
    assertThat(older.identity().hardwareVersion()).isEqualTo(11);
    // a later hardwareVersion overrides the profile's
    HostSettings later = HostSetting.named("hardwareVersion").parse(older, "13");
    assertThat(later.identity().hardwareVersion()).isEqualTo(13);
    assertThat(HostProfile.ALL)
        .extracting(HostProfile::keyword)
        .containsExactly("esxi-8", "esxi-older", "workstation");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> profile.parse(HostSettings.DEFAULTS, "esx5"))
        .withMessageContaining("known: esxi-8, esxi-older, workstation");
  }
}
