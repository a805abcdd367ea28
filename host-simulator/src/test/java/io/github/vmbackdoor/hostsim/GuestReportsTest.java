package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.record.GuestInfo;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Every report open-vm-tools 12.x sends about the guest, in the exact bytes its guestInfo plugin
 * builds (services/plugins/guestInfo/guestInfoServer.c, perfMonLinux.c; the structures of
 * lib/include/guestInfo.h, hostinfo.h, guestStats.h and the XDR of lib/guestRpc/nicinfo.x), the
 * host's answers the tools check, and the guest view ({@link GuestInfo}) built from them.
 */
class GuestReportsTest {

  private final VirtualHost host = VirtualHost.builder().build();

  private String send(byte[] request) {
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      ch.send(request);
      return new String(ch.receive(), StandardCharsets.ISO_8859_1);
    }
  }

  private String send(String request) {
    return send(request.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static byte[] concat(String header, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** An XDR stream as rpcgen's xdr_* routines write it. */
  private static final class Xdr {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Xdr i(int v) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
      return this;
    }

    Xdr opaque(byte[] b) {
      i(b.length);
      out.writeBytes(b);
      out.writeBytes(new byte[-b.length & 3]);
      return this;
    }

    Xdr string(String s) {
      return opaque(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A {@code TypedIpAddress}: type (IAT_IPV4 1, IAT_IPV6 2) and the address bytes. */
    Xdr ip(int type, int... bytes) {
      byte[] b = new byte[bytes.length];
      for (int k = 0; k < bytes.length; k++) {
        b[k] = (byte) bytes[k];
      }
      return i(type).opaque(b);
    }
  }

  /**
   * A {@code GuestNicProto} of version 3 as the tools send it: one NIC with an IPv4 and an IPv6
   * address (prefix, origin and status given), DNS settings on the NIC, no WINS, DHCP v4 only; one
   * route; no global DNS.
   */
  private static byte[] nicInfoV3() {
    Xdr x = new Xdr();
    x.i(3).i(1); // NIC_INFO_V3, the pointer present
    x.i(1); // one NIC
    x.string("00:50:56:aa:bb:cc");
    x.i(2); // two addresses
    x.ip(1, 10, 0, 0, 7).i(24).i(1).i(4).i(1).i(1); // prefix 24, origin DHCP, status PREFERRED
    x.ip(2, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x50, 0x56, 0xff, 0xfe, 0xaa, 0xbb, 0xcc)
        .i(64)
        .i(0)
        .i(0);
    x.i(1).i(1).string("guest").i(0).i(1).ip(1, 10, 0, 0, 1).i(1).string("example.com"); // DNS
    x.i(0); // no WINS
    x.i(1).i(1).string("dhcp settings"); // DHCP v4
    x.i(0); // no DHCP v6
    x.i(1).ip(1, 0, 0, 0, 0).i(0).i(1).ip(1, 10, 0, 0, 1).i(0).i(4).i(100); // default route
    x.i(0).i(0).i(0).i(0); // no global DNS, WINS, DHCP
    return x.out.toByteArray();
  }

  @Test
  void theKeyValueFormsAreTheGuestViewsNames() {
    // SetGuestInfo(): "%s %c%d%c%s" with the delimiter ' ', sent with its NUL
    assertThat(send("SetGuestInfo  1 web-01\0")).isEqualTo("1 ");
    assertThat(send("SetGuestInfo  4 build-21223074\0")).isEqualTo("1 ");
    assertThat(send("SetGuestInfo  5 Ubuntu 22.04.2 LTS\0")).isEqualTo("1 ");
    assertThat(send("SetGuestInfo  6 ubuntu-64\0")).isEqualTo("1 ");
    assertThat(send("SetGuestInfo  7 12345678\0")).isEqualTo("1 ");
    GuestInfo g = host.records().guest();
    assertThat(g.hostName()).isEqualTo("web-01");
    assertThat(g.guestFullName()).isEqualTo("Ubuntu 22.04.2 LTS");
    assertThat(g.guestId()).isEqualTo("ubuntu64Guest");
    assertThat(g.guestFamily()).isEqualTo("linuxGuest");
    assertThat(g.uptimeSeconds()).isEqualTo(123_456);
    assertThat(host.records().setGuestInfoValues()).containsEntry(4, "build-21223074");
  }

  @Test
  void theNicListInXdrGivesNetAndIpAddress() {
    // GuestInfoSendNicInfoXdr: "%s  %d " then the XDR, no NUL
    assertThat(send(concat("SetGuestInfo  10 ", nicInfoV3()))).isEqualTo("1 ");
    GuestInfo g = host.records().guest();
    assertThat(g.net()).hasSize(1);
    assertThat(g.net().get(0).macAddress()).isEqualTo("00:50:56:aa:bb:cc");
    assertThat(g.net().get(0).ipAddress()).containsExactly("10.0.0.7", "fe80::250:56ff:feaa:bbcc");
    assertThat(g.ipAddress()).isEqualTo("10.0.0.7");
  }

  @Test
  void theOldNicListWithItsTrailingZerosIsReadWhole() {
    // GuestNicInfoV1: a count, then 16 NicEntryV1 of 152 bytes (mostly zeros)
    ByteBuffer b = ByteBuffer.allocate(4 + 16 * 152).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(1).putInt(4 + 0, 1);
    b.putInt(4, 1); // numIPs
    b.put(8, "00-50-56-aa-bb-cc".getBytes(StandardCharsets.US_ASCII));
    b.put(4 + 23, "192.168.1.9".getBytes(StandardCharsets.US_ASCII));
    b.putInt(0, 1);
    assertThat(send(concat("SetGuestInfo  2 ", b.array()))).isEqualTo("1 ");
    assertThat(host.records().setGuestInfoValues().get(2)).hasSize(4 + 16 * 152);
    assertThat(host.records().guest().ipAddress()).isEqualTo("192.168.1.9");
  }

  @Test
  void theDiskListInJsonIsAcceptedWithAnEmptyReplyAndGivesDisk() {
    String name = Base64.getEncoder().encodeToString("/".getBytes(StandardCharsets.UTF_8));
    // GuestInfoSendDiskInfoV1's formats, in order, sent with the NUL
    String request =
        "SetGuestDiskInfo {\n\"version\":\"1\",\n\"disks\":[\n{\"name\":\""
            + name
            + "\",\"free\":\"1000\",\"size\":\"2000\",\"fstype\":\"ext4\",\"devices\":[\"pvscsi0:0\"]}"
            + ",\n{\"name\":\"L2Jvb3Q=\",\"free\":\"5\",\"size\":\"9\"}\n]}\0";
    // the tools take the JSON form only when the reply after "1 " is empty
    assertThat(send(request)).isEqualTo("1 ");
    GuestInfo g = host.records().guest();
    assertThat(g.disk())
        .containsExactly(
            new GuestInfo.GuestDiskInfo("/", 2000, 1000, "ext4"),
            new GuestInfo.GuestDiskInfo("/boot", 9, 5, null));
    assertThat(send("SetGuestDiskInfo {\"version\":\"1\"}\0")).isEqualTo("0 no \"disks\"");
    assertThat(send("SetGuestDiskInfo nonsense\0")).startsWith("0 not JSON: ");
    assertThat(host.records().guest().disk()).hasSize(2);
  }

  @Test
  void theOldBinaryDiskListIsRead() {
    // GuestInfoSendDiskInfoV0: "%s  %d ", a uint8 count, packed PartitionEntry (116 bytes), and
    // two zero bytes the request size counts
    ByteBuffer b = ByteBuffer.allocate(1 + 116 + 2).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 1).putLong(1000L).putLong(2000L).put("/".getBytes(StandardCharsets.US_ASCII));
    assertThat(send(concat("SetGuestInfo  3 ", b.array()))).isEqualTo("1 ");
    assertThat(host.records().guest().disk())
        .containsExactly(new GuestInfo.GuestDiskInfo("/", 2000, 1000, null));
  }

  @Test
  void theDetailedOsReportGivesTheFullName() {
    // HostinfoDetailedDataHeader: uint32 version 1, shortName[129], fullName[513], padded to 648,
    // then the detailed data with its NUL
    ByteBuffer b = ByteBuffer.allocate(648 + 30).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(1);
    b.put(4, "ubuntu-64".getBytes(StandardCharsets.US_ASCII));
    b.put(4 + 129, "Ubuntu 22.04.2 LTS".getBytes(StandardCharsets.US_ASCII));
    b.put(648, "prettyName='Ubuntu 22.04.2'".getBytes(StandardCharsets.US_ASCII));
    assertThat(send(concat("SetGuestInfo  11 ", b.array()))).isEqualTo("1 ");
    assertThat(host.records().guest().guestFullName()).isEqualTo("Ubuntu 22.04.2 LTS");
    assertThat(host.records().guest().guestId()).isEqualTo("ubuntu64Guest");
  }

  @Test
  void theMemoryStatisticsAreRead() {
    // GuestMemInfoLegacy (112 bytes, version 5, flags MEMINFO_MEMTOTAL), then one statistic:
    // datum flags (namespace, id, type, unit, value) and each datum as uint16 size and bytes
    ByteBuffer b = ByteBuffer.allocate(400).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(5).putInt(1).putLong(4_000_000L);
    b.position(112);
    b.putInt(0x02 | 0x04 | 0x08 | 0x20 | 0x80);
    byte[] ns = "vmware.guest.linux\0".getBytes(StandardCharsets.US_ASCII);
    b.putShort((short) ns.length).put(ns);
    b.putShort((short) 1).put((byte) 25); // guest.mem.available
    b.putShort((short) 1).put((byte) 9); // GuestTypeUint64
    b.putShort((short) 1).put((byte) 3); // a unit
    b.putShort((short) 8).putLong(1_234_567L);
    byte[] body = new byte[b.position()];
    b.flip().get(body);
    assertThat(send(concat("SetGuestInfo  8 ", body))).isEqualTo("1 ");
    assertThat(host.records().guest().memoryStats())
        .containsEntry("guest.mem.available", 1_234_567L)
        .containsEntry("guest.mem.total", 4_000_000L);
  }

  @Test
  void theToolsVersionAndTheBroadcastIpAreShown() {
    assertThat(host.records().guest().toolsVersionStatus()).isEqualTo("guestToolsNotInstalled");
    // ToolsCoreRpcCapReg: "tools.set.versiontype %u %u" with the NUL; 12.2.0 of open-vm-tools
    assertThat(send("tools.set.versiontype 12352 4\0")).isEqualTo("1 ");
    // GuestInfoServerSendIP after Set_Option broadcastIP: "info-set guestinfo.ip <ip>"
    assertThat(send("info-set guestinfo.ip 10.1.2.3\0")).isEqualTo("1 ");
    GuestInfo g = host.records().guest();
    assertThat(g.toolsVersion()).isEqualTo("12352");
    assertThat(g.toolsVersionStatus()).isEqualTo("guestToolsUnmanaged");
    assertThat(g.toolsInstallType()).isEqualTo("guestToolsTypeOpenVMTools");
    assertThat(g.ipAddress()).isEqualTo("10.1.2.3");
    assertThat(g.toolsRunningStatus()).isEqualTo(GuestInfo.TOOLS_NOT_RUNNING);
  }

  @Test
  void theOtherRequestsOfTheToolsAreAnsweredAndKept() {
    // vmCopyPasteDnDWrapper.cpp: sent without the NUL, the reply read with atoi
    assertThat(send("vmx.capability.dnd_version")).isEqualTo("1 4");
    assertThat(send("vmx.capability.copypaste_version")).isEqualTo("1 4");
    // vmbackup stateMachine.c: "vmbackup.eventSet %s %u %s"
    assertThat(send("vmbackup.eventSet req.done 0 OK\0")).isEqualTo("1 ");
    // deployPkg.c: "deployPkg.update.state %d %d %s"
    assertThat(send("deployPkg.update.state 4 0 Customization in progress\0")).isEqualTo("1 ");
    assertThat(host.records().rpciRequests())
        .extracting(RpciRequest::command)
        .contains("vmbackup.eventSet", "deployPkg.update.state");
  }

  @Test
  void guestIdsAndFamiliesOfShortNames() {
    assertThat(GuestView.guestId("rhel9-64")).isEqualTo("rhel9_64Guest");
    assertThat(GuestView.guestId("other5xlinux-64")).isEqualTo("other5xLinux64Guest");
    assertThat(GuestView.guestId("windows2019srv-64")).isEqualTo("windows2019srv_64Guest");
    assertThat(GuestView.guestId("debian12")).isEqualTo("debian12Guest");
    assertThat(GuestView.guestFamily("windows9-64")).isEqualTo("windowsGuest");
    assertThat(GuestView.guestFamily("freebsd13-64")).isEqualTo("otherGuestFamily");
  }
}
