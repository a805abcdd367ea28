package io.github.vmbackdoor.hostsim.cli;

import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.hostsim.admin.AdminServer;
import io.github.vmbackdoor.hostsim.admin.AdminToken;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import io.github.vmbackdoor.hostsim.settings.HostSetting;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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

  @Mixin private ServerOptions server;

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
          "A properties file (- for standard input) of VM identities and host policies, one key per setting: "
              + "vm.<name>.<setting>=<value>. Each VM it names is served too. See the settings "
              + "below.")
  private Path vmConfig;

  @Option(
      names = "--scenario",
      paramLabel = "FILE",
      description =
          "A scenario file (docs/scenario-format.md; - for standard input; builtin:NAME for a"
              + " built-in one) whose timeline of host events and faults every VM plays in real time from the start. Its host settings and seed are every "
              + "VM's; --vm-config settings and --seed override them.")
  private Path scenarioFile;

  @Mixin private AllowLargeOption large;

  @Option(
      names = "--channels-per-connection",
      paramLabel = "N",
      defaultValue = "32",
      description =
          "Most channels one connection may hold open at once; an OPEN beyond it is refused, so"
              + " that one guest process cannot take a VM's whole channel table"
              + " (default: ${DEFAULT-VALUE}).")
  private int channelsPerConnection;

  @Option(
      names = "--close-channels-on-disconnect",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Close the channels a connection opened when it disconnects (the default);"
              + " --no-close-channels-on-disconnect keeps them, as a VMware host keeps a dead"
              + " process's channels, until CLOSE or the idle timeout.")
  private boolean closeChannelsOnDisconnect;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description =
          "Seed of the VMs' cookies and UUIDs, plus the VM's position (default: the scenario's"
              + " seed for every VM, or 0).")
  private Long seed;

  @Option(
      names = "--admin-port",
      paramLabel = "N",
      description =
          "Also serve the admin API (docs/admin-api.md: host events, guestinfo, calls, reset) on"
              + " this port; 0 picks a free one. Off when not given.")
  private Integer adminPort;

  @Option(
      names = "--admin-bind",
      paramLabel = "ADDR",
      defaultValue = "127.0.0.1",
      description =
          "Address of the admin API (default: ${DEFAULT-VALUE}). Whoever reaches it controls the"
              + " VMs.")
  private InetAddress adminBind;

  @Option(
      names = "--log",
      paramLabel = "FILE",
      description =
          "Write the narration (a line for each guest connecting or leaving, each channel opened"
              + " or closed and by whom, each scenario or admin event, each fault hit, repeats"
              + " folded) to FILE instead of standard error.")
  private Path logFile;

  @Option(
      names = "--quiet",
      description = "No narration (each line is still an SLF4J event, as always).")
  private boolean quiet;

  @Option(
      names = "--json-log",
      description =
          "Narrate in JSON, one object a line: time, vm (when about one), event, message.")
  private boolean jsonLog;

  @Option(
      names = "--admin-token",
      paramLabel = "TOKEN",
      description =
          "The token every admin request carries (Authorization: Bearer TOKEN); 16 to 512"
              + " characters. Default: a random one, printed once and written to the token file.")
  private String adminToken;

  @Option(
      names = "--admin-token-file",
      paramLabel = "FILE",
      description =
          "Where the random admin token is written, readable by you alone, and where ctl reads it"
              + " (default: admin-<port>.token in the hidden project directory of your home,"
              + " docs/admin-api.md); deleted when serve ends.")
  private Path adminTokenFile;

  @Option(
      names = "--admin-allow-origin",
      paramLabel = "ORIGIN",
      description =
          "A web page origin (http://host:port) whose requests the admin API accepts; requests"
              + " with any other Origin header are refused. Repeatable; default: none.")
  private List<String> adminAllowOrigins = new ArrayList<>();

  @Option(
      names = "--record",
      paramLabel = "DIR",
      description =
          "Record each guest connection's calls as a trace, DIR/<vm>-<n>.jsonl"
              + " (docs/trace-format.md), that replay --trace replays with no edits: a new file"
              + " readable by you alone (an existing name is skipped, never overwritten or"
              + " followed); cookies are then derived from a random key the trace keeps.")
  private Path recordDir;

  @Option(
      names = "--store-limit",
      paramLabel = "SIZE",
      defaultValue = "256M",
      description =
          "One bound on what all the VMs' guest stores, histories, call logs and TCLO queues keep"
              + " together, as their byte limits count it (suffix K, M, G; default:"
              + " ${DEFAULT-VALUE}): with N VMs, each VM's byte limits are scaled down to fit SIZE/N"
              + " when they would pass it.")
  private String storeLimit;

  @Option(
      names = "--record-limit",
      paramLabel = "SIZE[,TOTAL]",
      defaultValue = "64M,1G",
      description =
          "Bounds of --record: one trace at most SIZE bytes, all of this serve's at most TOTAL"
              + " (suffix K, M, G: binary; default: ${DEFAULT-VALUE}). A trace that reaches a"
              + " bound stops, with one line on standard error; the guest goes on unrecorded.")
  private String recordLimit;

  /**
   * Where a server listens, as the address it was asked to bind (0.0.0.0, not [::]) and its port.
   */
  private static HostAndPort shown(InetSocketAddress address, InetAddress bind) {
    InetAddress host = bind.isAnyLocalAddress() ? bind : address.getAddress();
    return HostAndPort.fromParts(host.getHostAddress(), address.getPort());
  }

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
        "Exit codes: 1 the server could not start (a file it cannot read included), 2 bad usage (a wrong --vm-config included)."
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

  private TextInput input = new TextInput(() -> System.in);

  private Consumer<InetSocketAddress> listening = address -> {};

  /** Told the server's address once it accepts connections and its banner is printed. */
  void onListening(Consumer<InetSocketAddress> listening) {
    this.listening = listening;
  }

  /** Where {@code -} and files are read from. */
  void input(TextInput input) {
    this.input = input;
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
    server.check(commandLine);
    if (channelsPerConnection < 1) {
      throw new CommandLine.ParameterException(
          commandLine, "--channels-per-connection must be at least 1");
    }
    if (adminPort != null && (adminPort < 0 || adminPort > 65535)) {
      throw new CommandLine.ParameterException(
          commandLine, "--admin-port " + adminPort + " is outside 0..65535");
    }
    ServedFleet.Asked asked =
        new ServedFleet.Asked(
            vmNames, vmConfig, scenarioFile, large, seed, recordDir, recordLimit, storeLimit);
    Optional<ServedFleet> built = ServedFleet.build(commandLine, input, asked);
    if (built.isEmpty()) {
      return Main.EXIT_FAILURE;
    }
    ServedFleet fleet = built.get();
    PrintWriter narrationOut = null;
    if (!quiet) {
      if (logFile == null) {
        narrationOut = commandLine.getErr();
      } else {
        try {
          narrationOut =
              new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8), true);
        } catch (IOException e) {
          commandLine
              .getErr()
              .println(
                  "vmbackdoor serve: cannot write --log " + logFile + ": " + TextInput.reason(e));
          return Main.EXIT_FAILURE;
        }
      }
    }
    Narration narration = new Narration(narrationOut, jsonLog, Clock.systemUTC());
    ServeNarrator narrator = new ServeNarrator(narration);
    fleet.narrate(narrator);
    ConnectionPolicy connections =
        new ConnectionPolicy(channelsPerConnection, closeChannelsOnDisconnect);

    SimulatorServer simulator;
    try {
      simulator = server.server((name, client) -> fleet.connect(name, client, connections)).start();
    } catch (UncheckedIOException e) {
      commandLine.getErr().println("vmbackdoor serve: " + e.getMessage());
      return Main.EXIT_FAILURE;
    }
    AdminServer admin = null;
    Path tokenFile = null;
    if (adminPort != null) {
      try {
        AdminServer.Builder builder =
            AdminServer.builder(fleet.vms()).bindAddress(adminBind).port(adminPort);
        if (adminToken != null) {
          builder.token(adminToken);
        }
        adminAllowOrigins.forEach(builder::allowOrigin);
        admin = builder.start();
      } catch (UncheckedIOException e) {
        simulator.close();
        commandLine.getErr().println("vmbackdoor serve: " + e.getMessage());
        return Main.EXIT_FAILURE;
      }
      if (adminToken == null) {
        tokenFile = adminTokenFile != null ? adminTokenFile : AdminToken.defaultFile(admin.port());
        try {
          AdminToken.write(tokenFile, admin.token());
        } catch (IOException | RuntimeException e) {
          commandLine
              .getErr()
              .println(
                  "vmbackdoor serve: cannot write the admin token to "
                      + tokenFile
                      + " ("
                      + e.getMessage()
                      + "); give ctl --admin-token");
          tokenFile = null;
        }
      }
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
      CountDownLatch banner = new CountDownLatch(1);
      timeline = fleet.play(narrator, banner);
      out.println("listening on " + shown(simulator.address(), server.bind()));
      out.println(
          "serving "
              + (fleet.names().size() == 1 ? "VM " : "VMs ")
              + String.join(", ", fleet.names()));
      if (!server.spinBeforePark().isZero()) {
        out.println(
            "I/O threads poll "
                + server.spinBeforePark().toNanos() / 1000
                + "us after their last request before they sleep");
      }
      Scenario scenario = fleet.scenario();
      if (scenario != null) {
        out.println(
            "playing scenario "
                + scenario.name()
                + " ("
                + scenario.events().size()
                + " events) on every VM");
      }
      if (admin != null) {
        out.println("admin API on " + shown(admin.address(), adminBind));
        if (adminToken == null) {
          out.println(
              "admin token "
                  + admin.token()
                  + (tokenFile != null ? " (in " + tokenFile + ", readable by you alone)" : ""));
        }
      }
      warnBeyondLoopback(
          commandLine.getErr(), simulator.address(), "the wire port: any client there is a guest");
      if (admin != null) {
        warnBeyondLoopback(
            commandLine.getErr(),
            admin.address(),
            "the admin API: any client with the token drives");
      }
      if (recordDir != null) {
        out.println("recording each connection to " + recordDir);
      }
      out.flush();
      banner.countDown();
      listening.accept(simulator.address());
      stop.await();
      return CommandLine.ExitCode.OK;
    } finally {
      if (timeline != null) {
        timeline.shutdownNow();
      }
      if (admin != null) {
        admin.close();
      }
      if (tokenFile != null) {
        AdminToken.forget(tokenFile, admin.token());
      }
      simulator.close();
      narration.close();
      if (narrationOut != null && logFile != null) {
        narrationOut.close();
      }
      closed.countDown();
    }
  }

  /** One warning line when {@code address} is reachable from beyond this machine. */
  private static void warnBeyondLoopback(PrintWriter err, InetSocketAddress address, String what) {
    if (!address.getAddress().isLoopbackAddress()) {
      err.println(
          "vmbackdoor serve: warning: "
              + what
              + " the VMs, and it listens on "
              + HostAndPort.fromParts(address.getAddress().getHostAddress(), address.getPort())
              + ", beyond this machine");
      err.flush();
    }
  }
}
