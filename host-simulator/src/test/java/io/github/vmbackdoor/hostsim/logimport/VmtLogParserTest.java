package io.github.vmbackdoor.hostsim.logimport;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.rpc.VmtMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class VmtLogParserTest {

  static List<String> sample(String name) throws IOException {
    try (InputStream in = VmtLogParserTest.class.getResourceAsStream("/logs/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  @Test
  void netbsd10PingLoopWithZeroAsBareZero() throws IOException {
    VmtLogParser.Result log = VmtLogParser.parse(sample("netbsd10-ping-loop.log"));

    assertThat(log.lines()).hasSize(25);
    VmtLogLine uuid = log.lines().get(0);
    assertThat(uuid.message()).isEqualTo(VmtMessage.UUID);
    assertThat(uuid.detail()).isEqualTo("564d0f5e-1c2a-7b3e-9d44-0a1b2c3d4e5f");
    VmtLogLine first = log.lines().get(1);
    assertThat(first.message()).isEqualTo(VmtMessage.SENDING_LENGTH_FAILED);
    assertThat(first.registers()).containsEntry("eax", 0x564d5868L).containsEntry("ecx", 0L);
    assertThat(first.seconds().getAsDouble()).isEqualTo(600.25);
    assertThat(first.status().getAsInt()).isZero();
    assertThat(first.isCheckpoint()).isFalse();
    assertThat(log.lines().get(2).message()).isEqualTo(VmtMessage.PING_FAILED);
    assertThat(log.lines().get(2).device()).contains("vmt0");
    assertThat(log.unknown()).isEmpty();
  }

  @Test
  void openbsdDebugLinesWithoutNewlineAreSplitAndPaddedRegistersRead() throws IOException {
    VmtLogParser.Result log = VmtLogParser.parse(sample("openbsd-debug-loop.log"));

    assertThat(log.lines())
        .extracting(VmtLogLine::message)
        .startsWith(
            VmtMessage.GET_LENGTH_FAILED,
            VmtMessage.TCLO_GET_LENGTH_FAILED,
            VmtMessage.GET_LENGTH_FAILED);
    assertThat(log.lines().get(0).registers())
        .containsEntry("eax", 0x564d5868L)
        .containsEntry("ecx", 0L);
    assertThat(
            log.lines().get(2).seconds().getAsDouble() - log.lines().get(0).seconds().getAsDouble())
        .isEqualTo(1.0);
    // "unable to set guest uptime" has no newline in OpenBSD: the next message runs into it.
    int uptime =
        log.lines().stream().map(VmtLogLine::message).toList().indexOf(VmtMessage.UPTIME_FAILED);
    assertThat(log.lines().get(uptime - 2).message()).isEqualTo(VmtMessage.OPEN_FAILED);
    assertThat(log.lines().get(uptime - 2).registers()).containsEntry("edx", 0x5658L);
    assertThat(log.lines().get(uptime - 1).message()).isEqualTo(VmtMessage.RPCI_OPEN_FAILED);
    assertThat(log.lines().get(uptime + 1).message()).isEqualTo(VmtMessage.GET_LENGTH_FAILED);
    assertThat(log.lines().get(uptime).lineNumber())
        .isEqualTo(log.lines().get(uptime + 1).lineNumber());
    assertThat(log.lines().get(uptime).text()).isEqualTo("vmt0: unable to set guest uptime");
    assertThat(log.unknown()).isEmpty();
  }

  @Test
  void checkpointInGetDataIsDecodedFromEbxHighWord() throws IOException {
    VmtLogParser.Result log = VmtLogParser.parse(sample("netbsd-suspend-resume.log"));

    assertThat(log.lines())
        .extracting(VmtLogLine::message)
        .containsExactly(
            VmtMessage.ENTERING_SUSPEND,
            VmtMessage.GET_DATA_FAILED,
            VmtMessage.RPCI_GET_DATA_FAILED,
            VmtMessage.STATE_CHANGE_FAILED,
            VmtMessage.RESETTING_RPC,
            VmtMessage.GUEST_RESUMING);
    VmtLogLine getData = log.lines().get(1);
    assertThat(getData.registers()).containsEntry("ebx", 0x100000L);
    assertThat(getData.status().getAsInt()).isEqualTo(0x10);
    assertThat(getData.isCheckpoint()).isTrue();
    assertThat(getData.seconds().getAsDouble()).isEqualTo(3600.1002);
  }

  @Test
  void unknownVmtLinesAreReportedAndOtherLinesIgnored() {
    VmtLogParser.Result log =
        VmtLogParser.parse(
            List.of(
                "random kernel chatter",
                "vmt0: something the catalogue does not know",
                "[ 5.0] vmt0: unknown command: \"Time_Synchronize 0\"",
                "vmt0: : failed to set HGFS server capability"));

    assertThat(log.unknown()).containsExactly("2: vmt0: something the catalogue does not know");
    assertThat(log.lines())
        .extracting(VmtLogLine::message)
        .containsExactly(VmtMessage.UNKNOWN_COMMAND, VmtMessage.ATTACH_HGFS_FAILED);
    assertThat(log.lines().get(0).detail()).isEqualTo("\"Time_Synchronize 0\"");
    assertThat(log.lines().get(0).seconds().getAsDouble()).isEqualTo(5.0);
  }

  @Test
  void registersWithSuccessAreNotCheckpoints() {
    VmtLogParser.Result log =
        VmtLogParser.parse(
            List.of(
                "vmware: get data failed, ebx=00110000",
                "vmware: sending length failed, eax=564d5868, ecx=0x100000"));

    assertThat(log.lines().get(0).isCheckpoint()).isFalse();
    assertThat(log.lines().get(1).isCheckpoint()).isTrue();
  }
}
