package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProposedPatchTcloMachineTest {

  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  /** vmt's periodic guest-info RPCIs off, so each test sees only what its TCLO steps do. */
  private static final TcloOptions OPTIONS =
      TcloOptions.defaults().withGuestInfoInterval(Duration.ZERO);

  private final FakeHost host = new FakeHost();
  private final Recorder rec = new Recorder();
  private final TcloStateMachine machine =
      Machines.create(TcloMachines.PROPOSED_PATCH, host, OPTIONS, rec);

  private void attachAndSettle() {
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    rec.clear();
  }

  @Test
  void attachLeavesTheChannelZeroAndTheFirstTickOpensAndPingsWithoutResetReply() {
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(host.tcloOpens).isZero();
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(host.tcloOpens).isEqualTo(1);
    assertThat(host.tcloPings).isEqualTo(1);
    assertThat(host.unsolicitedReplies).isEmpty();
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox");
    assertThat(rec.lines).isEmpty();
  }

  @Test
  void droppedChannelIsClosedAndReopenedWithinTwoTicks() {
    attachAndSettle();
    host.dropChannel(PROTOCOL_TCLO);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines)
        .containsExactly(
            "vmware: sending length failed, eax=0x564d5868, ecx=0",
            "vmt0: failed to send TCLO outgoing ping",
            "vmt0: resetting rpc");
    assertThat(host.openChannels(PROTOCOL_TCLO)).isZero();
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(host.tcloOpens).isEqualTo(2);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(host.unsolicitedReplies).isEmpty();
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox", "OK ATR toolbox");
    assertThat(machine.health()).isEqualTo(TcloHealth.UP);
  }

  @Test
  void refusedCloseLeavesTheDeadChannelAliveAndItIsPingedEverySecond() {
    attachAndSettle();
    host.kill(PROTOCOL_TCLO);
    for (int i = 0; i < 10; i++) {
      assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    }
    assertThat(rec.lines).hasSize(40);
    assertThat(rec.lines.subList(0, 4))
        .containsExactly(
            "vmware: sending length failed, eax=0x564d5868, ecx=0",
            "vmt0: failed to send TCLO outgoing ping",
            "vmt0: resetting rpc",
            "vmware: close failed, eax=0x564d5868, ecx=0");
    assertThat(rec.count(Type.CLOSE_FAILED)).isEqualTo(10);
    assertThat(host.tcloOpens).isEqualTo(1);
    assertThat(machine.health()).isEqualTo(TcloHealth.RECOVERING);
  }

  @Test
  void rpciFailureNowAlsoResetsTheTcloChannel() {
    attachAndSettle();
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 1);
    host.tcloCommands.add("OS_PowerOn");
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines)
        .endsWith("vmt0: unable to send state change result", "vmt0: resetting rpc");
    assertThat(host.openChannels(PROTOCOL_TCLO)).isZero();
    machine.tick();
    assertThat(host.tcloOpens).isEqualTo(2);
    assertThat(host.unsolicitedReplies).isEmpty();
  }

  @Test
  void resetHandlerOnlyReplies() {
    attachAndSettle();
    host.tcloCommands.add("reset");
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox", "OK ATR toolbox");
    assertThat(host.openChannels(PROTOCOL_TCLO)).isEqualTo(1);
  }

  @Test
  void failedOpenWaitsFifteenSeconds() {
    machine.tick();
    host.failNext(PROTOCOL_TCLO, MESSAGE_OPEN, 0, 1);
    assertThat(machine.tick()).isEqualTo(Duration.ofSeconds(15));
    assertThat(rec.lines).endsWith("vmt0: unable to reopen TCLO channel");
  }

  @Test
  void shutdownClosesOnlyWhenAlive() {
    machine.tick();
    machine.shutdown();
    assertThat(host.closes).isEqualTo(2); // the two RPCI transactions only
    assertThat(host.tcloPings).isZero();
    assertThat(machine.health()).isEqualTo(TcloHealth.STOPPED);
  }
}
