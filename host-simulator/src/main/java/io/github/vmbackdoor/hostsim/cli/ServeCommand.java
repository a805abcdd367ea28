package io.github.vmbackdoor.hostsim.cli;

import com.google.common.base.Ticker;
import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code serve}: runs a simulator server with one emulated VM per {@code --vm} name and per VM of
 * the {@code --vm-config} file ({@link VmConfigFile}), in real time, until the process is stopped
 * (Ctrl-C, SIGTERM) or, in tests, the stop signal is given.
 */
@Command(
    name = "serve",
    description = {
      "Runs a simulator server for guests in other processes.",
      "Guests connect over TCP and talk to emulated VMs in the wire protocol of"
          + " docs/wire-protocol.md. Prints 'listening on HOST:PORT' once it accepts connections,"
          + " then runs until stopped (Ctrl-C)."
    },
    sortOptions = false,
    footer = {
      "",
      "Settings of a VM in a --vm-config file (vm.<name>.<setting>=<value>):",
      "  seed                      integer; default --seed plus the VM's position",
      "  uuid                      UUID that GETUUID returns; default drawn from the seed",
      "  memoryMb, mhz             positive integers; default 4096, 2400",
      "  hardwareVersion           integer; default 19",
      "  productType               esx, workstation or a number; default esx",
      "  machineId                 text that machine.id.get returns; default empty",
      "  channels                  channel table size, 1 to 65536; default 128",
      "  highBandwidth             true or false; default true",
      "  cookies                   true or false (OPEN with cookies accepted); default true",
      "  rejectUnsolicitedReplies  true or false; default false",
      "  idleTimeout               500ms, 30s, 5m, 1h or PT30S; default never",
      "  tcloTakeover              HOST_CLOSED or COOKIES_INVALID; default HOST_CLOSED",
      "  guestinfo.<key>           a guestinfo value the VMX configuration holds",
      "",
      "Exit codes: 1 the server could not start, 2 bad usage (a wrong --vm-config included)."
          + " Stopped by a signal, the process ends as the signal says (130 after Ctrl-C, 143"
          + " after SIGTERM)."
    })
