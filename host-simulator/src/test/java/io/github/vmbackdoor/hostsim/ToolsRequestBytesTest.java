package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.record.GuestInfo;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.hostsim.settings.RemovableDevice;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The requests of open-vm-tools 12.2.0 that {@link GuestReportsTest} does not send, in the exact
 * bytes the tools build (with or without the NUL, as each sender passes {@code strlen} or {@code
 * strlen + 1}), each with the reply the tools check and what the host keeps of it. Sources: the
 * dndcp, vmbackup and deployPkg plugins, libDeployPkg, guestInfo (services/plugins/..., lib/include
 * /vmware/guestrpc/...).
 */
class ToolsRequestBytesTest {

  private final VirtualHost host =
      VirtualHost.builder()
          .devices(
              List.of(
                  new RemovableDevice("ethernet0", false), new RemovableDevice("ide1:0", false)))
          .build();

  private String send(byte[] request) {
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      ch.send(request);
      return new String(ch.receive(), StandardCharsets.ISO_8859_1);
    }
  }

  private String send(String request) {
    return send(request.getBytes(StandardCharsets.ISO_8859_1));
  }

  private RpciRequest last() {
    List<RpciRequest> l = host.records().rpciRequests();
    return l.get(l.size() - 1);
  }

  /** What RpcChannel_Send hands the caller: the reply after its status and the space. */
  private static String afterStatus(String reply) {
    return reply.substring(2);
  }

  @Test
  void dndAndCopyPasteVersionsAreOfferedAsTheWrapperReadsThem() {
    // vmCopyPasteDnDWrapper.cpp: "tools.capability.dnd_version 4" then "vmx.capability
    // .dnd_version", both with strlen (no NUL); the version is atoi() of the reply after "1 ", and
    // a host of version 3 would make the tools send "tools.capability.dnd_version 3" again
    assertThat(send("tools.capability.dnd_version 4")).isEqualTo("1 ");
    String dnd = send("vmx.capability.dnd_version");
    assertThat(dnd).startsWith("1 ");
    assertThat(Integer.parseInt(afterStatus(dnd))).isEqualTo(4);
    assertThat(send("tools.capability.copypaste_version 4")).isEqualTo("1 ");
    assertThat(afterStatus(send("vmx.capability.copypaste_version"))).isEqualTo("4");
    assertThat(host.records().capabilities())
        .containsEntry("dnd_version", "4")
        .containsEntry("copypaste_version", "4");
    assertThat(last().length()).isEqualTo("vmx.capability.copypaste_version".length());
  }

  @Test
  void vmbackupEventsAreAcceptedAndKeptWithTheirCodeAndText() {
    // stateMachine.c VmBackup_SendEvent: "vmbackup.eventSet %s %u %s" sent with strlen + 1; an
    // empty description leaves the space before the NUL. The tools look at the reply only when the
    // send fails ("Guest is not privileged" makes them retry with privileges), so success is "1 ".
    String[] events = {
      "vmbackup.eventSet reset 0 \0",
      "vmbackup.eventSet req.keepAlive 0 \0",
      "vmbackup.eventSet prov.snapshotCommit 0 \0",
      "vmbackup.eventSet req.error 3 Error when enabling the sync provider.\0",
      "vmbackup.eventSet req.done 0 \0",
    };
    for (String e : events) {
      assertThat(send(e)).as(e).isEqualTo("1 ");
    }
    assertThat(host.records().rpciRequests())
        .filteredOn(r -> r.command().equals("vmbackup.eventSet"))
        .extracting(RpciRequest::arguments)
        .containsExactly(
            "reset 0 ",
            "req.keepAlive 0 ",
            "prov.snapshotCommit 0 ",
            "req.error 3 Error when enabling the sync provider.",
            "req.done 0 ");
  }

  @Test
  void deployPkgStatesAreAcceptedAndTheNicQueriesAnsweredAsTheToolsExpect() {
    // deployPkg.c (strlen, no NUL): the state alone when deploying starts (3,
    // TOOLSDEPLOYPKG_DEPLOYING of deploypkg.h), then a state, an error code and a text
    assertThat(send("deployPkg.update.state 3")).isEqualTo("1 ");
    assertThat(send("deployPkg.update.state 3 5 Package file /tmp/p.cab not found"))
        .isEqualTo("1 ");
    assertThat(send("deployPkg.update.state 3 7 Customization is disabled by guest admin"))
        .isEqualTo("1 ");
    // libDeployPkg/linuxDeployment.c SetCustomizationStatusInVmxEx through RpcChannel_SendOne
    // (Str_Vasprintf's length, no NUL): "<state> <code> <log path>[@<text>]"; TryToEnableNics
    // sends GUESTCUST_EVENT_ENABLE_NICS (103) and goes on only if the reply is
    // "queryNicsSupported", then polls GUESTCUST_EVENT_QUERY_NICS (104) until "connected"
    String log = "/var/log/vmware-imc/toolsDeployPkg.log";
    assertThat(send("deployPkg.update.state 4 104 " + log + "@1\n")).isEqualTo("1 disconnected");
    assertThat(send("deployPkg.update.state 4 103 " + log + "@1\n"))
        .isEqualTo("1 queryNicsSupported");
    assertThat(send("deployPkg.update.state 4 104 " + log + "@1\n")).isEqualTo("1 connected");
    // the VMX connected the network adapter; the other devices are as they were
    assertThat(CommandPortOptionsTest.deviceList(host.backdoor()))
        .containsExactly("ethernet0: Enabled", "ide1:0: Disabled");
    assertThat(send("deployPkg.update.state 5 0 " + log)).isEqualTo("1 ");
    assertThat(host.records().rpciRequests())
        .filteredOn(r -> r.command().equals("deployPkg.update.state"))
        .extracting(RpciRequest::arguments)
        .startsWith("3", "3 5 Package file /tmp/p.cab not found")
        .endsWith("5 0 " + log);
  }

  @Test
  void aDiskListWithNoFileSystemIsADocumentToo() {
    // GuestInfoSendDiskInfoV1 with numEntries 0: the header and "]}", no disk element
    assertThat(send("SetGuestDiskInfo {\n\"version\":\"1\",\n\"disks\":[\n]}\0")).isEqualTo("1 ");
    assertThat(host.records().guest().disk()).isEmpty();
  }

  /** An XDR stream as rpcgen's routines write it (big-endian, padded to four bytes). */
  private static final class Xdr {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Xdr i(int v) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
      return this;
    }

    Xdr string(String s) {
      byte[] b = s.getBytes(StandardCharsets.US_ASCII);
      i(b.length);
      out.writeBytes(b);
      out.writeBytes(new byte[-b.length & 3]);
      return this;
    }

    /** A fixed {@code char[n]}: rpcgen's xdr_vector of xdr_char, four bytes a character. */
    Xdr chars(String s, int n) {
      for (int k = 0; k < n; k++) {
        i(k < s.length() ? s.charAt(k) : 0);
      }
      return this;
    }

    byte[] after(String header) {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      all.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
      all.writeBytes(out.toByteArray());
      return all.toByteArray();
    }
  }

  @Test
  void theNicListOfInfoIpaddressV2InBothItsVersionsGivesNet() {
    // guestInfoServer.c GuestInfoSendNicInfo: NIC_INFO_V3_WITH_INFO_IPADDRESS_V2 sends the
    // NicInfoV3 of type 10 as type 9 (GuestInfoSendNicInfoXdr: "%s  %d " and the XDR, no NUL)
    Xdr v3 = new Xdr();
    v3.i(3).i(1).i(1).string("00:50:56:01:02:03");
    v3.i(1).i(1).i(4).i(0x0a00_0009).i(8).i(0).i(0); // 10.0.0.9/8, no origin, no status
    v3.i(0).i(0).i(0).i(0); // no DNS, WINS, DHCP v4, DHCP v6 on the NIC
    v3.i(0).i(0).i(0).i(0).i(0); // no routes; no global DNS, WINS, DHCP v4, DHCP v6
    assertThat(send(v3.after("SetGuestInfo  9 "))).isEqualTo("1 ");
    assertThat(host.records().guest().net())
        .containsExactly(
            new GuestInfo.GuestNicInfo("00:50:56:01:02:03", List.of("10.0.0.9"), true));

    // NIC_INFO_V2_WITH_INFO_IPADDRESS_V2: GuestNicList of lib/guestRpc/nicinfo.x, the MAC and the
    // addresses as fixed char arrays (NICINFO_MAC_LEN 18, NICINFO_MAX_IP_LEN 64)
    Xdr v2 = new Xdr();
    v2.i(2).i(1).i(1).chars("00:50:56:0a:0b:0c", 18);
    v2.i(1).i(0).i(1).chars("192.168.7.7", 64).chars("255.255.255.0", 64);
    assertThat(send(v2.after("SetGuestInfo  9 "))).isEqualTo("1 ");
    GuestInfo g = host.records().guest();
    assertThat(g.net())
        .containsExactly(
            new GuestInfo.GuestNicInfo("00:50:56:0a:0b:0c", List.of("192.168.7.7"), true));
    assertThat(g.ipAddress()).isEqualTo("192.168.7.7");
  }
}
