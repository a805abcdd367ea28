package io.github.vmbackdoor.hostsim.junit;

import com.google.common.base.Preconditions;
import com.google.common.base.Ticker;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.hostsim.RpciJournal;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.guest.RealGuest;
import io.github.vmbackdoor.hostsim.guest.Trap;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.hostsim.scenario.Extensions;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.hostsim.time.SimulationTickScheduler;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TickScheduler;
import io.github.vmbackdoor.rpc.ToolsService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One test's simulated VM, as {@link VmExtension} gives it to the test: the host, its simulation,
 * the guests connected to it, and the calls a test makes on the host side.
 *
 * <p>Everything here is new for each test and closed after it: the host, the guest connections, the
 * {@link ToolsService} (stopped) and its scheduler.
 *
 * <h2>Time</h2>
 *
 * The host always reads virtual time from {@link #simulation()}. How long {@link #await} and {@link
 * #takeRpciRequest} wait depends on the transport:
 *
 * <ul>
 *   <li>{@link Transport#IN_PROCESS}: the timeout is <em>virtual</em> time. The call runs the
 *       simulation's events (the ticks of the injected ToolsService, host events the test
 *       scheduled) on the calling thread until the condition holds or the simulation has moved on
 *       by the timeout. It takes no real time: with nothing scheduled, virtual time jumps to the
 *       deadline at once.
 *   <li>{@link Transport#TCP}: the timeout is <em>real</em> time. Guests run on their own threads
 *       (the ToolsService on a real scheduler); the call blocks, checking the condition again after
 *       each call the host answers, until it holds or the timeout has passed. The simulation is not
 *       run: host time moves only when the test runs it.
 * </ul>
 */
public final class VmSimulator {

  /** How long the TCP ToolsService waits between polls of an idle TCLO channel. */
  static final Duration TCP_IDLE_DELAY = Duration.ofMillis(20);

  /** How long the TCP ToolsService waits before it reopens a lost TCLO channel. */
  static final Duration TCP_RESTART_DELAY = Duration.ofMillis(50);

  private final VmConfig config;
  private final Simulation simulation;
  private final VirtualHost host;
  private final SharedServer server;
  private final String vmName;
  private final Ticker realTime = Ticker.systemTicker();
  private final long startedNanos = realTime.read();
  private final CallWakeups wakeups = new CallWakeups(realTime);
  private final VmDiary diary = new VmDiary();

  // guarded by this
  private final List<RemoteBackdoor> connections = new ArrayList<>();
  private Backdoor guest;
  private RealGuest realGuest;
  private RpciClient rpci;
  private ToolsService toolsService;
  private ScheduledExecutorService toolsExecutor;
  private boolean closed;

  /** The RPCI requests {@link #takeRpciRequest} takes. */
  private final RpciJournal rpciJournal;

  VmSimulator(VmConfig config, SharedServer server) {
    this.config = config;
    this.simulation = Simulation.create(config.seed());
    VirtualHostBuilder builder =
        Extensions.installed()
            .configure(VirtualHost.builder())
            .simulation(simulation)
            .seed(config.seed())
            .settings(config.host());
    if (server != null) {
      // reachable over TCP: cookies nobody can compute from the seed
      builder.secureCookies();
    }
    config.hostCustomizer().accept(builder);
    this.host = builder.build();
    this.rpciJournal = host.records().rpciJournal();
    config
        .scenario()
        .ifPresent(
            s ->
                s.scheduleTimeline(
                    host,
                    simulation::schedule,
                    (at, event) -> {
                      if (event.event() instanceof HostEvent.InstallFault f) {
                        diary.faultInstalled(f.fault(), f.name());
                      }
                      diary.eventRan("at " + Durations.format(at) + " " + event.action());
                    }));
    this.server = server;
    this.vmName =
        server == null
            ? config.vmName()
            : server.register(config.vmName(), wakeups.notifying(host.backdoor()));
  }

  /** Real time since the VM was made. */
  Duration realTimeElapsed() {
    return Duration.ofNanos(realTime.read() - startedNanos);
  }

  /** What ran on the VM besides the guests' calls: scenario events, fault names, programs. */
  VmDiary diary() {
    return diary;
  }

  /** The seed of the test's simulation and host. */
  long seed() {
    return config.seed();
  }

  /** How the test's guests reach the host. */
  public Transport transport() {
    return config.transport();
  }

  /** The host side of the VM: every host event, policy and introspection call. */
  public VirtualHost host() {
    return host;
  }

  /** The simulation whose virtual time the host reads; seeded with the configured seed. */
  public Simulation simulation() {
    return simulation;
  }

  /** The VM's name on the server; a guest in another process names it when it connects. */
  public String vmName() {
    return vmName;
  }

  /**
   * The server's address, for guests the test starts itself (a C or Go client, a {@link
   * RemoteBackdoor} of its own).
   *
   * @throws IllegalStateException in process, where there is no server
   */
  public InetSocketAddress address() {
    Preconditions.checkState(server != null, "no server: the transport is %s", transport());
    return server.address();
  }

  /**
   * A launcher of unmodified programs (VMware Tools, ...) against this VM, each under the trap
   * (docs/real-guests.md): the {@link RealGuest} parameter. Their calls are this VM's calls, in its
   * call log and in a failed test's diagnosis, with every program that ran.
   *
   * <p>Where this machine cannot trap, a test that takes {@link RealGuest} as a parameter is
   * skipped with the reason ({@link VmExtension} checks before the test runs); with the environment
   * variable {@value Trap#REQUIRED_ENV}{@code =1} it fails instead.
   *
   * @throws IllegalStateException in process (the programs reach the VM over TCP), or where this
   *     machine cannot trap
   */
  public synchronized RealGuest realGuest() {
    checkOpen();
    Preconditions.checkState(
        server != null,
        "RealGuest runs programs in processes of their own: use transport = TCP (the transport is"
            + " %s)",
        transport());
    Optional<String> reason = Trap.unavailableReason();
    if (reason.isPresent()) {
      throw new IllegalStateException(
          "this machine cannot trap: "
              + reason.get()
              + (Trap.required() ? " (" + Trap.REQUIRED_ENV + "=1 requires it)" : ""));
    }
    if (realGuest == null) {
      realGuest = RealGuest.builder(address(), vmName).onEnded(diary::programRan).build();
    }
    return realGuest;
  }

  /**
   * The test's guest: the backdoor injected as a {@link Backdoor} parameter. In process the host's
   * own backdoor; over TCP one connection, opened on first use.
   */
  public synchronized Backdoor guest() {
    checkOpen();
    if (guest == null) {
      guest = server == null ? host.backdoor() : connect();
    }
    return guest;
  }

  /**
   * A further guest: in process the host's backdoor again; over TCP a new connection, as another
   * guest process would open. Closed after the test.
   */
  public synchronized Backdoor newGuest() {
    checkOpen();
    return server == null ? host.backdoor() : connect();
  }

  /** The RPCI client injected as an {@link RpciClient} parameter, on {@link #guest()}. */
  public synchronized RpciClient rpci() {
    if (rpci == null) {
      rpci = RpciClient.create(guest());
    }
    return rpci;
  }

  /**
   * The guest's TCLO service injected as a {@link ToolsService} parameter, started on first use and
   * stopped after the test. It runs the configured machine on a guest of its own (over TCP its own
   * connection, as vmtoolsd is a process of its own) and ticks on the simulation in process, or on
   * a real single-thread scheduler over TCP (there with idle and restart delays of 20 and 50 ms, so
   * a test does not wait a second per command; the vmt machines keep vmt's one-second tick). The
   * builder hook of {@link VmExtension.Builder#configureToolsService} runs last and may change any
   * of this.
   */
  public synchronized ToolsService toolsService() {
    checkOpen();
    if (toolsService == null) {
      Backdoor backdoor = newGuest();
      TickScheduler scheduler;
      TcloOptions options = TcloOptions.defaults();
      if (server == null) {
        scheduler = SimulationTickScheduler.of(simulation);
      } else {
        toolsExecutor =
            Executors.newSingleThreadScheduledExecutor(
                new ThreadFactoryBuilder()
                    .setNameFormat("vmbackdoor-tools-" + vmName)
                    .setDaemon(true)
                    .build());
        scheduler = TickScheduler.of(toolsExecutor);
        options = options.withIdleDelay(TCP_IDLE_DELAY).withRestartDelay(TCP_RESTART_DELAY);
      }
      ToolsService.Builder builder =
          ToolsService.builder(backdoor)
              .scheduler(scheduler)
              .machine(config.machine())
              .options(options);
      config.toolsCustomizer().accept(builder);
      toolsService = builder.build();
      toolsService.start();
    }
    return toolsService;
  }

  // ---- test-side calls ----

  /** Queues a host command for the guest's TCLO channel, behind those already queued. */
  public void enqueueTclo(String command) {
    host.enqueueTclo(command);
    wakeups.signal();
  }

  /**
   * The next RPCI request the host received that this method has not returned yet, waiting for one
   * at most {@code timeout} (virtual time in process, real time over TCP; see the class comment).
   * Requests come in the order the host received them, from its request history (10,000 by
   * default): requests that fell out of it untaken are skipped.
   *
   * @return the request, or empty when none arrived in time
   */
  public Optional<RpciRequest> takeRpciRequest(Duration timeout) {
    Preconditions.checkArgument(!timeout.isNegative(), "negative timeout %s", timeout);
    if (server == null) {
      RpciRequest[] taken = new RpciRequest[1];
      boolean found =
          simulation.runUntil(
              () -> {
                taken[0] = rpciJournal.takeNow().map(RpciJournal.Entry::request).orElse(null);
                return taken[0] != null;
              },
              timeout);
      return found ? Optional.of(taken[0]) : Optional.empty();
    }
    try {
      return rpciJournal.take(timeout).map(RpciJournal.Entry::request);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return rpciJournal.takeNow().map(RpciJournal.Entry::request);
    }
  }

  /**
   * The guestinfo value of a variable, if set. The name is bare ({@code ip}); the full key ({@code
   * guestinfo.ip}) means the same ({@link io.github.vmbackdoor.rpc.GuestInfoKey}).
   */
  public Optional<String> guestInfo(String name) {
    return host.records().guestInfo(name);
  }

  /** Installs a fault on the host (see {@link VirtualHost#installFault}). */
  public void installFault(Fault fault) {
    host.installFault(fault);
  }

  /** A checkpoint (suspend and resume) now; see {@link VirtualHost#checkpoint()}. */
  public void checkpoint() {
    host.checkpoint();
    wakeups.signal();
  }

  /** A host reset now: "reset" goes to the front of the TCLO queue. */
  public void hostReset() {
    host.hostReset();
    wakeups.signal();
  }

  /**
   * Waits until {@code condition} holds, at most {@code timeout}: in process by running the
   * simulation (virtual time), over TCP by blocking (real time); see the class comment.
   *
   * @return whether the condition holds
   */
  public boolean await(BooleanSupplier condition, Duration timeout) {
    Preconditions.checkNotNull(condition, "condition");
    Preconditions.checkArgument(!timeout.isNegative(), "negative timeout %s", timeout);
    if (server == null) {
      return simulation.runUntil(condition, timeout);
    }
    return wakeups.await(condition, timeout);
  }

  @Override
  public String toString() {
    return "VmSimulator{" + transport() + ", vm " + vmName + ", " + host + "}";
  }

  // ---- life cycle ----

  /** Whether the extension has closed this VM (after its test). */
  synchronized boolean isClosed() {
    return closed;
  }

  /**
   * Stops the ToolsService and its scheduler, closes the connections and takes the VM off the
   * server; every step runs even when an earlier one failed. A {@link BackdoorException} while the
   * guest shuts down is ignored (the test may have broken the channel on purpose); any other
   * failure is thrown once everything is closed.
   */
  void close() {
    List<Runnable> steps = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      ToolsService tools = toolsService;
      ScheduledExecutorService executor = toolsExecutor;
      List<RemoteBackdoor> open = new ArrayList<>(connections);
      if (realGuest != null) {
        steps.add(realGuest::close);
      }
      if (tools != null) {
        steps.add(tools::stop);
      }
      if (executor != null) {
        steps.add(
            () -> {
              executor.shutdownNow();
              try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
      }
      for (RemoteBackdoor connection : open) {
        steps.add(connection::close);
      }
      if (server != null) {
        steps.add(() -> server.unregister(vmName));
      }
    }
    RuntimeException failure = null;
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (BackdoorException e) {
        // The guest side breaking while it shuts down says nothing about the test.
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void checkOpen() {
    Preconditions.checkState(!closed, "the test of this VM has ended");
  }

  private RemoteBackdoor connect() {
    RemoteBackdoor connection =
        RemoteBackdoor.connect(server.address(), vmName, RemoteBackdoor.DEFAULT_TIMEOUT);
    connections.add(connection);
    return connection;
  }

  /** Keeps the VM in the test's extension store so JUnit closes it if nothing else did. */
  static final class Resource implements ExtensionContext.Store.CloseableResource {
    final VmSimulator vm;

    Resource(VmSimulator vm) {
      this.vm = vm;
    }

    @Override
    public void close() {
      vm.close();
    }
  }
}
