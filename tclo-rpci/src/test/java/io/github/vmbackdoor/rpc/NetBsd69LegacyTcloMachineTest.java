package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The legacy machine with the NetBSD 6-9 flavor (NetBSD vmt.c 1.7.12.2 and 1.7.12.3). */
class NetBsd69LegacyTcloMachineTest {

  private static final Duration ONE_SECOND = Duration.ofSeconds(1);
  private static final Duration ONE_CLOCK_TICK = Duration.ofMillis(10);

  private static final TcloOptions OPTIONS =
      TcloOptions.defaults().withGuestInfoInterval(Duration.ZERO).withFlavor(VmtFlavor.NETBSD_6_9);

  private final FakeHost host = new FakeHost();
  private final Recorder rec = new Recorder();
  private final TcloStateMachine machine = Machines.create(TcloMachines.LEGACY, host, OPTIONS, rec);

  /** Attach, answer the host's first reset (next tick one clock tick later), one idle poll. */
  private void attachAndSettle() {
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(machine.tick()).isEqualTo(ONE_CLOCK_TICK);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox");
    rec.clear();
  }

  @Test
  void registersArePrintedWithEightDigits() {
    attachAndSettle();
    host.dropChannel(PROTOCOL_TCLO);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines)
        .containsExactly(
            "vmware: sending length failed, eax=564d5868, ecx=00000000",
            "vmt0: failed to send TCLO outgoing ping");
  }

  @Test
  void aFailureRightAfterAMessageRepeatsAtEveryClockTick() {
    attachAndSettle();
    host.tcloCommands.add("ping");
    assertThat(machine.tick()).isEqualTo(ONE_CLOCK_TICK);
    rec.clear();
    host.dropChannel(PROTOCOL_TCLO);
    for (int i = 0; i < 100; i++) {
      assertThat(machine.tick()).isEqualTo(ONE_CLOCK_TICK);
    }
    assertThat(rec.countLines("vmware: get length failed, eax=564d5868, ecx=00000000"))
        .isEqualTo(100);
    assertThat(rec.countLines("vmt0: failed to get length of incoming TCLO data")).isEqualTo(100);
    assertThat(rec.lines).hasSize(200);
    assertThat(machine.health()).isEqualTo(TcloHealth.RECOVERING);
  }

  @Test
  void anUnknownCommandIsAnsweredWithoutALine() {
    attachAndSettle();
    host.tcloCommands.add("Time_Synchronize 0");
    assertThat(machine.tick()).isEqualTo(ONE_CLOCK_TICK);
    assertThat(rec.lines).isEmpty();
    assertThat(host.tcloReplies).endsWith("ERROR Unknown command");
  }

  @Test
  void resettingReopensOneClockTickLaterAndAFailedReopenWaitsFifteenSeconds() {
    attachAndSettle();
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 1);
    host.tcloCommands.add("OS_PowerOn");
    assertThat(machine.tick()).isEqualTo(ONE_CLOCK_TICK);
    assertThat(rec.lines)
        .containsExactly(
            "vmware: open failed, eax=564d5868, ecx=00000000, edx=00005658",
            "vmt0: rpci channel open failed",
            "vmt0: unable to send state change result");
    rec.clear();
    host.tcloCommands.add("reset");
    assertThat(machine.tick()).isEqualTo(ONE_CLOCK_TICK);
    assertThat(rec.lines).containsExactly("vmt0: resetting rpc");
    assertThat(host.openChannels(PROTOCOL_TCLO)).isZero();

    rec.clear();
    host.failNext(PROTOCOL_TCLO, MESSAGE_OPEN, 0, 1);
    assertThat(machine.tick()).isEqualTo(Duration.ofSeconds(15));
    assertThat(rec.lines)
        .containsExactly(
            "vmware: open failed, eax=564d5868, ecx=00000000, edx=00005658",
            "vmt0: unable to reopen TCLO channel");
    machine.tick();
    assertThat(host.unsolicitedReplies).containsExactly("OK ATR toolbox");
    assertThat(machine.health()).isEqualTo(TcloHealth.UP);
  }
}
