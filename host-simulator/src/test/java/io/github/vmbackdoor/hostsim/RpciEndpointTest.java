package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.record.PowerOperationReport;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RpciEndpointTest {

  final VirtualHost host = VirtualHost.builder().machineId("vm-42").build();

  String rpci(String request) {
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      ch.send(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(ch.receive(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void guestInfoStore() {
    assertThat(rpci("info-get guestinfo.missing")).isEqualTo("0 No value found");
    assertThat(rpci("info-set guestinfo.ip 192.0.2.7\0")).isEqualTo("1 ");
    assertThat(rpci("info-get guestinfo.ip\0")).isEqualTo("1 192.0.2.7");
    assertThat(rpci("info-set guestinfo.desc open-vm-tools 12.4.0 build")).isEqualTo("1 ");
    assertThat(rpci("info-get guestinfo.desc")).isEqualTo("1 open-vm-tools 12.4.0 build");
    assertThat(rpci("info-set guestinfo.blank  ")).isEqualTo("1 ");
    assertThat(rpci("info-get guestinfo.blank")).isEqualTo("1  ");
    assertThat(rpci("info-set machine.id stolen")).startsWith("0 ");
    assertThat(host.records().guestInfo())
        .containsOnlyKeys("guestinfo.ip", "guestinfo.desc", "guestinfo.blank");
  }

  @Test
  void infoSetWithoutAValueIsRefusedAndChangesNothing() {
    assertThat(rpci("info-set guestinfo.ip 192.0.2.7")).isEqualTo("1 ");
    for (String request :
        List.of("info-set guestinfo.ip", "info-set guestinfo.ip ", "info-set guestinfo.ip \0")) {
      assertThat(rpci(request)).isEqualTo("0 Two and exactly two arguments expected");
    }
    assertThat(rpci("info-set guestinfo.x")).isEqualTo("0 Two and exactly two arguments expected");
    assertThat(host.records().guestInfo()).containsExactly(Map.entry("guestinfo.ip", "192.0.2.7"));
  }

  @Test
  void guestInfoValuesUpToTheMessageLimit() {
    String prefix = "info-set guestinfo.big ";
    String value = "v".repeat(65536 - prefix.length());
    assertThat(rpci(prefix + value)).isEqualTo("1 ");
    assertThat(rpci("info-get guestinfo.big")).isEqualTo("1 " + value);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "tools.capability.statechange",
        "tools.capability.statechange ",
        "tools.capability.statechange\0"
      })
  void requestsAreAcceptedWithOrWithoutATrailingSpaceOrNul(String request) {
    assertThat(rpci(request)).isEqualTo("1 ");
    assertThat(host.records().capabilities()).containsEntry("statechange", "");
  }

  @Test
  void toolsRequestsAreRecorded() {
    assertThat(rpci("log toolbox: Version: 12.4.0.23259\0")).isEqualTo("1 ");
    assertThat(rpci("tools.set.version 2147483647")).isEqualTo("1 ");
    assertThat(host.records().toolsVersion()).contains("2147483647");
    assertThat(rpci("tools.set.versiontype 12352 4\0")).isEqualTo("1 ");
    assertThat(host.records().toolsVersion()).contains("12352");
    assertThat(host.records().toolsVersionType()).contains("4");
    assertThat(rpci("tools.capability.hgfs_server toolbox 1")).isEqualTo("1 ");
    assertThat(rpci("tools.capability.features 36=1 37=1\0")).isEqualTo("1 ");
    assertThat(rpci("vmx.capability.unified_loop toolbox\0")).isEqualTo("1 ");
    assertThat(rpci("SetGuestInfo  7 123400")).isEqualTo("1 ");
    assertThat(rpci("SetGuestInfo  5 NetBSD 10.0 amd64")).isEqualTo("1 ");
    assertThat(rpci("machine.id.get")).isEqualTo("1 vm-42");
    assertThat(rpci("no.such.command arg")).isEqualTo("0 Unknown command");
    assertThat(host.records().guestLog()).containsExactly("toolbox: Version: 12.4.0.23259");
    assertThat(host.records().capabilities())
        .containsEntry("hgfs_server", "toolbox 1")
        .containsEntry("features", "36=1 37=1");
    assertThat(host.records().unifiedLoopApps()).containsExactly("toolbox");
    assertThat(host.records().setGuestInfoValues())
        .containsEntry(7, "123400")
        .containsEntry(5, "NetBSD 10.0 amd64");
    assertThat(host.records().rpciRequests())
        .extracting(RpciRequest::command)
        .containsExactly(
            "log",
            "tools.set.version",
            "tools.set.versiontype",
            "tools.capability.hgfs_server",
            "tools.capability.features",
            "vmx.capability.unified_loop",
            "SetGuestInfo",
            "SetGuestInfo",
            "machine.id.get",
            "no.such.command");
  }

  @Test
  void stateChangeStatusIsTrackedPerRequestedOperation() {
    host.requestPowerOperation(GuestOsState.REBOOT);
    host.requestPowerOperation(GuestOsState.RESUME);
    assertThat(rpci("tools.os.statechange.status 0 4\0")).isEqualTo("1 ");
    assertThat(rpci("tools.os.statechange.status x")).startsWith("0 ");
    assertThat(host.records().powerOperations())
        .extracting(PowerOperationReport::reportedSuccess)
        .containsExactly(java.util.Optional.empty(), java.util.Optional.of(false));
  }

  @Test
  void handlersCanBeAddedAndOverridden() {
    host.rpciHandler("info-get", req -> "1 overridden " + req.arguments());
    host.rpciHandler("vmbackup.*", req -> "1 backup " + req.command());
    host.rpciHandler("vmbackup.eventSet", req -> "0 exact wins");
    assertThat(rpci("info-get guestinfo.x")).isEqualTo("1 overridden guestinfo.x");
    assertThat(rpci("vmbackup.other")).isEqualTo("1 backup vmbackup.other");
    assertThat(rpci("vmbackup.eventSet req.done 0 ok")).isEqualTo("0 exact wins");
  }
}
