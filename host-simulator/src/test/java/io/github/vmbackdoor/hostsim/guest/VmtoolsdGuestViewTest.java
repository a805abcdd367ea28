package io.github.vmbackdoor.hostsim.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.junit.Transport;
import io.github.vmbackdoor.hostsim.junit.VmExtension;
import io.github.vmbackdoor.hostsim.junit.VmSimulator;
import io.github.vmbackdoor.hostsim.record.GuestInfo;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unmodified {@code vmtoolsd} (open-vm-tools 12.2.0, guestInfo plugin) against a host that drives
 * the tools' conversation as a VMX does (docs/host-model.md §4.5), with no command queued by the
 * test: within 60 s the guest view shows what vSphere would show of this machine (tools running,
 * version 12.2.0, the OS, the host name, an IP address, a disk), each from what the tools sent. The
 * guestInfo plugin gathers 30 s after it starts ({@code GUESTINFO_POLL_INTERVAL},
 * services/plugins/guestInfo/guestInfoServer.c). Once it is stopped, the host's heartbeat timeout
 * later in host time, the view says the tools are not running.
 *
 * <p>The program runs in real time; the host's time is virtual and moves only where the test runs
 * it, after the program has ended.
 */
class VmtoolsdGuestViewTest {

  /** 12.2.0 as the tools send it: TOOLS_VERSION_TO_UINT, lib/include/vm_tools_version.h. */
  static final String TOOLS_12_2_0 = String.valueOf((12 << 10) | (2 << 5));

  @RegisterExtension
  static final VmExtension VM =
      VmExtension.builder()
          .transport(Transport.TCP)
          .configureHost(b -> b.toolsConversation(true))
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
        && g.ipAddress() != null
        && !g.disk().isEmpty();
  }

  @Test
  void withinAMinuteTheGuestViewShowsThisMachineUnasked(
      RealGuest guest, VmSimulator vm, @TempDir Path dir) throws IOException {
    VirtualHost host = vm.host();
    MachineState before = MachineState.now();

    tools.vmtoolsdUntil(guest, vm, dir, VmtoolsdGuestViewTest::complete);

    // the host spoke first and unasked: the opening after the reset reply
    assertThat(host.records().tcloCommandsSent())
        .startsWith("reset", "ping", "Set_Option synctime 0", "Capabilities_Register");
    assertThat(host.records().tcloReplies()).contains("OK ATR toolbox");
    assertThat(host.records().rpciRequests())
        .extracting(r -> r.text())
        .anyMatch(t -> t.startsWith("tools.set.versiontype " + TOOLS_12_2_0 + " "))
        .anyMatch(t -> t.startsWith("SetGuestDiskInfo "))
        .anyMatch(t -> t.startsWith("SetGuestInfo  1 "));

    GuestInfo g = host.records().guest();
    assertThat(g.toolsRunningStatus()).isEqualTo("guestToolsRunning");
    assertThat(g.toolsVersion()).isEqualTo(TOOLS_12_2_0);
    assertThat(vm.guestInfo("vmtools.versionString")).hasValue("12.2.0");
    assertThat(g.toolsInstallType()).isEqualTo("guestToolsTypeOpenVMTools");
    String prettyName = osReleasePrettyName();
    if (prettyName != null) {
      assertThat(g.guestFullName()).contains(prettyName);
    }
    assertThat(g.guestFamily()).isEqualTo("linuxGuest");
    assertThat(g.hostName())
        .isEqualTo(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
    assertThat(machineAddresses()).contains(g.ipAddress());
    assertThat(g.disk())
        .allSatisfy(d -> assertThat(d.capacity()).isGreaterThanOrEqualTo(d.freeSpace()))
        .anySatisfy(d -> assertThat(d.capacity()).isPositive());

    // stopped: the host's heartbeat timeout (30 s) after the tools' last answer, not running
    Duration timeout = HostPolicy.DEFAULTS.heartbeatTimeout();
    vm.simulation().runFor(timeout.minusSeconds(1));
    assertThat(host.records().guest().toolsRunning()).as("within the heartbeat timeout").isTrue();
    vm.simulation().runFor(Duration.ofSeconds(2));
    assertThat(host.records().guest().toolsRunningStatus()).isEqualTo("guestToolsNotRunning");
    // what the tools reported stays in the view
    assertThat(host.records().guest().toolsVersion()).isEqualTo(TOOLS_12_2_0);
    MachineState.now().assertUntouchedSince(before);
  }

  /** {@code PRETTY_NAME} of /etc/os-release (what the tools read for the OS's full name). */
  private static String osReleasePrettyName() throws IOException {
    Path osRelease = Path.of("/etc/os-release");
    if (!Files.isReadable(osRelease)) {
      return null;
    }
    for (String line : Files.readAllLines(osRelease)) {
      if (line.startsWith("PRETTY_NAME=")) {
        return line.substring("PRETTY_NAME=".length()).replace("\"", "");
      }
    }
    return null;
  }

  /** This machine's addresses, as text. */
  private static Set<String> machineAddresses() throws IOException {
    return NetworkInterface.networkInterfaces()
        .flatMap(NetworkInterface::inetAddresses)
        .map(InetAddress::getHostAddress)
        .collect(Collectors.toSet());
  }
}
