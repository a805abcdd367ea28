package io.github.vmbackdoor.hostsim.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.junit.Transport;
import io.github.vmbackdoor.hostsim.junit.VmExtension;
import io.github.vmbackdoor.hostsim.junit.VmSimulator;
import io.github.vmbackdoor.hostsim.settings.GuestApiValues;
import io.github.vmbackdoor.hostsim.settings.RemovableDevice;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Unmodified {@code vmware-toolbox-cmd} (open-vm-tools 12.2.0) under the trap prints what the VM's
 * settings say: the time synchronisation (command-port GETGUIOPTIONS), the removable devices
 * (GETDEVICELISTELEMENT), and the Guest API's balloon, memory limit and session id ({@code
 * guestlib.info.get 3}). The words and exit codes are those of toolbox/toolboxcmd-time.c,
 * toolboxcmd-devices.c and toolboxcmd-stat.c. A Workstation host answers otherwise ({@link
 * ToolboxCmdOnWorkstationTest}).
 */
class ToolboxCmdTest {

  static final long SESSION_ID = 0x1234_5678_9abc_def0L;

  @RegisterExtension
  static final VmExtension VM =
      VmExtension.builder()
          .transport(Transport.TCP)
          .configureHost(
              b ->
                  b.timeSync(true)
                      .devices(
                          List.of(
                              new RemovableDevice("ethernet0", true),
                              new RemovableDevice("ide1:0", false),
                              new RemovableDevice("floppy0", true)))
                      .guestApi(
                          GuestApiValues.DEFAULTS
                              .with("memBalloonedMB", 512)
                              .with("memLimitMB", 2048)
                              .with(GuestApiValues.SESSION_ID, SESSION_ID)))
          .build();

  TestPrograms.OpenVmTools tools;

  @BeforeEach
  void findTools() {
    tools = TestPrograms.OpenVmTools.find();
  }

  private GuestRun toolbox(RealGuest guest, String... args) {
    String[] command = new String[args.length + 1];
    command[0] = tools.bin("vmware-toolbox-cmd");
    System.arraycopy(args, 0, command, 1, args.length);
    return tools.on(guest).run(command);
  }

  @Test
  void timesyncStatusPrintsTheVmsSettingAndFollowsDisable(RealGuest guest, VmSimulator vm) {
    GuestRun on = toolbox(guest, "timesync", "status");
    GuestRun disable = toolbox(guest, "timesync", "disable");
    GuestRun off = toolbox(guest, "timesync", "status");

    assertThat(on.stdout()).isEqualTo("Enabled\n");
    assertThat(on.exitCode()).isZero();
    // toolboxcmd-time.c TimeSyncSet: "vmx.set_option synctime 1 0", then "Disabled"
    assertThat(disable.stdout()).isEqualTo("Disabled\n");
    assertThat(disable.exitCode()).isZero();
    assertThat(vm.host().records().rpciRequests())
        .extracting(r -> r.text())
        .contains("vmx.set_option synctime 1 0");
    // TimeSyncStatus: EX_UNAVAILABLE (69) when disabled
    assertThat(off.stdout()).isEqualTo("Disabled\n");
    assertThat(off.exitCode()).isEqualTo(69);
  }

  @Test
  void deviceListPrintsTheConfiguredDevices(RealGuest guest) {
    GuestRun list = toolbox(guest, "device", "list");
    GuestRun status = toolbox(guest, "device", "status", "ide1:0");

    assertThat(list.stdout()).isEqualTo("ethernet0: Enabled\nide1:0: Disabled\nfloppy0: Enabled\n");
    assertThat(list.exitCode()).isZero();
    assertThat(status.stdout()).isEqualTo("Disabled\n");
  }

  @Test
  void statPrintsTheGuestApisValues(RealGuest guest) {
    GuestRun balloon = toolbox(guest, "stat", "balloon");
    GuestRun memlimit = toolbox(guest, "stat", "memlimit");
    GuestRun session = toolbox(guest, "stat", "sessionid");

    assertThat(balloon.stdout()).as(balloon.stderr()).isEqualTo("512 MB\n");
    assertThat(balloon.exitCode()).isZero();
    assertThat(memlimit.stdout()).isEqualTo("2048 MB\n");
    assertThat(session.stdout()).isEqualTo("0x123456789abcdef0\n");
    assertThat(session.exitCode()).isZero();
  }
}
