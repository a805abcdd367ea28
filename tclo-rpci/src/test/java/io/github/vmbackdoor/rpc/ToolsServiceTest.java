package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ToolsServiceTest {

  private final FakeHost host = new FakeHost();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Recorder rec = new Recorder();
  private final List<GuestOsState> powerCalls = new ArrayList<>();

  private ToolsService.Builder builder() {
    return ToolsService.builder(host)
        .scheduler(scheduler)
        .listener(rec)
        .powerCallback(
            state -> {
              // The state-change RPCI has gone out before the agent hears about it.
              assertThat(host.rpciRequests).endsWith("tools.os.statechange.status 1 " + state.id());
              powerCalls.add(state);
            });
  }

  @Test
  void builtInRepliesUseTheExactWords() {
    ToolsService service = builder().build();
    assertThat(service.dispatch("reset").reply()).isEqualTo("OK ATR toolbox");
    assertThat(service.dispatch("ping").reply()).isEqualTo("OK ");
    assertThat(service.dispatch("Time_Synchronize 1").reply()).isEqualTo("ERROR Unknown command");
    assertThat(service.dispatch("").reply()).isEqualTo("ERROR Bad command");
    assertThat(service.dispatch("   ").reply()).isEqualTo("ERROR Bad command");
  }

  @Test
  void resetReplyIsFollowedByTheUnifiedLoopOnlyAfterItWasSent() {
    TcloResult reset = builder().build().dispatch("reset");
    assertThat(host.rpciRequests).isEmpty();
    reset.afterReply().run();
    assertThat(host.rpciRequests).containsExactly("vmx.capability.unified_loop toolbox");
  }

  @Test
  void powerCommandsReportTheStateChangeCallTheAgentAndReplyOk() {
    ToolsService service = builder().build();
    for (GuestOsState state : GuestOsState.values()) {
      assertThat(service.dispatch(state.command()).reply()).isEqualTo("OK ");
    }
    assertThat(powerCalls).containsExactly(GuestOsState.values());
    assertThat(host.rpciRequests)
        .containsExactly(
            "tools.os.statechange.status 1 1",
            "tools.os.statechange.status 1 2",
            "tools.os.statechange.status 1 3",
            "tools.os.statechange.status 1 4",
            "tools.os.statechange.status 1 5");
  }

  @Test
  void capabilitiesRegisterSendsItsRpcisBeforeReplying() {
    ToolsService service =
        builder().options(TcloOptions.defaults().withUptime(() -> Duration.ofSeconds(42))).build();
    assertThat(service.dispatch("Capabilities_Register").reply()).isEqualTo("OK ");
    assertThat(host.rpciRequests)
        .containsExactly(
            "vmx.capability.unified_loop toolbox",
            "tools.capability.statechange ",
            "tools.set.versiontype 2147483647 4",
            "SetGuestInfo  7 4200");
  }

  @Test
  void setOptionKeepsKnownOptionsAndRefusesOthers() {
    ToolsService service = builder().build();
    assertThat(service.dispatch("Set_Option synctime 1").reply()).isEqualTo("OK ");
    assertThat(service.dispatch("Set_Option bogus 1").reply())
        .isEqualTo("ERROR Unknown or invalid option");
    assertThat(service.dispatch("Set_Option synctime").reply())
        .isEqualTo("ERROR Unknown or invalid option");
    assertThat(service.hostOptions()).containsExactly(java.util.Map.entry("synctime", "1"));
  }

  @Test
  void userHandlersGetTheArgumentsWithTheLeadingSpaceAndTakePrecedence() {
    List<String> seen = new ArrayList<>();
    ToolsService service =
        builder()
            .handler(
                "Echo",
                args -> {
                  seen.add(args);
                  return TcloResult.ok(args.trim());
                })
            .build();
    service.registerHandler("ping", args -> TcloResult.error("busy"));
    assertThat(service.dispatch("Echo a b").reply()).isEqualTo("OK a b");
    assertThat(service.dispatch("Echo").reply()).isEqualTo("OK ");
    assertThat(seen).containsExactly(" a b", "");
    assertThat(service.dispatch("ping").reply()).isEqualTo("ERROR busy");
  }

  @Test
  void runsTheFixedMachineOnTheSchedulerAndStopsCleanly() {
    ToolsService service = builder().build();
    service.start();
    scheduler.advance(Duration.ofSeconds(10));
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox");
    assertThat(host.tcloPings).isBetween(10, 11);
    assertThat(service.isRunning()).isTrue();
    service.stop();
    assertThat(service.isRunning()).isFalse();
    assertThat(host.openChannels(PROTOCOL_TCLO)).isZero();
    assertThat(scheduler.pending()).isZero();
    int pings = host.tcloPings;
    scheduler.advance(Duration.ofSeconds(10));
    assertThat(host.tcloPings).isEqualTo(pings);
    service.stop();
  }

  @Test
  void runsTheLegacyMachineToo() {
    ToolsService service = builder().machine(TcloMachines.LEGACY).build();
    service.start();
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(service.machine().name()).isEqualTo("legacy");
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox");
    service.stop();
    assertThat(host.openChannels(PROTOCOL_TCLO)).isZero();
  }

  @Test
  void aDetachedMachineIsNotScheduledAgain() {
    host.openEdxLow = 0x5658;
    ToolsService service = builder().machine(TcloMachines.LEGACY).build();
    service.start();
    scheduler.advance(Duration.ofMinutes(1));
    assertThat(service.isRunning()).isFalse();
    assertThat(scheduler.pending()).isZero();
    assertThat(scheduler.scheduled).isEqualTo(1);
  }

  @Test
  void aServiceStoppedBeforeItsStartShutsItsMachineDownAndCannotStart() {
    ToolsService service = builder().build();
    assertThat(service.isRunning()).isFalse();
    service.stop();
    assertThat(service.machine().health()).isEqualTo(TcloHealth.STOPPED);
    assertThat(rec.types()).endsWith(TcloEvent.Type.DETACHED);
    assertThatIllegalStateException().isThrownBy(service::start);
    assertThat(scheduler.scheduled).isZero();
    assertThat(service.isRunning()).isFalse();
  }

  @Test
  void aStopFromInsideATickSchedulesNoOtherTick() {
    List<ToolsService> self = new ArrayList<>();
    int[] ticks = {0};
    TcloMachineFactory stopsItself =
        TcloMachineFactory.of(
            "stops-itself",
            context ->
                new TcloStateMachine() {
                  @Override
                  public String name() {
                    return "stops-itself";
                  }

                  @Override
                  public Duration tick() {
                    ticks[0]++;
                    self.get(0).stop();
                    return Duration.ofSeconds(1);
                  }

                  @Override
                  public TcloHealth health() {
                    return TcloHealth.UP; // never says it stopped
                  }

                  @Override
                  public void shutdown() {}
                });
    ToolsService service = builder().machine(stopsItself).build();
    self.add(service);
    service.start();
    scheduler.advance(Duration.ofSeconds(10));
    assertThat(ticks[0]).isEqualTo(1);
    assertThat(service.isRunning()).isFalse();
    assertThat(scheduler.scheduled).isEqualTo(1); // the first tick only
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void listenersCanBeAddedAndRemoved() {
    ToolsService service = builder().build();
    Recorder extra = new Recorder();
    service.addListener(extra);
    service.machine().tick();
    assertThat(extra.events).isNotEmpty();
    service.removeListener(extra);
    int seen = extra.events.size();
    service.machine().tick();
    assertThat(extra.events).hasSize(seen);
    assertThat(rec.events.size()).isGreaterThan(seen);
  }

  /** A builder without the power callback's check of where the status went. */
  private ToolsService.Builder plainBuilder() {
    return ToolsService.builder(host).scheduler(scheduler).listener(rec);
  }

  @Test
  void listenersAddedAfterBuildGetTheMachinesAndTheHandlersLogLinesInOrder() {
    ToolsService service = plainBuilder().build();
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    service.addListener(first);
    service.addListener(second);
    service.removeListener(rec);
    host.failNext(PROTOCOL_TCLO, MESSAGE_OPEN, 0, 2);
    service.machine().tick();
    List<String> machineLines =
        List.of(
            "vmware: open failed, eax=0x564d5868, ecx=0, edx=0x5658",
            "vmt0: unable to reopen TCLO channel");
    assertThat(first.lines).isEqualTo(machineLines);
    assertThat(second.lines).isEqualTo(machineLines);
    assertThat(rec.lines).isEmpty();
    service.removeListener(first);
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 2 * ToolsCommandTable.STATE_CHANGE_ATTEMPTS);
    service.dispatch("OS_PowerOn");
    assertThat(first.lines).isEqualTo(machineLines);
    assertThat(second.lines).endsWith("vmt0: unable to send state change result");
    assertThat(second.types()).contains(TcloEvent.Type.RPCI_FAILED);
  }

  @Test
  void withoutAClientOfTheBuildersTheServiceSendsItsRpcisOnItsBackdoorWithTheDefaults() {
    ToolsService service = plainBuilder().build();
    RpciClient rpci = service.rpci();
    assertThat(rpci.options()).isSameAs(RpciClient.Options.defaults());
    rpci.log("hello");
    service.dispatch("reset").afterReply().run();
    assertThat(host.rpciRequests)
        .containsExactly("log hello", "vmx.capability.unified_loop toolbox");
    assertThat(host.rpciRawRequests.get(1)).endsWith((byte) 0);
  }

  @Test
  void theBuildersClientCarriesEveryBuiltInRpci() {
    FakeHost elsewhere = new FakeHost();
    RpciClient given =
        RpciClient.create(elsewhere, RpciClient.Options.defaults().withTrailingNul(false));
    ToolsService service = plainBuilder().rpci(given).handler("Echo", TcloResult::ok).build();
    service.registerHandler("Other", TcloResult::ok);
    assertThat(service.dispatch("Set_Option synctime 1").reply()).isEqualTo("OK ");
    assertThat(service.rpci()).isSameAs(given);
    service.dispatch("reset").afterReply().run();
    service.dispatch("OS_Halt");
    assertThat(host.rpciRequests).isEmpty();
    assertThat(elsewhere.rpciRequests)
        .containsExactly("vmx.capability.unified_loop toolbox", "tools.os.statechange.status 1 1");
    assertThat(elsewhere.rpciRawRequests.get(0)).doesNotContain((byte) 0);
  }

  @Test
  void executorAdapterSchedulesAndCancels() {
    ScheduledExecutorService executor = mock(ScheduledExecutorService.class);
    ScheduledFuture<?> future = mock(ScheduledFuture.class);
    doReturn(future)
        .when(executor)
        .schedule(any(Runnable.class), eq(1_500_000_000L), eq(TimeUnit.NANOSECONDS));
    Runnable task = () -> {};
    Cancellable handle = TickScheduler.of(executor).schedule(Duration.ofMillis(1500), task);
    verify(executor).schedule(task, 1_500_000_000L, TimeUnit.NANOSECONDS);
    handle.cancel();
    verify(future).cancel(false);
  }
}
