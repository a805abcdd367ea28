package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FixedTcloMachineTest {

  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  private final FakeHost host = new FakeHost();
  private final Recorder rec = new Recorder();
  private TcloStateMachine machine = machine(TcloOptions.defaults());

  private TcloStateMachine machine(TcloOptions options) {
    ToolsService service =
        ToolsService.builder(host)
            .scheduler(new ManualScheduler())
            .options(options)
            .listener(rec)
            .build();
    return service.machine();
  }

  private void settle() {
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    rec.clear();
  }

  @Test
  void opensSendsTheEmptyMessageFirstAndAnswersResetOnlyWhenAsked() {
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(host.tcloOpens).isEqualTo(1);
    assertThat(host.tcloPings).isEqualTo(1);
    assertThat(host.tcloReplies).isEmpty();
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox");
    assertThat(host.unsolicitedReplies).isEmpty();
    assertThat(host.rpciRequests).containsExactly("vmx.capability.unified_loop toolbox");
    assertThat(machine.health()).isEqualTo(TcloHealth.UP);
    assertThat(rec.lines).isEmpty();
  }

  @Test
  void anyFailureResetsForgetsTheChannelEvenWhenTheCloseFailsAndReopensAfterOneSecond() {
    settle();
    host.kill(PROTOCOL_TCLO);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines)
        .containsExactly(
            "vmware: sending length failed, eax=0x564d5868, ecx=0",
            "vmt0: failed to send TCLO outgoing ping",
            "vmt0: resetting rpc",
            "vmware: close failed, eax=0x564d5868, ecx=0");
    assertThat(rec.count(Type.CLOSE_FAILED)).isEqualTo(1);
    assertThat(rec.events).contains(TcloEvent.of(Type.RESETTING, "restart 1"));
    assertThat(machine.health()).isEqualTo(TcloHealth.RECOVERING);
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(host.tcloOpens).isEqualTo(2);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox", "OK ATR toolbox");
    assertThat(machine.health()).isEqualTo(TcloHealth.UP);
  }

  @Test
  void neverSendsAResetReplyTheHostDidNotAskFor() {
    host.rejectUnsolicitedReplies = true;
    settle();
    for (int round = 0; round < 5; round++) {
      host.dropChannel(PROTOCOL_TCLO);
      for (int i = 0; i < 4; i++) {
        machine.tick();
      }
    }
    assertThat(host.tcloOpens).isEqualTo(6);
    assertThat(host.unsolicitedReplies).isEmpty();
    assertThat(rec.countLines("vmt0: failed to send reset reply")).isZero();
    assertThat(host.tcloReplies).hasSize(6).containsOnly("OK ATR toolbox");
  }

  @Test
  void failedOpenWaitsFifteenSeconds() {
    host.failNext(PROTOCOL_TCLO, MESSAGE_OPEN, 0, 2);
    assertThat(machine.tick()).isEqualTo(Duration.ofSeconds(15));
    assertThat(rec.lines)
        .containsExactly(
            "vmware: open failed, eax=0x564d5868, ecx=0, edx=0x5658",
            "vmt0: unable to reopen TCLO channel");
    assertThat(machine.health()).isEqualTo(TcloHealth.RECOVERING);
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(machine.health()).isEqualTo(TcloHealth.UP);
  }

  @Test
  void opensWithoutCookiesOnAnOldHost() {
    host.cookiesSupported = false;
    settle();
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox");
  }

  @Test
  void checkpointInsideTheStateChangeReplyIsRetriedWithoutAnyError() {
    settle();
    host.tcloCommands.add("OS_Suspend");
    host.failNext(PROTOCOL_RPCI, FakeHost.HB_IN, FakeHost.CPT, 1);
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(host.rpciRequests).endsWith("tools.os.statechange.status 1 5");
    assertThat(host.tcloReplies).endsWith("OK ");
    assertThat(rec.lines).isEmpty();
    assertThat(rec.count(Type.RPCI_FAILED)).isZero();
  }

  @Test
  void checkpointOnTheTcloChannelIsRetriedToo() {
    settle();
    host.tcloCommands.add("ping");
    host.failNext(PROTOCOL_TCLO, FakeHost.HB_IN, FakeHost.CPT, 1);
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    machine.tick();
    assertThat(host.tcloReplies).endsWith("OK ");
    assertThat(rec.lines).isEmpty();
  }

  @Test
  void rpciFailureNeverTouchesTheTcloChannel() {
    settle();
    host.tcloCommands.add("OS_PowerOn");
    // Every attempt's open refused, with and without the cookie flag.
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 2 * ToolsCommandTable.STATE_CHANGE_ATTEMPTS);
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines).containsExactly("vmt0: unable to send state change result");
    assertThat(rec.count(Type.RESETTING)).isZero();
    assertThat(host.tcloOpens).isEqualTo(1);
    assertThat(host.tcloReplies).endsWith("OK ");
    assertThat(machine.health()).isEqualTo(TcloHealth.UP);
  }

  @Test
  void aStateChangeStatusRefusedBeforeItArrivedIsSentAgain() {
    settle();
    host.tcloCommands.add("OS_PowerOn");
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 2);
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(rec.lines).isEmpty();
    assertThat(host.rpciRequests)
        .filteredOn(r -> r.startsWith("tools.os.statechange.status"))
        .containsExactly("tools.os.statechange.status 1 3");
    assertThat(rec.count(Type.RPCI_FAILED)).isEqualTo(1);
  }

  @Test
  void countsConsecutiveRestartsAndGivesUpPastTheCapButKeepsTrying() {
    machine =
        machine(TcloOptions.defaults().withRestartCap(2).withGivingUpDelay(Duration.ofMinutes(5)));
    host.failNext(PROTOCOL_TCLO, MESSAGE_OPEN, 0, 6);
    assertThat(machine.tick()).isEqualTo(Duration.ofSeconds(15));
    assertThat(machine.tick()).isEqualTo(Duration.ofSeconds(15));
    assertThat(machine.health()).isEqualTo(TcloHealth.RECOVERING);
    assertThat(machine.tick()).isEqualTo(Duration.ofMinutes(5));
    assertThat(machine.health()).isEqualTo(TcloHealth.GIVING_UP);
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(machine.health()).isEqualTo(TcloHealth.UP);
    assertThat(rec.events).contains(TcloEvent.of(Type.HEALTH_CHANGED, "GIVING_UP"));
  }

  @Test
  void aGoodPollStartsTheRestartCountAfresh() {
    machine =
        machine(TcloOptions.defaults().withRestartCap(2).withGivingUpDelay(Duration.ofMinutes(5)));
    host.failNext(PROTOCOL_TCLO, MESSAGE_OPEN, 0, 4); // two failed opens: cookie, then without
    assertThat(machine.tick()).isEqualTo(Duration.ofSeconds(15));
    assertThat(machine.tick()).isEqualTo(Duration.ofSeconds(15));
    assertThat(((FixedTcloMachine) machine).restarts()).isEqualTo(2);
    settle();
    assertThat(((FixedTcloMachine) machine).restarts()).isZero();

    // Two more failures right after the good poll are again below the cap.
    host.dropChannel(PROTOCOL_TCLO);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.events).contains(TcloEvent.of(Type.RESETTING, "restart 1"));
    host.failNext(PROTOCOL_TCLO, MESSAGE_OPEN, 0, 2);
    assertThat(machine.tick()).isEqualTo(Duration.ofSeconds(15));
    assertThat(machine.health()).isEqualTo(TcloHealth.RECOVERING);
    assertThat(((FixedTcloMachine) machine).restarts()).isEqualTo(2);
    assertThat(rec.events).doesNotContain(TcloEvent.of(Type.HEALTH_CHANGED, "GIVING_UP"));
  }

  @Test
  void idlePollsCanBackOffLikeOpenVmTools() {
    machine = machine(TcloOptions.defaults().withIdleBackoff(true));
    machine.tick();
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      delays.add(machine.tick().toMillis());
    }
    assertThat(delays).containsExactly(10L, 20L, 40L, 80L, 100L, 100L);
    host.tcloCommands.add("ping");
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(machine.tick()).isEqualTo(Duration.ofMillis(10));
  }

  @Test
  void failedReplyIsWordedAfterItsCommand() {
    settle();
    host.tcloCommands.add("ping");
    machine.tick();
    host.failNext(PROTOCOL_TCLO, MESSAGE_SENDSIZE, 0, 1);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines)
        .containsExactly(
            "vmware: sending length failed, eax=0x564d5868, ecx=0",
            "vmt0: error sending ping response",
            "vmt0: resetting rpc");
  }

  @Test
  void failedReceiveAfterTheLengthIsAFailedGetData() {
    settle();
    host.tcloCommands.add("ping");
    host.failNext(PROTOCOL_TCLO, FakeHost.HB_IN, 0, 1);
    assertThat(machine.tick()).isEqualTo(ONE_SECOND);
    assertThat(rec.lines)
        .containsExactly(
            "vmware: get data failed, ebx=0",
            "vmt0: failed to get incoming TCLO data",
            "vmt0: resetting rpc");
  }

  @Test
  void replyWordsForFailures() {
    assertThat(FixedTcloMachine.replyFailureLine("OS_PowerOn", TcloResult.ok()))
        .isEqualTo("error sending poweron response");
    assertThat(FixedTcloMachine.replyFailureLine("Capabilities_Register", TcloResult.ok()))
        .isEqualTo("error sending capabilities_register response");
    assertThat(FixedTcloMachine.replyFailureLine("foo", TcloResult.error("Unknown command")))
        .isEqualTo("error sending unknown command reply");
  }

  @Test
  void shutdownFlushesThePendingReplyAndCloses() {
    machine.tick();
    machine.shutdown();
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox");
    assertThat(host.openChannels(PROTOCOL_TCLO)).isZero();
    assertThat(machine.health()).isEqualTo(TcloHealth.STOPPED);
    assertThat(machine.tick()).isEqualTo(Duration.ZERO);
    assertThat(host.tcloOpens).isEqualTo(1);
  }
}
