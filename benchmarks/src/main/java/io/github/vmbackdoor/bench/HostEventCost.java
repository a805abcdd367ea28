package io.github.vmbackdoor.bench;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.hostsim.time.SimulationTickScheduler;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TickScheduler;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What one host event of each kind costs, with the guest's reaction to it: {@link
 * SimulationScale}'s VMs (call log and histories off, single-threaded hosts, the fixed machine
 * polling every second) on one simulation and this thread, each given the same host event at once,
 * then run for {@value #AFTER_SECONDS} virtual seconds, in which every guest has reacted and gone
 * back to polling. The bytes this thread allocated and the CPU time it took over that span, per VM,
 * beside the same span with no event ({@code none}: the polling's own share); a round runs each
 * kind once, and the figures settle once the compiler has (the last rounds are the ones to read).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar host-event-cost [vms=2000] [rounds=20]
 * </pre>
 */
public final class HostEventCost {

  private HostEventCost() {}

  /** The virtual seconds each event is given to be reacted to. */
  static final int AFTER_SECONDS = 20;

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Runs the rounds; arguments as the class describes. */
  public static void main(String[] args) {
    int vms = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    Simulation sim = Simulation.create(7);
    TcloOptions options = TcloOptions.defaults().withUptime(sim::elapsed);
    TickScheduler scheduler = SimulationTickScheduler.of(sim);
    long[] events = new long[TcloEvent.Type.values().length];
    TcloListener listener = FleetVm.counting(events);
    List<VirtualHost> hosts = new ArrayList<>();
    for (int i = 0; i < vms; i++) {
      FleetVm vm = FleetVm.build(sim, scheduler, options, listener);
      hosts.add(vm.host());
      sim.schedule(Duration.ofNanos(sim.random().nextLong(1_000_000_000L)), vm.guest()::start);
    }
    sim.runFor(Duration.ofSeconds(5));
    Map<String, Consumer<VirtualHost>> kinds = new LinkedHashMap<>();
    kinds.put("none", h -> {});
    kinds.put("host reset", VirtualHost::hostReset);
    kinds.put("checkpoint", VirtualHost::checkpoint);
    kinds.put("HOST_CLOSED", h -> FleetVm.invalidateTclo(h, Invalidation.HOST_CLOSED));
    kinds.put("COOKIES_INVALID", h -> FleetVm.invalidateTclo(h, Invalidation.COOKIES_INVALID));
    System.out.printf(
        "%d VMs, each kind of host event given to all at once, then %d virtual seconds;"
            + " per VM: bytes allocated, CPU time; load average %.2f%n",
        vms, AFTER_SECONDS, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    long thread = Thread.currentThread().getId();
    for (int r = 1; r <= rounds; r++) {
      StringBuilder line = new StringBuilder("round " + r + ":");
      for (Map.Entry<String, Consumer<VirtualHost>> kind : kinds.entrySet()) {
        long bytes = THREADS.getThreadAllocatedBytes(thread);
        long cpu = THREADS.getCurrentThreadCpuTime();
        hosts.forEach(kind.getValue());
        sim.runFor(Duration.ofSeconds(AFTER_SECONDS));
        bytes = THREADS.getThreadAllocatedBytes(thread) - bytes;
        cpu = THREADS.getCurrentThreadCpuTime() - cpu;
        line.append(
            String.format(
                " %s %.0f B %.2f us;", kind.getKey(), bytes / (double) vms, cpu / 1e3 / vms));
      }
      System.out.println(line);
    }
    System.out.printf(
        "load average at the end: %.2f%n",
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }
}
