package io.github.vmbackdoor.hostsim.example;

import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.RpciReply;
import io.github.vmbackdoor.rpc.TcloHealth;
import io.github.vmbackdoor.rpc.TcloMachineContext;
import io.github.vmbackdoor.rpc.TcloMachineFactory;
import io.github.vmbackdoor.rpc.TcloStateMachine;
import java.time.Duration;

/**
 * A TCLO machine of one's own, named {@code echoing}: it opens no TCLO channel, and every ten
 * seconds sends {@code echo tick N} over RPCI and logs the reply. The same class is the factory the
 * service loader makes (no context) and the machine it creates.
 */
public final class EchoingMachine implements TcloMachineFactory, TcloStateMachine {

  private final TcloMachineContext context;
  private int ticks;

  /** The factory. */
  public EchoingMachine() {
    this.context = null;
  }

  private EchoingMachine(TcloMachineContext context) {
    this.context = context;
  }

  @Override
  public String machineName() {
    return "echoing";
  }

  @Override
  public TcloStateMachine create(TcloMachineContext context) {
    return new EchoingMachine(context);
  }

  @Override
  public Duration tick() {
    ticks++;
    try {
      RpciReply reply = RpciClient.create(context.backdoor()).send("echo tick " + ticks);
      context.listener().onLogLine("echoing: " + reply.text());
    } catch (RuntimeException e) {
      context.listener().onLogLine("echoing: failed, " + e.getMessage());
    }
    return Duration.ofSeconds(10);
  }

  @Override
  public TcloHealth health() {
    return TcloHealth.UP;
  }

  @Override
  public void shutdown() {}

  @Override
  public String name() {
    return machineName();
  }
}
