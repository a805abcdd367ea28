package io.github.vmbackdoor.hostsim.cli;

import com.google.common.base.Ticker;
import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.HostSetting;
import io.github.vmbackdoor.hostsim.HostSettings;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.VmName;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    sortOptions = false)
final class ServeCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Mixin private HelpOption help;

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
              + "every VM plays in real time from the start. Its host settings and seed are every "
              + "VM's; --vm-config settings and --seed override them.")
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
      description =
          "Seed of the VMs' cookies and UUIDs, plus the VM's position (default: the scenario's"
              + " seed for every VM, or 0).")
  private Long seed;

  /**
   * The help footer: the settings of a VM in a --vm-config file, from the one table of host
   * settings, and the exit codes.
   */
  static String[] footer() {
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.add("Settings of a VM in a --vm-config file (vm.<name>.<setting>=<value>); all but");
    lines.add("seed and guestinfo are also a scenario's host settings (docs/vm-config.md):");
    VmConfigFile.OWN_SETTINGS.forEach((name, text) -> lines.add(line(name, text)));
    for (HostSetting s : HostSetting.ALL) {
      lines.add(line(s.name(), s.values() + "; default " + s.defaultValue()));
    }
    lines.add("");
    lines.add(
        "Exit codes: 1 the server could not start, 2 bad usage (a wrong --vm-config included)."
            + " Stopped by a signal, the process ends as the signal says (130 after Ctrl-C, 143"
            + " after SIGTERM).");
    return lines.toArray(new String[0]);
  }

  private static String line(String name, String text) {
    return String.format("  %-29s %s", name, text).replace("%", "%%");
  }

  /** {@code serve} as picocli runs it, with the footer of {@link #footer()}. */
  static CommandLine commandLine(ServeCommand serve) {
    CommandLine line = new CommandLine(serve);
    line.getCommandSpec().usageMessage().footer(footer());
    return line;
  }

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
    HostSettings base = scenario != null ? scenario.hostSettings() : HostSettings.DEFAULTS;
    for (String name : names) {
      Optional<String> problem = VmName.problem(name);
      if (problem.isPresent()) {
        throw new CommandLine.ParameterException(commandLine, "--vm: " + problem.get());
      }
      if (vms.containsKey(name)) {
        continue;
      }
      VmConfigFile.Vm config = configured.getOrDefault(name, new VmConfigFile.Vm());
      long fallbackSeed =
          seed != null ? seed + vms.size() : scenario != null ? scenario.seed() : vms.size();
      VirtualHost host =
          config.build(
              VirtualHost.builder()
                  .seed(config.seed(fallbackSeed))
                  .secureCookies()
                  .hostClock(Clock.systemUTC())
                  .ticker(Ticker.systemTicker()),
              base);
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
