package io.github.vmbackdoor.bench;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.rpc.TcloHealth;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloMachineContext;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TcloResult;
import io.github.vmbackdoor.rpc.TcloStateMachine;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 3: one {@link TcloStateMachine#tick()} of the fixed machine on an idle TCLO channel (the
 * host has no command queued): the empty message (ping) and a receive that finds nothing, two
 * command-port calls (SENDSIZE 0, RECVSIZE), against an in-process {@link VirtualHost} with its
 * call log off.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class TickBenchmark {

  private TcloStateMachine machine;

  /** A fixed machine that has opened its channel and polled once. */
  @Setup
  public void setUp() {
    VirtualHost host = VirtualHost.builder().seed(1).callLogLimit(0).historyLimit(0).build();
    machine =
        TcloMachines.FIXED.create(
            new TcloMachineContext(
                host.backdoor(),
                command -> TcloResult.ok(),
                TcloOptions.defaults(),
                new TcloListener() {}));
    machine.tick();
    if (machine.health() != TcloHealth.UP) {
      throw new IllegalStateException("machine not up: " + machine);
    }
  }

  /** One idle poll; the delay until the next. */
  @Benchmark
  public Duration idleTick() {
    return machine.tick();
  }
}
