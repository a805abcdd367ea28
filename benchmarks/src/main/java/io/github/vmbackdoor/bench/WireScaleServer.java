package io.github.vmbackdoor.bench;

import com.google.common.base.Ticker;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server half of {@link WireScale}, run in a process of its own: a {@link SimulatorServer} that
 * makes a {@link VirtualHost} (system clock and ticker, as {@code vmbackdoor serve} does; call log
 * off, no history) for every VM name a guest asks for. It prints {@code port N}, then answers each
 * line on standard input: {@code stats} prints {@code stats <connections> <usedHeapAfterGcBytes>
 * <processCpuNanos>}; end of input stops it.
 *
 * <pre>
 * java -cp benchmarks.jar io.github.vmbackdoor.bench.WireScaleServer [maxConnections] [ioThreads]
 * </pre>
 */
public final class WireScaleServer {

  private WireScaleServer() {}

  /** Serves until standard input ends; arguments as the class describes. */
  public static void main(String[] args) throws Exception {
    int maxConnections = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int ioThreads = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    ConcurrentHashMap<String, Backdoor> vms = new ConcurrentHashMap<>();
    AtomicLong seeds = new AtomicLong();
    try (SimulatorServer server =
        SimulatorServer.builder(
                name ->
                    vms.computeIfAbsent(
                        name,
                        n ->
                            VirtualHost.builder()
                                .seed(seeds.incrementAndGet())
                                .hostClock(Clock.systemUTC())
                                .ticker(Ticker.systemTicker())
                                .callLogLimit(0)
                                .historyLimit(0)
                                .build()
                                .backdoor()))
            .maxConnections(maxConnections)
            .ioThreads(ioThreads)
            .start()) {
      System.out.println("port " + server.port());
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.equals("stats")) {
          for (int i = 0; i < 3; i++) {
            System.gc();
          }
          long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          long cpu =
              ((com.sun.management.OperatingSystemMXBean)
                      ManagementFactory.getOperatingSystemMXBean())
                  .getProcessCpuTime();
          System.out.println("stats " + server.connectionCount() + " " + heap + " " + cpu);
          System.out.flush();
        }
      }
    }
  }
}
