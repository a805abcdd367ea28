package io.github.vmbackdoor.bench;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 1: one command-port call (GETVERSION) through {@link Backdoor#in} into a {@link
 * VirtualHost}, in process. {@code callLog} is the host's call log: off (limit 0, as a simulation
 * of many VMs runs it) or on (the default limit of 10,000 records).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class CommandPortBenchmark {

  /** The host's call log: {@code off} (limit 0) or {@code on} (the default 10,000). */
  @Param({"off", "on"})
  public String callLog;

  private Backdoor backdoor;
  private Registers getVersion;
  private final MutableRegisters holder = new MutableRegisters();

  /** A host with the call log as {@link #callLog} says. */
  @Setup
  public void setUp() {
    VirtualHostBuilder builder = VirtualHost.builder().seed(1);
    if (callLog.equals("off")) {
      builder.callLogLimit(0);
    }
    backdoor = builder.build().backdoor();
    getVersion =
        Registers.of(
            BackdoorProtocol.MAGIC,
            0,
            BackdoorCommand.GETVERSION.number(),
            BackdoorProtocol.COMMAND_PORT,
            0,
            0);
  }

  /**
   * GETVERSION on a holder ({@link Backdoor#in(MutableRegisters)}), loaded again before each call
   * as a guest does: the call path that allocates nothing.
   */
  @Benchmark
  public int getVersionInPlace() {
    holder.set(
        BackdoorProtocol.MAGIC,
        0,
        BackdoorCommand.GETVERSION.number(),
        BackdoorProtocol.COMMAND_PORT,
        0,
        0,
        0);
    backdoor.in(holder);
    return holder.eax();
  }

  /** GETVERSION: eax = version, ebx = magic, ecx = product type. */
  @Benchmark
  public Registers getVersion() {
    return backdoor.in(getVersion);
  }
}
