package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A machine of the user's own, plugged into {@link ToolsService} through a factory. */
class CustomMachineTest {

  /**
   * The smallest useful guest loop: open once, send the last reply (or the empty message), receive,
   * answer from the service's command table, poll again after 2 s.
   */
  static final class EchoMachine implements TcloStateMachine {
    final TcloMachineContext context;
    final List<String> received = new ArrayList<>();
    int ticks;
    boolean stopped;
    private MessageChannel channel;
    private TcloResult pending;

    EchoMachine(TcloMachineContext context) {
      this.context = context;
    }

    @Override
    public Duration tick() {
      ticks++;
      if (channel == null) {
        channel = MessageChannel.open(context.backdoor(), BackdoorProtocol.PROTOCOL_TCLO);
      }
      channel.send(
          pending == null ? new byte[0] : pending.reply().getBytes(StandardCharsets.UTF_8));
      pending = null;
      byte[] message = channel.receive();
      if (message.length == 0) {
        return Duration.ofSeconds(2);
      }
      String command = new String(message, StandardCharsets.UTF_8);
      received.add(command);
      pending = context.commands().dispatch(command);
      context.listener().onEvent(TcloEvent.of(TcloEvent.Type.COMMAND_RECEIVED, command));
      return Duration.ZERO;
    }

    @Override
    public TcloHealth health() {
      return stopped ? TcloHealth.STOPPED : channel == null ? TcloHealth.STARTING : TcloHealth.UP;
    }

    @Override
    public void shutdown() {
      if (channel != null) {
        channel.close();
      }
      stopped = true;
    }

    @Override
    public String name() {
      return "echo";
    }
  }

  private final FakeHost host = new FakeHost();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Recorder rec = new Recorder();
  private final List<GuestOsState> powerCalls = new ArrayList<>();

  @Test
  void aUserMachineRunsInTheServiceAndAnswersFromItsCommandTable() {
    List<EchoMachine> made = new ArrayList<>();
    TcloMachineFactory echo =
        TcloMachineFactory.of(
            "echo",
            context -> {
              EchoMachine m = new EchoMachine(context);
              made.add(m);
              return m;
            });
    ToolsService service =
        ToolsService.builder(host)
            .scheduler(scheduler)
            .machine(echo)
            .listener(rec)
            .powerCallback(powerCalls::add)
            .handler("Echo", arguments -> TcloResult.ok(arguments.trim()))
            .build();
    assertThat(made).hasSize(1);
    EchoMachine machine = made.get(0);
    assertThat(service.machine()).isSameAs(machine);
    assertThat(echo.machineName()).isEqualTo("echo");

    host.tcloCommands.add("OS_PowerOn");
    host.tcloCommands.add("Echo hello");
    service.start();
    scheduler.advance(Duration.ofSeconds(5));

    // reset (sent by the host on a new channel), the two commands, then idle polls every 2 s.
    assertThat(machine.received).containsExactly("reset", "OS_PowerOn", "Echo hello");
    assertThat(machine.ticks).isEqualTo(6);
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox", "OK ", "OK hello");
    assertThat(powerCalls).containsExactly(GuestOsState.POWER_ON);
    assertThat(host.rpciRequests).contains("tools.os.statechange.status 1 3");
    assertThat(rec.count(TcloEvent.Type.COMMAND_RECEIVED)).isEqualTo(3);

    service.stop();
    assertThat(machine.stopped).isTrue();
    assertThat(service.isRunning()).isFalse();
    assertThat(host.openChannels(PROTOCOL_TCLO)).isZero();
  }

  @Test
  void theBuiltInsAreFoundByTheirNames() {
    for (TcloMachines m : TcloMachines.values()) {
      assertThat(TcloMachines.named(m.machineName())).contains(m);
      TcloStateMachine made = Machines.create(m, host, TcloOptions.defaults(), TcloListener.NONE);
      assertThat(made.name()).isEqualTo(m.machineName());
    }
    assertThat(TcloMachines.named("newest")).isEmpty();
    assertThat(TcloMachines.named("FIXED")).isEmpty();
  }
}
