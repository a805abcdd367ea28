package io.github.vmbackdoor.bench;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.hostsim.time.SimulationTickScheduler;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TickScheduler;
import io.github.vmbackdoor.rpc.ToolsService;
import java.lang.management.GarbageCollectorMXBean;
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
 * (virtual time is per shard; shards share nothing), run on its own thread. Each VM runs in a
 * {@linkplain Simulation#newLane() lane} of its shard, a window of {@code laneWindowSeconds} at a
 * time (0: no lanes, every VM on one shared timeline, for comparison); its host events are drawn in
 * its own lane. Hosts run with the call log off and no history kept (limit 0), as a simulation of
 * this size would, and single-threaded (each VM is driven by its shard's thread alone, so its calls
 * take no lock); the guests' events are counted, not stored.
 *
 * <p>Prints: the heap per idle VM (used heap after a full GC with every VM polling, minus the used
 * heap before any VM was built, divided by the VM count; measured before the host events start, so
 * it is the simulator's own objects, not the benchmark's timers), the wall time of the run, the
 * ticks and calls made, the bytes allocated per call, per simulation event and per host event (what
 * the span allocated over the host events it ran: the steady state allocates nothing), the
 * collector's count and time during the run, the host events, the guest events by type, and the
 * load average before and after.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.vmbackdoor.bench.SimulationScale \
 *     [vms=10000] [threads=2] [virtualSeconds=3600] [meanEventGapSeconds=1200] [laneWindowSeconds=60]
 * </pre>
 */
public final class SimulationScale {

  private SimulationScale() {}

  /** The shorter of the two steady-state runs (the longer is three times it). */
  static final Duration STEADY = Duration.ofSeconds(10);

  private static final java.lang.management.ThreadMXBean THREADS =
      ManagementFactory.getThreadMXBean();

  /** One shard: a simulation and its VMs. */
  static final class Shard {
    final Simulation sim;
    final List<VirtualHost> hosts = new ArrayList<>();
    final long[] events = new long[TcloEvent.Type.values().length];
    long hostEvents;

    /** One options value for the shard's guests: they all read the shard's virtual uptime. */
    final TcloOptions options;

    /** The shard's scheduler and event counter, shared by its guests likewise. */
    final TickScheduler scheduler;

    final TcloListener listener;

    /** Whether each VM gets a lane of its own (VM i of the shard in lane i + 1). */
    final boolean lanes;

    Shard(long seed, Duration laneWindow) {
      sim = Simulation.create(seed);
      lanes = !laneWindow.isZero();
      if (lanes) {
        sim.laneWindow(laneWindow);
      }
      options = TcloOptions.defaults().withUptime(sim::elapsed);
      scheduler = SimulationTickScheduler.of(sim);
      listener = FleetVm.counting(events);
    }

    void add() {
      FleetVm vm = FleetVm.build(sim, scheduler, options, listener);
      hosts.add(vm.host());
      // Spread the first polls over the first second, as guests that booted apart would.
      Duration firstPoll = Duration.ofNanos(sim.random().nextLong(1_000_000_000L));
      if (lanes) {
        sim.newLane().schedule(firstPoll, vm.guest()::start);
      } else {
        sim.schedule(firstPoll, vm.guest()::start);
      }
    }

    /** Starts every VM's host events, each VM's in its own lane. */
    void startHostEvents(Duration meanEventGap) {
      for (int i = 0; i < hosts.size(); i++) {
        HostEvents events = new HostEvents(hosts.get(i), meanEventGap.toNanos() / 3.0);
        if (lanes) {
          sim.lane(i + 1).schedule(Duration.ZERO, events::scheduleNext);
        } else {
          events.scheduleNext();
        }
      }
    }

    /**
     * One VM's host events: three kinds, each at exponential gaps of the mean, drawn as one stream
     * at three times the rate with the kind chosen at random (the same process: the union of
     * independent Poisson streams), so a VM has one pending host event instead of three.
     */
    private final class HostEvents implements Runnable {
      private final VirtualHost host;
      private final double meanNanos;

      HostEvents(VirtualHost host, double meanNanos) {
        this.host = host;
        this.meanNanos = meanNanos;
      }

      /** The pending event, reused for the next one when this runs from it. */
      private Simulation.Scheduled pending;

      void scheduleNext() {
        double gap = -Math.log(1.0 - sim.random().nextDouble()) * meanNanos;
        pending = sim.reschedule(pending, Duration.ofNanos((long) gap), this);
      }

      @Override
      public void run() {
        hostEvents++;
        SplittableRandom random = sim.random();
        switch (random.nextInt(3)) {
          case 0 -> host.hostReset();
          case 1 -> host.checkpoint();
          default ->
              host.records()
                  .activeTcloChannel()
                  .ifPresent(
                      id ->
                          host.invalidateChannel(
                              id,
                              random.nextBoolean()
                                  ? Invalidation.HOST_CLOSED
                                  : Invalidation.COOKIES_INVALID));
        }
        scheduleNext();
      }
    }

    long calls() {
      long n = 0;
      for (VirtualHost h : hosts) {
        n += h.records().callCount();
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
    Duration laneWindow = Duration.ofSeconds(args.length > 4 ? Long.parseLong(args[4]) : 60);
    System.out.printf(
        "%d VMs, %d threads, %s virtual, host events every %s per kind per VM"
            + " (mean), %s; JDK %s, %d processors, max heap %.0f MiB; load average %.2f%n",
        vms,
        threads,
        span,
        meanGap,
        laneWindow.isZero() ? "one shared timeline" : "a lane per VM, window " + laneWindow,
        Runtime.version(),
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() / 1048576.0,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    // The JVM's options (the heap, and whether it asked for transparent huge pages) decide what a
    // figure at a million VMs means: said with it.
    System.out.println(
        "JVM options: "
            + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));

    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long heapBefore = usedHeapAfterGc(memory);
    long setupStart = System.nanoTime();
    List<Shard> shards = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Shard shard = new Shard(1000 + t, laneWindow);
      int mine = vms / threads + (t < vms % threads ? 1 : 0);
      for (int i = 0; i < mine; i++) {
        shard.add();
      }
      shards.add(shard);
    }
    long setupNanos = System.nanoTime() - setupStart;

    ExecutorService pool = Executors.newFixedThreadPool(threads);
    // Two virtual seconds: every VM has opened its channel and polls; then measure idle heap.
    runAll(pool, shards, Duration.ofSeconds(2));
    long heapIdle = usedHeapAfterGc(memory);
    double perVm = (heapIdle - heapBefore) / (double) vms;
    // Said now, while every VM polls (a class histogram taken after this line sees them idle).
    System.out.printf("setup: %.2f s for %d VMs%n", setupNanos / 1e9, vms);
    System.out.printf(
        "heap per idle VM: %.0f bytes (used heap %.1f MiB before, %.1f MiB with"
            + " all VMs polling)%n",
        perVm, heapBefore / 1048576.0, heapIdle / 1048576.0);
    System.out.flush();

    // The steady state: every VM polling, no host event yet. Two runs, of STEADY and three times
    // that: what the longer allocates and takes beyond the shorter is the calls' own, without
    // what each run costs once (the events of its last window set aside, its thread's start).
    Duration steady =
        span.minusSeconds(2).compareTo(STEADY.multipliedBy(4)) < 0
            ? Duration.ZERO
            : STEADY.multipliedBy(4);
    long[] steadyCost = new long[2];
    long steadyCalls = 0;
    if (!steady.isZero()) {
      long c0 = shards.stream().mapToLong(Shard::calls).sum();
      long[] shortRun = runAll(pool, shards, STEADY);
      long c1 = shards.stream().mapToLong(Shard::calls).sum();
      long[] longRun = runAll(pool, shards, STEADY.multipliedBy(3));
      long c2 = shards.stream().mapToLong(Shard::calls).sum();
      steadyCalls = (c2 - c1) - (c1 - c0);
      steadyCost[0] = longRun[0] - shortRun[0];
      steadyCost[1] = longRun[1] - shortRun[1];
    }
    shards.forEach(s -> s.startHostEvents(meanGap));

    long callsBefore = shards.stream().mapToLong(Shard::calls).sum();
    long eventsBefore = shards.stream().mapToLong(s -> s.sim.eventsRun()).sum();
    long[] gcBefore = gcSoFar();
    long start = System.nanoTime();
    long[] cost = runAll(pool, shards, span.minusSeconds(2).minus(steady));
    long allocated = cost[0];
    long wallNanos = System.nanoTime() - start;
    long[] gcAfter = gcSoFar();
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
    System.out.printf("used heap at the end: %.1f MiB%n", heapEnd / 1048576.0);
    System.out.printf(
        "run: %.2f s wall for %s virtual (the last %s of it)%n",
        wallNanos / 1e9, span, span.minusSeconds(2).minus(steady));
    System.out.printf(
        "simulation events: %d (%.0f ns each), backdoor calls: %d (%.0f ns each),"
            + " host events: %d%n",
        simEvents,
        wallNanos * threads / (double) simEvents,
        calls,
        wallNanos * threads / (double) calls,
        hostEvents);
    System.out.printf(
        "allocated: %.2f bytes per backdoor call, %.1f per simulation event, %.0f per host"
            + " event; GC: %d collections, %.2f s (%.0f%% of wall)%n",
        allocated / (double) calls,
        allocated / (double) simEvents,
        allocated / (double) Math.max(1, hostEvents),
        gcAfter[0] - gcBefore[0],
        (gcAfter[1] - gcBefore[1]) / 1e3,
        100.0 * (gcAfter[1] - gcBefore[1]) * 1e6 / wallNanos);
    System.out.printf(
        "CPU: %.0f ns per backdoor call (the shard threads' CPU time / calls), %.2f s in all%n",
        cost[1] / (double) calls, cost[1] / 1e9);
    System.out.printf(
        "steady state (every VM polling, no host event, %s virtual after the first 2 s,"
            + " a run of %s less one of %s): %d calls, allocated %.2f bytes per call"
            + " (%d bytes in all), CPU %.0f ns per call%n",
        steady,
        STEADY.multipliedBy(3),
        STEADY,
        steadyCalls,
        steadyCost[0] / (double) Math.max(1, steadyCalls),
        steadyCost[0],
        steadyCost[1] / (double) Math.max(1, steadyCalls));
    System.out.println("guest events: " + byType);
    System.out.printf(
        "load average at the end: %.2f%n",
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  /**
   * Runs every shard for {@code span}, one per thread; returns the bytes the threads allocated and
   * the CPU time they took, in nanoseconds.
   */
  private static long[] runAll(ExecutorService pool, List<Shard> shards, Duration span)
      throws Exception {
    List<Future<long[]>> done = new ArrayList<>();
    for (Shard s : shards) {
      done.add(
          pool.submit(
              () -> {
                long before = allocatedBytes();
                long cpuBefore = THREADS.getCurrentThreadCpuTime();
                s.sim.runFor(span);
                long cpu = THREADS.getCurrentThreadCpuTime();
                return new long[] {allocatedBytes() - before, cpu - cpuBefore};
              }));
    }
    long[] sum = new long[2];
    for (Future<long[]> f : done) {
      long[] one = f.get();
      sum[0] += one[0];
      sum[1] += one[1];
    }
    return sum;
  }

  /** Bytes the current thread has allocated so far (HotSpot), or 0 where not supported. */
  private static long allocatedBytes() {
    return THREADS instanceof com.sun.management.ThreadMXBean t
        ? t.getThreadAllocatedBytes(Thread.currentThread().getId())
        : 0;
  }

  /** Collections and milliseconds spent in them so far, over all collectors. */
  private static long[] gcSoFar() {
    long[] n = new long[2];
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      n[0] += Math.max(0, gc.getCollectionCount());
      n[1] += Math.max(0, gc.getCollectionTime());
    }
    return n;
  }

  private static long usedHeapAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
