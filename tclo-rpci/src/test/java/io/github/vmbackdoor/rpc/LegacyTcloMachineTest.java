package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LegacyTcloMachineTest {

  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  /** vmt's periodic guest-info RPCIs off, so each test sees only what its TCLO steps do. */
  private static final TcloOptions OPTIONS =
      TcloOptions.defaults().withGuestInfoInterval(Duration.ZERO);

  private final FakeHost host = new FakeHost();
  private final Recorder rec = new Recorder();
  private TcloStateMachine machine = Machines.create(TcloMachines.LEGACY, host, OPTIONS, rec);

  /** Attach, answer the host's first reset, one idle poll: the steady state. */
  private void attachAndSettle() {
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox");
    rec.clear();
  }

  @Test
  void attachOpensTheChannelAndSetsTheHgfsCapability() {
    assertThat(machine.health()).isEqualTo(TcloHealth.STARTING);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(host.tcloOpens).isEqualTo(1);
    assertThat(host.rpciRequests).containsExactly("tools.capability.hgfs_server toolbox 1");
    assertThat(host.openChannels(PROTOCOL_RPCI)).isZero();
    assertThat(machine.health()).isEqualTo(TcloHealth.UP);
    assertThat(rec.lines).isEmpty();
  }

  @Test
  void answersTheFirstResetThenPollsEverySecond() {
    machine.tick();
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox");
    assertThat(host.unsolicitedReplies).isEmpty();
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(host.tcloPings).isEqualTo(2);
    assertThat(rec.lines).isEmpty();
  }

  @Test
  void deadChannelWithPingFlagLogsFailedPingForeverAndNeverPollsAgain() {
    attachAndSettle();
    host.dropChannel(PROTOCOL_TCLO);
    for (int i = 0; i < 60; i++) {
      assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    }
    assertThat(rec.countLines("vmware: sending length failed, eax=0x564d5868, ecx=0"))
        .isEqualTo(60);
    assertThat(rec.countLines("vmt0: failed to send TCLO outgoing ping")).isEqualTo(60);
    assertThat(rec.lines).hasSize(120);
    assertThat(rec.count(Type.POLLED)).isZero();
    assertThat(host.tcloOpens).isEqualTo(1);
    assertThat(machine.health()).isEqualTo(TcloHealth.RECOVERING);
  }

  @Test
  void deadChannelRightAfterAMessageLogsFailedGetLength() {
    machine.tick();
    machine.tick(); // handled "reset": the ping flag is now clear
    rec.clear();
    host.dropChannel(PROTOCOL_TCLO);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines)
        .containsExactly(
            "vmware: get length failed, eax=0x564d5868, ecx=0",
            "vmt0: failed to get length of incoming TCLO data",
            "vmware: get length failed, eax=0x564d5868, ecx=0",
            "vmt0: failed to get length of incoming TCLO data");
  }

  @Test
  void rpciFailureSetsTheStickyFlagAndTheNextResetClosesAndReopensWithAnUnsolicitedReply() {
    attachAndSettle();
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 1);
    host.tcloCommands.add("OS_PowerOn");
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines)
        .containsExactly(
            "vmware: open failed, eax=0x564d5868, ecx=0, edx=0x5658",
            "vmt0: rpci channel open failed",
            "vmt0: unable to send state change result");
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox", "OK ");
    assertThat(machine.health()).isEqualTo(TcloHealth.RECOVERING);

    rec.clear();
    host.tcloCommands.add("reset");
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines).containsExactly("vmt0: resetting rpc");
    assertThat(host.openChannels(PROTOCOL_TCLO)).isZero();

    rec.clear();
    machine.tick();
    assertThat(host.tcloOpens).isEqualTo(2);
    assertThat(host.unsolicitedReplies).containsExactly("OK ATR toolbox");
    assertThat(rec.types()).contains(Type.UNSOLICITED_RESET_REPLY_SENT);
    assertThat(machine.health()).isEqualTo(TcloHealth.UP);
  }

  @Test
  void hostRejectingUnsolicitedRepliesMakesItCycle() {
    attachAndSettle();
    host.rejectUnsolicitedReplies = true;
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 1);
    host.tcloCommands.add("OS_PowerOn");
    machine.tick();
    host.tcloCommands.add("reset");
    rec.clear();
    for (int i = 0; i < 30; i++) {
      assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    }
    assertThat(rec.countLines("vmt0: resetting rpc")).isGreaterThanOrEqualTo(9);
    assertThat(rec.countLines("vmt0: failed to send reset reply")).isGreaterThanOrEqualTo(9);
    assertThat(host.tcloOpens).isGreaterThanOrEqualTo(10);
  }

  @Test
  void failedReopenWaitsFifteenSeconds() {
    attachAndSettle();
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 1);
    host.tcloCommands.add("OS_PowerOn");
    machine.tick();
    host.tcloCommands.add("reset");
    machine.tick();
    rec.clear();
    host.failNext(PROTOCOL_TCLO, MESSAGE_OPEN, 0, 1);
    assertThat(machine.tick()).isEqualTo(Duration.ofSeconds(15));
    assertThat(rec.lines)
        .containsExactly(
            "vmware: open failed, eax=0x564d5868, ecx=0, edx=0x5658",
            "vmt0: unable to reopen TCLO channel");
  }

  @Test
  void checkpointInsideTheStateChangeReplyIsNotRetried() {
    attachAndSettle();
    host.tcloCommands.add("OS_Suspend");
    host.failNext(PROTOCOL_RPCI, FakeHost.HB_IN, FakeHost.CPT, 1);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines)
        .containsExactly(
            "VMware guest entering suspended state",
            "vmware: get data failed, ebx=0x100000",
            "vmt0: failed to get rpci response data",
            "vmt0: unable to send state change result");
    assertThat(host.tcloReplies).endsWith("OK ");
    rec.clear();
    host.tcloCommands.add("reset");
    machine.tick();
    assertThat(rec.lines).containsExactly("vmt0: resetting rpc");
  }

  @Test
  void unknownCommandIsLoggedAndAnswered() {
    attachAndSettle();
    host.tcloCommands.add("Time_Synchronize 0");
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(rec.lines).containsExactly("vmt0: unknown command: \"Time_Synchronize 0\"");
    assertThat(host.tcloReplies).endsWith("ERROR Unknown command");
  }

  @Test
  void capabilitiesRegisterSendsVmtsRpcisThenOk() {
    attachAndSettle();
    host.rpciRequests.clear();
    host.tcloCommands.add("Capabilities_Register");
    machine.tick();
    assertThat(host.rpciRequests)
        .containsExactly(
            "vmx.capability.unified_loop toolbox",
            "tools.capability.statechange ",
            "tools.set.version 2147483647",
            "SetGuestInfo  7 000");
    assertThat(host.tcloReplies).endsWith("OK ");
  }

  @Test
  void openIsAsStrictAsVmt() {
    host.openEdxLow = 0x5658;
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(rec.lines)
        .containsExactly(
            "vmware: open failed, eax=0x564d5868, ecx=0x10000, edx=0x15658",
            "vmt0: failed to open backdoor RPC channel (TCLO protocol)");
    assertThat(machine.health()).isEqualTo(TcloHealth.STOPPED);
    machine.tick();
    assertThat(host.tcloOpens).isEqualTo(1);
  }

  @Test
  void noFallbackWithoutCookies() {
    host.cookiesSupported = false;
    machine.tick();
    assertThat(machine.health()).isEqualTo(TcloHealth.STOPPED);
    assertThat(host.tcloOpens).isZero();
  }

  @Test
  void openBsdPrintsRegistersWithEightDigits() {
    machine =
        Machines.create(TcloMachines.LEGACY, host, OPTIONS.withFlavor(VmtFlavor.OPENBSD), rec);
    attachAndSettle();
    host.dropChannel(PROTOCOL_TCLO);
    machine.tick();
    assertThat(rec.lines)
        .containsExactly(
            "vmware: sending length failed, eax=564d5868, ecx=00000000",
            "vmt0: failed to send TCLO outgoing ping");
  }

  @Test
  void netBsdPingRefreshesGuestInfoOnce() {
    attachAndSettle();
    host.rpciRequests.clear();
    host.tcloCommands.add("ping");
    machine.tick();
    machine.tick();
    host.tcloCommands.add("ping");
    machine.tick();
    assertThat(host.rpciRequests)
        .containsExactly(
            "SetGuestInfo  1 vmbackdoor",
            "SetGuestInfo  5 NetBSD 10.0 amd64",
            "SetGuestInfo  6 other-64");
    assertThat(host.tcloReplies).endsWith("OK ", "OK ");
  }

  @Test
  void shutdownDisablesHgfsPingsAndCloses() {
    attachAndSettle();
    machine.shutdown();
    assertThat(host.rpciRequests).endsWith("tools.capability.hgfs_server toolbox 0");
    assertThat(host.openChannels(PROTOCOL_TCLO)).isZero();
    assertThat(machine.health()).isEqualTo(TcloHealth.STOPPED);
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
  }

  @Test
  void vmtsOwnTickReportsGuestInfoAndUptimeEveryFifteenSecondsOfDelay() {
    machine =
        Machines.create(
            TcloMachines.LEGACY,
            host,
            TcloOptions.defaults().withUptime(() -> Duration.ofSeconds(90)),
            rec);
    machine.tick();
    host.rpciRequests.clear();
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(host.rpciRequests)
        .containsExactly(
            "SetGuestInfo  1 vmbackdoor", "SetGuestInfo  5 NetBSD 10.0 amd64",
            "SetGuestInfo  6 other-64", "SetGuestInfo  7 9000");
    host.rpciRequests.clear();
    for (int i = 0; i < 15; i++) {
      assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    }
    assertThat(host.rpciRequests).isEmpty();
    machine.tick();
    assertThat(host.rpciRequests).containsExactly("SetGuestInfo  7 9000");
  }

  @Test
  void aFailedPeriodicUptimeReportSetsTheStickyFlag() {
    machine = Machines.create(TcloMachines.LEGACY, host, TcloOptions.defaults(), rec);
    machine.tick();
    machine.tick();
    for (int i = 0; i < 15; i++) {
      machine.tick();
    }
    rec.clear();
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 1);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines)
        .containsExactly(
            "vmware: open failed, eax=0x564d5868, ecx=0, edx=0x5658",
            "vmt0: rpci channel open failed",
            "vmt0: unable to set guest uptime");
    assertThat(machine.health()).isEqualTo(TcloHealth.RECOVERING);
  }
}
