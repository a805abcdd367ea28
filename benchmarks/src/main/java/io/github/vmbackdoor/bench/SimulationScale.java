package io.github.vmbackdoor.bench;

import io.github.vmbackdoor.hostsim.Invalidation;
import io.github.vmbackdoor.hostsim.Simulation;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TickScheduler;
import io.github.vmbackdoor.rpc.ToolsService;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Figure 4: many VMs, each a {@link VirtualHost} with a guest {@link ToolsService} running the
 * fixed machine (1 s idle poll), for a span of virtual time, with random host events: host resets,
 * checkpoints and invalidations of the TCLO channel (host-closed or cookies invalidated), each kind
 * at exponential intervals of {@code meanEventGap} on average per VM.
 *
 * <p>The VMs are split into one shard per thread; each shard is a {@link Simulation} of its own
 * (virtual time is per shard; shards share nothing), run on its own thread. Hosts run with the call
 * log off and no history kept (limit 0), as a simulation of this size would; the guests' events are
 * counted, not stored.
 *
 * <p>Prints: the heap per idle VM (used heap after a full GC with every VM polling, minus the used
 * heap before any VM was built, divided by the VM count), the wall time of the run, the ticks and
 * calls made, the host events and the guest events by type.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.vmbackdoor.bench.SimulationScale \
 *     [vms=10000] [threads=2] [virtualSeconds=3600] [meanEventGapSeconds=1200]
 * </pre>
 */
public final class SimulationScale {

  private SimulationScale() {}

  /** One shard: a simulation and its VMs. */
  static final class Shard {
    final Simulation sim;
    final List<VirtualHost> hosts = new ArrayList<>();
    final long[] events = new long[TcloEvent.Type.values().length];
    long hostEvents;

    Shard(long seed) {
      sim = Simulation.create(seed);
    }

    void add(Duration meanEventGap) {
      VirtualHost host =
          VirtualHost.builder()
              .simulation(sim)
              .seed(sim.random().nextLong())
              .callLogLimit(0)
              .historyLimit(0)
              .build();
      hosts.add(host);
      TickScheduler scheduler = (delay, task) -> sim.schedule(delay, task)::cancel;
      ToolsService service =
          ToolsService.builder(host.backdoor())
              .scheduler(scheduler)
              .options(TcloOptions.defaults().withUptime(sim::elapsed))
              .listener(
                  new TcloListener() {
                    @Override
                    public void onEvent(TcloEvent event) {
                      events[event.type().ordinal()]++;
                    }
                  })
              .build();
      // Spread the first polls over the first second, as guests that booted apart would.
      sim.schedule(Duration.ofNanos(sim.random().nextLong(1_000_000_000L)), service::start);
      SplittableRandom random = sim.random().split();
      scheduleRandom(random, meanEventGap, () -> host.hostReset());
      scheduleRandom(random, meanEventGap, host::checkpoint);
      scheduleRandom(
          random,
          meanEventGap,
          () ->
              host.activeTcloChannel()
                  .ifPresent(
                      id ->
                          host.invalidateChannel(
                              id,
                              random.nextBoolean()
                                  ? Invalidation.HOST_CLOSED
                                  : Invalidation.COOKIES_INVALID)));
    }

    /** Runs {@code event} again and again, at exponentially distributed gaps. */
    private void scheduleRandom(SplittableRandom random, Duration mean, Runnable event) {
      double gap = -Math.log(1.0 - random.nextDouble()) * mean.toNanos();
      sim.schedule(
          Duration.ofNanos((long) gap),
          () -> {
            hostEvents++;
            event.run();
            scheduleRandom(random, mean, event);
          });
    }

    long calls() {
      long n = 0;
      for (VirtualHost h : hosts) {
        n += h.callCount();
      }
      return n;
    }
  }

  /** Runs the simulation; arguments as the class describes. */
  public static void main(String[] args) throws Exception {
    int vms = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    Duration span = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 3600);
    Duration meanGap = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 1200);
    System.out.printf(
        "%d VMs, %d threads, %s virtual, host events every %s per kind per VM"
            + " (mean); JDK %s, %d processors%n",
        vms, threads, span, meanGap, Runtime.version(), Runtime.getRuntime().availableProcessors());

    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long heapBefore = usedHeapAfterGc(memory);
    long setupStart = System.nanoTime();
    List<Shard> shards = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Shard shard = new Shard(1000 + t);
      int mine = vms / threads + (t < vms % threads ? 1 : 0);
      for (int i = 0; i < mine; i++) {
        shard.add(meanGap);
      }
      shards.add(shard);
    }
    long setupNanos = System.nanoTime() - setupStart;

    ExecutorService pool = Executors.newFixedThreadPool(threads);
    // Two virtual seconds: every VM has opened its channel and polls; then measure idle heap.
    runAll(pool, shards, Duration.ofSeconds(2));
    long heapIdle = usedHeapAfterGc(memory);
    double perVm = (heapIdle - heapBefore) / (double) vms;

    long callsBefore = shards.stream().mapToLong(Shard::calls).sum();
    long eventsBefore = shards.stream().mapToLong(s -> s.sim.eventsRun()).sum();
    long start = System.nanoTime();
    runAll(pool, shards, span.minusSeconds(2));
    long wallNanos = System.nanoTime() - start;
    pool.shutdown();

    long calls = shards.stream().mapToLong(Shard::calls).sum() - callsBefore;
    long simEvents = shards.stream().mapToLong(s -> s.sim.eventsRun()).sum() - eventsBefore;
    long hostEvents = shards.stream().mapToLong(s -> s.hostEvents).sum();
    Map<TcloEvent.Type, Long> byType = new EnumMap<>(TcloEvent.Type.class);
    for (TcloEvent.Type type : TcloEvent.Type.values()) {
      long n = shards.stream().mapToLong(s -> s.events[type.ordinal()]).sum();
      if (n > 0) {
        byType.put(type, n);
      }
    }
    long heapEnd = usedHeapAfterGc(memory);
    System.out.printf("setup: %.2f s for %d VMs%n", setupNanos / 1e9, vms);
    System.out.printf(
        "heap per idle VM: %.0f bytes (used heap %.1f MiB before, %.1f MiB with"
            + " all VMs polling, %.1f MiB at the end)%n",
        perVm, heapBefore / 1048576.0, heapIdle / 1048576.0, heapEnd / 1048576.0);
    System.out.printf(
        "run: %.2f s wall for %s virtual (the last %s of it)%n",
        wallNanos / 1e9, span, span.minusSeconds(2));
    System.out.printf(
        "simulation events: %d (%.0f ns each), backdoor calls: %d (%.0f ns each),"
            + " host events: %d%n",
        simEvents,
        wallNanos * threads / (double) simEvents,
        calls,
        wallNanos * threads / (double) calls,
        hostEvents);
    System.out.println("guest events: " + byType);
  }

  private static void runAll(ExecutorService pool, List<Shard> shards, Duration span)
      throws Exception {
    List<Future<Integer>> done = new ArrayList<>();
    for (Shard s : shards) {
      done.add(pool.submit(() -> s.sim.runFor(span)));
    }
    for (Future<Integer> f : done) {
      f.get();
    }
  }

  private static long usedHeapAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
