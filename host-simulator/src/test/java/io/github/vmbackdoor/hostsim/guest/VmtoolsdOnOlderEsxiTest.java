package io.github.vmbackdoor.hostsim.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.junit.Transport;
import io.github.vmbackdoor.hostsim.junit.VmExtension;
import io.github.vmbackdoor.hostsim.junit.VmSimulator;
import io.github.vmbackdoor.hostsim.record.GuestInfo;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.hostsim.settings.HostProfile;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code esxi-older} profile (docs/host-model.md §4.6) against unmodified {@code vmtoolsd}
 * 12.2.0: the host answers {@code SetGuestDiskInfo}, {@code tools.set.versiontype} and {@code
 * SetGuestInfo} types 10 and 11 {@code 0 Unknown ...}, and the tools fall back as their sources say
 * (services/plugins/guestInfo/guestInfoServer.c, services/vmtoolsd/toolsRpc.c): the disks as type
 * 3, the NICs as type 9, the OS as types 5 and 6, the version as {@code tools.set.version}. The
 * guest view is still whole, but as an older host shows it: an unmanaged version number, no install
 * type, disks without their file system type. {@link VmtoolsdGuestViewTest} is the newest host.
 */
class VmtoolsdOnOlderEsxiTest {

  /** TOOLS_VERSION_UNMANAGED (lib/include/vm_tools_version.h): what toolsRpc.c falls back to. */
  static final String UNMANAGED = String.valueOf(Integer.MAX_VALUE);

  @RegisterExtension
  static final VmExtension VM =
      VmExtension.builder()
          .transport(Transport.TCP)
          .configureHost(b -> b.profile(HostProfile.OLDER_ESXI).toolsConversation(true))
          .build();

  TestPrograms.OpenVmTools tools;

  @BeforeEach
  void findTools() {
    tools = TestPrograms.OpenVmTools.find();
  }

  private static boolean complete(GuestInfo g) {
    return g.toolsRunning()
        && g.toolsVersion() != null
        && g.guestFullName() != null
        && g.hostName() != null
        && !g.net().isEmpty()
        && !g.disk().isEmpty();
  }

  @Test
  void theToolsFallBackAndTheViewIsStillWhole(RealGuest guest, VmSimulator vm, @TempDir Path dir)
      throws IOException {
    VirtualHost host = vm.host();
    MachineState before = MachineState.now();

    tools.vmtoolsdUntil(guest, vm, dir, VmtoolsdOnOlderEsxiTest::complete);

    assertThat(host.records().rpciRequests())
        .extracting(RpciRequest::text)
        // tried, refused, and fallen back from
        .anyMatch(t -> t.startsWith("SetGuestDiskInfo "))
        .anyMatch(t -> t.startsWith("tools.set.versiontype "))
        .anyMatch(t -> t.startsWith("SetGuestInfo  10 "))
        .anyMatch(t -> t.startsWith("SetGuestInfo  11 "))
        // the older forms
        .anyMatch(t -> t.startsWith("SetGuestInfo  3 "))
        .anyMatch(t -> t.startsWith("SetGuestInfo  9 "))
        .anyMatch(t -> t.startsWith("SetGuestInfo  5 "))
        .anyMatch(t -> t.startsWith("SetGuestInfo  6 "))
        .contains("tools.set.version " + UNMANAGED);
    GuestInfo g = host.records().guest();
    assertThat(g.toolsRunningStatus()).isEqualTo("guestToolsRunning");
    assertThat(g.toolsVersion()).isEqualTo(UNMANAGED);
    assertThat(g.toolsVersionStatus()).isEqualTo("guestToolsUnmanaged");
    assertThat(g.toolsInstallType()).isNull();
    assertThat(g.guestFamily()).isEqualTo("linuxGuest");
    assertThat(g.ipAddress()).isNotNull();
    assertThat(g.disk())
        .allSatisfy(d -> assertThat(d.filesystemType()).isNull())
        .anySatisfy(d -> assertThat(d.capacity()).isPositive());
    MachineState.now().assertUntouchedSince(before);
  }
}
