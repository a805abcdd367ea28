package io.github.vmbackdoor.hostsim.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.junit.Transport;
import io.github.vmbackdoor.hostsim.junit.VmExtension;
import io.github.vmbackdoor.hostsim.settings.HostProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code workstation} profile (docs/host-model.md §4.6) against unmodified open-vm-tools
 * 12.2.0: {@code vmware-checkvm -p} names the product, and the Guest API is not there, so {@code
 * vmware-toolbox-cmd stat balloon} fails as toolbox/toolboxcmd-stat.c says it does off ESX, where
 * {@link ToolboxCmdTest}'s ESXi host prints the balloon.
 */
class ToolboxCmdOnWorkstationTest {

  @RegisterExtension
  static final VmExtension VM =
      VmExtension.builder()
          .transport(Transport.TCP)
          .configureHost(b -> b.profile(HostProfile.WORKSTATION))
          .build();

  TestPrograms.OpenVmTools tools;

  @BeforeEach
  void findTools() {
    tools = TestPrograms.OpenVmTools.find();
  }

  @Test
  void theProductIsWorkstationAndTheGuestApiIsNotEnabled(RealGuest guest) {
    RealGuest g = tools.on(guest);
    GuestRun product = g.run(tools.bin("vmware-checkvm"), "-p");
    GuestRun balloon = g.run(tools.bin("vmware-toolbox-cmd"), "stat", "balloon");
    GuestRun timesync = g.run(tools.bin("vmware-toolbox-cmd"), "timesync", "status");

    assertThat(product.stdout()).isEqualTo("Workstation\n");
    // libguestlib/vmGuestLib.c reads "0 Unknown command" as VMGUESTLIB_ERROR_NOT_ENABLED
    assertThat(balloon.stdout()).isEmpty();
    assertThat(balloon.stderr())
        .isEqualTo("UpdateInfo failed: VMware Guest API is not enabled on the host\n");
    assertThat(balloon.exitCode()).isEqualTo(75);
    // time synchronisation is off unless the VM's settings turn it on
    assertThat(timesync.stdout()).isEqualTo("Disabled\n");
    assertThat(timesync.exitCode()).isEqualTo(69);
  }
}
