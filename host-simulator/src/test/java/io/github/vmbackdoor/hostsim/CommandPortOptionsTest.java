package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.settings.RemovableDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GETGUIOPTIONS (13), GETDEVICELISTELEMENT (11) and TOGGLEDEVICE (12) read as open-vm-tools'
 * toolbox/toolboxcmd-time.c and toolboxcmd-devices.c read them, register for register: what {@code
 * vmware-toolbox-cmd timesync status} and {@code device list} print against the host.
 */
class CommandPortOptionsTest {

  private static Registers call(Backdoor b, int command, int ebx) {
    return b.in(Registers.of(MAGIC, ebx, command, 0x5658, 0, 0, 0));
  }

  /** toolboxcmd-time.c: {@code TimeSyncGetOldOptions() & VMWARE_GUI_SYNC_TIME}. */
  private static String timesyncStatus(Backdoor b) {
    return (call(b, 13, 0).eax() & 0x400) != 0 ? "Enabled" : "Disabled";
  }

  /**
   * toolboxcmd-devices.c {@code DevicesList}: for ids 0..49, RD_Info read four bytes at a time
   * (offset in the low word of ebx, id in the high word; eax is the success), printed when it has a
   * name.
   */
  static List<String> deviceList(Backdoor b) {
    List<String> lines = new ArrayList<>();
    for (int id = 0; id < 50; id++) {
      ByteBuffer info = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
      boolean ok = true;
      for (int offset = 0; offset < 40 && ok; offset += 4) {
        Registers r = call(b, 11, id << 16 | offset);
        ok = r.eax() != 0;
        info.putInt(r.ebx());
      }
      byte[] raw = info.array();
      int len = 0;
      while (len < 32 && raw[len] != 0) {
        len++;
      }
      if (ok && len > 0) {
        String name = new String(raw, 0, len, StandardCharsets.US_ASCII);
        lines.add(name + ": " + (raw[36] != 0 ? "Enabled" : "Disabled"));
      }
    }
    return lines;
  }

  private static String rpci(Backdoor b, String request) {
    try (MessageChannel ch = MessageChannel.open(b, PROTOCOL_RPCI)) {
      ch.send(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(ch.receive(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void timeSyncIsOffByDefaultAndFollowsTheSettingAndTheGuestsRequest() {
    VirtualHost host = VirtualHost.builder().build();
    assertThat(timesyncStatus(host.backdoor())).isEqualTo("Disabled");
    assertThat(call(host.backdoor(), 13, 0).eax()).isZero();
    assertThat(timesyncStatus(VirtualHost.builder().timeSync(true).build().backdoor()))
        .isEqualTo("Enabled");
    // vmware-toolbox-cmd timesync enable: "vmx.set_option synctime 0 1" with its NUL
    assertThat(rpci(host.backdoor(), "vmx.set_option synctime 0 1\0")).isEqualTo("1 ");
    assertThat(timesyncStatus(host.backdoor())).isEqualTo("Enabled");
    assertThat(rpci(host.backdoor(), "vmx.set_option synctime 1 0\0")).isEqualTo("1 ");
    assertThat(timesyncStatus(host.backdoor())).isEqualTo("Disabled");
    assertThat(rpci(host.backdoor(), "vmx.set_option synctime 1\0"))
        .isEqualTo("0 Invalid arguments");
  }

  @Test
  void theDeviceListIsTheConfiguredOne() {
    assertThat(deviceList(VirtualHost.builder().build().backdoor()))
        .containsExactly("ethernet0: Enabled");
    VirtualHost host =
        VirtualHost.builder()
            .devices(RemovableDevice.parse("ethernet0=enabled,ide1:0=disabled,floppy0=enabled"))
            .build();
    assertThat(deviceList(host.backdoor()))
        .containsExactly("ethernet0: Enabled", "ide1:0: Disabled", "floppy0: Enabled");
    assertThat(deviceList(VirtualHost.builder().devices(List.of()).build().backdoor())).isEmpty();
    // beyond the list, and at an offset past RD_Info: eax 0 (FALSE)
    assertThat(call(host.backdoor(), 11, 3 << 16).eax()).isZero();
    assertThat(call(host.backdoor(), 11, 40).eax()).isZero();
    // the uid of device 1
    assertThat(call(host.backdoor(), 11, 1 << 16 | 32).ebx()).isEqualTo(1);
  }

  @Test
  void toggleDeviceConnectsAndDisconnects() {
    VirtualHost host =
        VirtualHost.builder().devices(RemovableDevice.parse("ide1:0=disabled")).build();
    // toolboxcmd-devices.c SetDeviceState: ebx = (connected ? 0x80000000 : 0) | id
    assertThat(call(host.backdoor(), 12, 0x8000_0000).eax()).isEqualTo(1);
    assertThat(deviceList(host.backdoor())).containsExactly("ide1:0: Enabled");
    assertThat(call(host.backdoor(), 12, 0).eax()).isEqualTo(1);
    assertThat(deviceList(host.backdoor())).containsExactly("ide1:0: Disabled");
    assertThat(call(host.backdoor(), 12, 0x8000_0001).eax()).isZero();
  }

  @Test
  void theDeviceSettingReadsBackAndRefusesBadText() {
    String text = "ethernet0=enabled,ide1:0=disabled";
    assertThat(RemovableDevice.format(RemovableDevice.parse(text))).isEqualTo(text);
    assertThat(RemovableDevice.parse("none")).isEmpty();
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> RemovableDevice.parse("ethernet0=on"))
        .withMessageContaining("NAME=enabled or NAME=disabled");
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> RemovableDevice.parse("a=enabled,a=disabled"))
        .withMessageContaining("named twice");
  }
}