final class ServeCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  private boolean help;

  @Option(
      names = "--port",
      paramLabel = "N",
      defaultValue = "0",
      description = "TCP port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  private int port;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      defaultValue = "127.0.0.1",
      description =
          "Address to listen on (default: ${DEFAULT-VALUE}). Any other address exposes the "
              + "simulator to whoever can reach it.")
  private InetAddress bind;

  @Option(
      names = "--vm",
      paramLabel = "NAME",
      split = ",",
      description =
          "Names of the VMs to serve, comma-separated or repeated; a guest names its VM when "
              + "it connects (default: vm1 when no --vm-config is given).")
  private List<String> vmNames = new ArrayList<>();

  @Option(
      names = "--vm-config",
      paramLabel = "FILE",
      description =
          "A properties file of VM identities and host policies, one key per setting: "
              + "vm.<name>.<setting>=<value>. Each VM it names is served too. See the settings "
              + "below.")
  private Path vmConfig;

  @Option(
      names = "--scenario",
      paramLabel = "FILE",
      description =
          "A scenario file (docs/scenario-format.md) whose timeline of host events and faults "
              + "every VM plays in real time from the start; its host policies and seed are "
              + "not used (set those with --vm-config).")
  private Path scenarioFile;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      defaultValue = "1024",
      description = "Most guest connections served at once (default: ${DEFAULT-VALUE}).")
  private int maxConnections;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "0",
      description = "Seed of the VMs' cookies and UUIDs (default: ${DEFAULT-VALUE}).")
  private long seed;

  private final CountDownLatch stop;
  private final boolean stopOnShutdown;

  /** A command that runs until the JVM shuts down (Ctrl-C, SIGTERM). */
  ServeCommand() {
    this(new CountDownLatch(1), true);
  }

  /** A command that runs until {@code stop} is counted down. */
  ServeCommand(CountDownLatch stop) {
    this(stop, false);
  }

  private ServeCommand(CountDownLatch stop, boolean stopOnShutdown) {
    this.stop = stop;
    this.stopOnShutdown = stopOnShutdown;
  }

  @Override
  public Integer call() throws InterruptedException {
    CommandLine commandLine = spec.commandLine();
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(
          commandLine, "--port " + port + " is outside 0..65535");
    }
    if (maxConnections < 1) {
      throw new CommandLine.ParameterException(commandLine, "--max-connections must be at least 1");
    }
    Map<String, VmConfigFile.Vm> configured = Map.of();
    if (vmConfig != null) {
      try {
        configured = VmConfigFile.read(vmConfig);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(commandLine, e.getMessage(), e);
      }
    }
    Scenario scenario = null;
    if (scenarioFile != null) {
      try {
        scenario = Scenario.read(scenarioFile);
      } catch (IOException | IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            commandLine, "--scenario " + scenarioFile + ": " + e.getMessage(), e);
      }
    }
    List<String> names = new ArrayList<>(configured.keySet());
    names.addAll(vmNames);
    if (names.isEmpty()) {
      if (vmConfig != null) {
        throw new CommandLine.ParameterException(
            commandLine, "--vm-config " + vmConfig + ": names no VM, and no --vm was given");
      }
      names.add("vm1");
    }
    Map<String, Backdoor> vms = new LinkedHashMap<>();
    List<VirtualHost> hosts = new ArrayList<>();
    for (String name : names) {
      int length = name.getBytes(StandardCharsets.UTF_8).length;
      if (length < 1 || length > 255 || name.codePoints().anyMatch(Character::isISOControl)) {
        throw new CommandLine.ParameterException(
            commandLine,
            "--vm \"" + name + "\": a VM name has 1 to 255 UTF-8 bytes and no control characters");
      }
      if (vms.containsKey(name)) {
        continue;
      }
      VmConfigFile.Vm config = configured.getOrDefault(name, new VmConfigFile.Vm());
      VirtualHost host =
          config.build(
              VirtualHost.builder()
                  .seed(config.seed(seed + vms.size()))
                  .hostClock(Clock.systemUTC())
                  .ticker(Ticker.systemTicker()));
      vms.put(name, host.backdoor());
      hosts.add(host);
    }

    SimulatorServer server;
    try {
      server =
          SimulatorServer.builder(vms::get)
              .bindAddress(bind)
              .port(port)
              .maxConnections(maxConnections)
              .start();
    } catch (UncheckedIOException e) {
      commandLine.getErr().println("vmbackdoor serve: " + e.getMessage());
      return Main.EXIT_FAILURE;
    }
    CountDownLatch closed = new CountDownLatch(1);
    ScheduledExecutorService timeline = null;
    if (stopOnShutdown) {
      Thread hook =
          new Thread(
              () -> {
                stop.countDown();
                try {
                  closed.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "vmbackdoor-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
    }
    try {
      PrintWriter out = commandLine.getOut();
      out.println(
          "listening on "
              + HostAndPort.fromParts(
                  server.address().getAddress().getHostAddress(), server.port()));
      out.println(
          "serving " + (vms.size() == 1 ? "VM " : "VMs ") + String.join(", ", vms.keySet()));
      if (scenario != null) {
        timeline =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "vmbackdoor-scenario");
                  t.setDaemon(true);
                  return t;
                });
        for (VirtualHost host : hosts) {
          ScheduledExecutorService executor = timeline;
          scenario.scheduleTimeline(
              host, (at, action) -> executor.schedule(action, at.toNanos(), TimeUnit.NANOSECONDS));
        }
        out.println(
            "playing scenario "
                + scenario.name()
                + " ("
                + scenario.events().size()
                + " events) on every VM");
      }
      out.flush();
      stop.await();
      return CommandLine.ExitCode.OK;
    } finally {
      if (timeline != null) {
        timeline.shutdownNow();
      }
      server.close();
      closed.countDown();
    }
  }
}
