package io.github.vmbackdoor.hostsim.cli;

import com.google.common.base.Ticker;
import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.GuestConnection;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import io.github.vmbackdoor.hostsim.admin.AdminServer;
import io.github.vmbackdoor.hostsim.admin.AdminToken;
import io.github.vmbackdoor.hostsim.admin.ServedVm;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.internal.VmName;
import io.github.vmbackdoor.hostsim.scenario.Extensions;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioLimitException;
import io.github.vmbackdoor.hostsim.scenario.ScenarioLimits;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.settings.HostSetting;
import io.github.vmbackdoor.hostsim.settings.HostSettingLayer;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
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

  /**
   * The limits serve reads its scenario within: the defaults but for the total of events. Serve
   * plays its timeline in real time, arming one occurrence at a time, so a long run costs nothing
   * up front; its length, rate and fault delays stay limited.
   */
  private static final ScenarioLimits SERVED_LIMITS =
      new ScenarioLimits(
          ScenarioLimits.DEFAULTS.length(),
          ScenarioLimits.DEFAULTS.eventsPerSecond(),
          Long.MAX_VALUE,
          ScenarioLimits.DEFAULTS.faultDelay());

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
   * The idle timeout of a served VM whose scenario and vm-config set none. VMware closes channels
   * that have been inactive "for a while" (open-vm-tools lib/rpcOut/rpcout.c) but publishes no
   * figure; five minutes is our choice, long enough for vmtoolsd's periodic RPCI traffic.
   */
  static final Duration SERVED_IDLE_TIMEOUT = Duration.ofMinutes(5);

  /**
   * The settings {@code serve} gives every VM over the library's: {@link #SERVED_IDLE_TIMEOUT} and
   * the tools' conversation on, so a served VM behaves like a VMX with VMware's own tools. A
   * scenario's or vm-config's own value wins, {@code never} and {@code false} included.
   */
  static final HostSettingLayer SERVED =
      HostSettingLayer.NONE
          .with(HostSetting.named("idleTimeout"), Durations.format(SERVED_IDLE_TIMEOUT))
          .with(HostSetting.named("toolsConversation"), "true");

  /** The settings of a VM served with {@code scenario} (or none), before its vm-config's. */
  static HostSettings served(Scenario scenario) {
    return SERVED.then(scenario != null ? scenario.hostLayer() : HostSettingLayer.NONE).settings();
  }

  /**
   * Arms the scenario's timeline on every VM, starting now, all VMs at the same instant; each
   * occurrence is narrated as it fires. The line saying the timeline ended is narrated once it has
   * ended and {@code banner} has been counted down (the start lines come first).
   */
  private static void play(
      Scenario scenario,
      List<VirtualHost> hosts,
      ScheduledExecutorService executor,
      ServeNarrator narrator,
      List<ServeNarrator.Vm> vms,
      List<ConnectionRecorder.Vm> recordings,
      CountDownLatch banner,
      long start) {
    // An occurrence is applied under every host's lock, so that no guest call comes between it and
    // its line in the recordings.
    scenario.playTimeline(
        hosts,
        (at, action) ->
            executor.schedule(
                () -> exclusively(hosts, 0, action),
                start + at.toNanos() - System.nanoTime(),
                TimeUnit.NANOSECONDS),
        (at, event) -> {
          recordings.forEach(r -> r.event(event.event()));
          narrator.scenarioEvent(scenario, at, event, vms);
        },
        () ->
            executor.execute(
                () -> {
                  try {
                    banner.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                  }
                  narrator.timelineEnded(scenario);
                }));
  }

  /** Runs {@code action} holding the locks of {@code hosts} from {@code from} on, in order. */
  private static void exclusively(List<VirtualHost> hosts, int from, Runnable action) {
    if (from == hosts.size()) {
      action.run();
      return;
    }
    hosts
        .get(from)
        .exclusively(
            h -> {
              exclusively(hosts, from + 1, action);
              return null;
            });
  }

  /** One listener that tells two, in order. */
  private static ServedVm.Listener both(ServedVm.Listener first, ServedVm.Listener second) {
    return new ServedVm.Listener() {
      @Override
      public void applied(ServedVm vm, HostEvent event, String by) {
        second.applied(vm, event, by);
        first.applied(vm, event, by);
      }

      @Override
      public void reset(ServedVm vm) {
        second.reset(vm);
        first.reset(vm);
      }
    };
  }

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
    if (vmConfig != null
        && scenarioFile != null
        && TextInput.isStdin(vmConfig)
        && TextInput.isStdin(scenarioFile)) {
      throw new CommandLine.ParameterException(
          commandLine, "only one of --vm-config and --scenario can read standard input (-)");
    }
    Map<String, VmConfigFile.Vm> configured = Map.of();
    Scenario scenario = null;
    Path reading = vmConfig;
    try {
      if (vmConfig != null) {
        configured = VmConfigFile.parse(vmConfig, input.read(vmConfig).joined());
      }
      reading = scenarioFile;
      if (scenarioFile != null) {
        scenario =
            Scenario.parse(input.readScenario(scenarioFile).joined(), large.limits(SERVED_LIMITS));
      }
    } catch (IOException e) {
      commandLine
          .getErr()
          .println("vmbackdoor serve: cannot read " + reading + ": " + TextInput.reason(e));
      return Main.EXIT_FAILURE;
    } catch (IllegalArgumentException e) {
      String reason = e instanceof ScenarioLimitException l ? large.message(l) : e.getMessage();
      String message = reading == vmConfig ? reason : "--scenario " + reading + ": " + reason;
      throw new CommandLine.ParameterException(commandLine, message, e);
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
    if (adminPort != null && (adminPort < 0 || adminPort > 65535)) {
      throw new CommandLine.ParameterException(
          commandLine, "--admin-port " + adminPort + " is outside 0..65535");
    }
    ConnectionRecorder recorder = null;
    // the instant the scenario's timeline counts from, for playing it and for the recordings
    long timelineStart = System.nanoTime();
    if (recordDir != null) {
      try {
        Files.createDirectories(recordDir);
      } catch (IOException e) {
        throw new CommandLine.ParameterException(
            commandLine, "--record " + recordDir + ": cannot create the directory");
      }
      long[] limits = recordLimits(commandLine);
      recorder = new ConnectionRecorder(recordDir, Clock.systemUTC(), limits[0], limits[1]);
    }
    Map<String, UnaryOperator<Backdoor>> vms = new LinkedHashMap<>();
    Map<String, ServedVm> served = new LinkedHashMap<>();
    Map<String, ConnectionRecorder.Vm> recorded = new LinkedHashMap<>();
    HostSettings base = served(scenario);
    int vmCount = new java.util.LinkedHashSet<>(names).size();
    long storeBound = size(commandLine, storeLimit, "--store-limit");
    UnaryOperator<HostSettings> share = StoreShare.of(storeBound, vmCount);
    HostPolicy scaled = share.apply(base).policy();
    if (scaled.historyBytesLimit() < base.policy().historyBytesLimit()) {
      commandLine
          .getErr()
          .println(
              "vmbackdoor serve: "
                  + vmCount
                  + " VMs share the store bound of "
                  + storeBound
                  + " bytes (--store-limit): each keeps histories of at most "
                  + scaled.historyBytesLimit()
                  + " bytes, guest stores of "
                  + scaled.guestStoreBytesLimit()
                  + ", a TCLO queue of "
                  + scaled.tcloQueueBytesLimit());
      commandLine.getErr().flush();
    }
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
      long vmSeed = config.seed(fallbackSeed);
      ConnectionRecorder r = recorder;
      // a recording's cookies come from a key no guest can read or guess, kept in its traces
      long cookieKey = COOKIE_KEYS.nextLong();
      ServedVm vm =
          ServedVm.configurable(
              name,
              changes -> {
                VirtualHostBuilder builder =
                    Extensions.installed()
                        .configure(VirtualHost.builder())
                        .seed(vmSeed)
                        .hostClock(Clock.systemUTC())
                        .ticker(Ticker.systemTicker());
                // Random cookies keep guests from predicting each other's; a recording must
                // replay, so --record derives them from a secret key its traces keep.
                return config.build(
                    r == null ? builder.secureCookies() : builder.cookieKey(cookieKey),
                    base,
                    settings -> share.apply(changes.apply(settings)));
              });
      HostSettings settings = config.settings(base);
      if (r == null) {
        vms.put(name, UnaryOperator.identity());
      } else {
        ConnectionRecorder.Vm recording =
            r.vm(vm, vmSeed, cookieKey, () -> share.apply(vm.changes().apply(settings)));
        recorded.put(name, recording);
        vms.put(name, recording::connection);
      }
      served.put(name, vm);
    }
    List<VirtualHost> hosts = served.values().stream().map(ServedVm::host).toList();
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
    Map<String, ServeNarrator.Vm> narrated = new LinkedHashMap<>();
    served.forEach(
        (name, vm) -> {
          ServeNarrator.Vm said = narrator.vm(vm);
          narrated.put(name, said);
          ConnectionRecorder.Vm recording = recorded.get(name);
          if (recording != null) {
            vm.listener(both(said, recording));
          }
        });
    ConnectionPolicy connections =
        new ConnectionPolicy(channelsPerConnection, closeChannelsOnDisconnect);
    AtomicLong connectionCount = new AtomicLong();
    BiFunction<String, InetSocketAddress, Backdoor> connect =
        (name, client) -> {
          ServedVm vm = served.get(name);
          if (vm == null) {
            return null;
          }
          String label = "connection " + connectionCount.incrementAndGet() + " to " + name;
          GuestConnection connection = vm.connect(label, connections);
          return narrated
              .get(name)
              .connected(label, client, connection, vms.get(name).apply(connection));
        };

    SimulatorServer simulator;
    try {
      simulator = server.server(connect).start();
    } catch (UncheckedIOException e) {
      commandLine.getErr().println("vmbackdoor serve: " + e.getMessage());
      return Main.EXIT_FAILURE;
    }
    AdminServer admin = null;
    Path tokenFile = null;
    if (adminPort != null) {
      try {
        AdminServer.Builder builder =
            AdminServer.builder(served.values()).bindAddress(adminBind).port(adminPort);
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
      if (scenario != null) {
        timeline =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "vmbackdoor-scenario");
                  t.setDaemon(true);
                  return t;
                });
        play(
            scenario,
            hosts,
            timeline,
            narrator,
            List.copyOf(narrated.values()),
            List.copyOf(recorded.values()),
            banner,
            timelineStart);
      }
      out.println("listening on " + shown(simulator.address(), server.bind()));
      out.println(
          "serving " + (vms.size() == 1 ? "VM " : "VMs ") + String.join(", ", vms.keySet()));
      if (!server.spinBeforePark().isZero()) {
        out.println(
            "I/O threads poll "
                + server.spinBeforePark().toNanos() / 1000
                + "us after their last request before they sleep");
      }
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

  private static final java.security.SecureRandom COOKIE_KEYS = new java.security.SecureRandom();

  /** --record-limit SIZE[,TOTAL] as bytes. */
  private long[] recordLimits(CommandLine commandLine) {
    String[] parts = recordLimit.split(",", -1);
    if (parts.length > 2) {
      throw new CommandLine.ParameterException(
          commandLine, "--record-limit is SIZE or SIZE,TOTAL, not '" + recordLimit + "'");
    }
    long one = size(commandLine, parts[0], "--record-limit");
    long total =
        parts.length == 2 ? size(commandLine, parts[1], "--record-limit") : Math.max(one, 1L << 30);
    if (total < one) {
      throw new CommandLine.ParameterException(
          commandLine, "--record-limit: TOTAL " + parts[1] + " is less than SIZE " + parts[0]);
    }
    return new long[] {one, total};
  }

  private static long size(CommandLine commandLine, String text, String option) {
    String t = text.strip().toUpperCase(java.util.Locale.ROOT);
    long unit = 1;
    if (t.endsWith("K") || t.endsWith("M") || t.endsWith("G")) {
      unit = t.endsWith("K") ? 1L << 10 : t.endsWith("M") ? 1L << 20 : 1L << 30;
      t = t.substring(0, t.length() - 1);
    }
    try {
      long n = Long.parseLong(t);
      if (n >= 1 && n <= (1L << 50) / unit && n * unit >= 1024) {
        return n * unit;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new CommandLine.ParameterException(
        commandLine, option + ": '" + text + "' is not a size of 1K to 1P (512K, 64M, 2G)");
  }
}
