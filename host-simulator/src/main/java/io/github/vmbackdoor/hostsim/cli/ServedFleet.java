package io.github.vmbackdoor.hostsim.cli;

import com.google.common.base.Ticker;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.GuestConnection;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import io.github.vmbackdoor.hostsim.admin.ServedVm;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.internal.VmName;
import io.github.vmbackdoor.hostsim.scenario.Extensions;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioLimitException;
import io.github.vmbackdoor.hostsim.scenario.ScenarioLimits;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.hostsim.settings.HostSetting;
import io.github.vmbackdoor.hostsim.settings.HostSettingLayer;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import picocli.CommandLine;

/**
 * What {@code serve} serves, built from its options ({@link #build}): the vm-config and the
 * scenario read, one {@link ServedVm} a name with serve's settings under the scenario's and its
 * vm-config's, each within its share of the store bound, each connection recorded under {@code
 * --record}; its guests' connections, narrated; and the scenario's timeline, played on all of the
 * VMs at once. {@link ServeCommand} starts the servers in front of it.
 */
final class ServedFleet {

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

  private static final SecureRandom COOKIE_KEYS = new SecureRandom();

  /** What serve's options ask to be served, as its command line gave them (null: not given). */
  record Asked(
      List<String> vmNames,
      Path vmConfig,
      Path scenarioFile,
      AllowLargeOption large,
      Long seed,
      Path recordDir,
      String recordLimit,
      String storeLimit) {}

  /**
   * Reads the vm-config and the scenario {@code asked} names and builds the VMs: those the
   * vm-config names and then those of {@code --vm}, or {@code vm1}. A wrong option or file is a
   * usage error of {@code commandLine}; a file that cannot be read is said on its standard error,
   * and nothing is built.
   */
  static Optional<ServedFleet> build(CommandLine commandLine, TextInput input, Asked asked) {
    Path vmConfig = asked.vmConfig();
    Path scenarioFile = asked.scenarioFile();
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
            Scenario.parse(
                input.readScenario(scenarioFile).joined(), asked.large().limits(SERVED_LIMITS));
      }
    } catch (IOException e) {
      commandLine
          .getErr()
          .println("vmbackdoor serve: cannot read " + reading + ": " + TextInput.reason(e));
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      String reason =
          e instanceof ScenarioLimitException l ? asked.large().message(l) : e.getMessage();
      String message = reading == vmConfig ? reason : "--scenario " + reading + ": " + reason;
      throw new CommandLine.ParameterException(commandLine, message, e);
    }
    List<String> names = new ArrayList<>(configured.keySet());
    names.addAll(asked.vmNames());
    if (names.isEmpty()) {
      if (vmConfig != null) {
        throw new CommandLine.ParameterException(
            commandLine, "--vm-config " + vmConfig + ": names no VM, and no --vm was given");
      }
      names.add("vm1");
    }
    // the instant the scenario's timeline counts from, for playing it and for the recordings
    long timelineStart = System.nanoTime();
    ConnectionRecorder recorder = null;
    Path recordDir = asked.recordDir();
    if (recordDir != null) {
      try {
        Files.createDirectories(recordDir);
      } catch (IOException e) {
        throw new CommandLine.ParameterException(
            commandLine, "--record " + recordDir + ": cannot create the directory");
      }
      long[] limits = recordLimits(commandLine, asked.recordLimit());
      recorder = new ConnectionRecorder(recordDir, Clock.systemUTC(), limits[0], limits[1]);
    }
    UnaryOperator<HostSettings> share =
        storeShare(
            commandLine,
            size(commandLine, asked.storeLimit(), "--store-limit"),
            new LinkedHashSet<>(names).size(),
            served(scenario));
    for (String name : names) {
      Optional<String> problem = VmName.problem(name);
      if (problem.isPresent()) {
        throw new CommandLine.ParameterException(commandLine, "--vm: " + problem.get());
      }
    }
    return Optional.of(
        new ServedFleet(names, configured, scenario, asked.seed(), recorder, share, timelineStart));
  }

  /**
   * Each of {@code vmCount} VMs' share of the store bound; says so on {@code commandLine}'s
   * standard error when it scales the limits of {@code base} down.
   */
  private static UnaryOperator<HostSettings> storeShare(
      CommandLine commandLine, long storeBound, int vmCount, HostSettings base) {
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
    return share;
  }

  /** --record-limit SIZE[,TOTAL] as bytes. */
  private static long[] recordLimits(CommandLine commandLine, String recordLimit) {
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
    String t = text.strip().toUpperCase(Locale.ROOT);
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

  private final Scenario scenario;
  private final long timelineStart;
  private final Map<String, ServedVm> vms = new LinkedHashMap<>();

  /** The VMs' hosts as built, which the scenario plays on. */
  private final List<VirtualHost> hosts;

  /** What each VM's connections go through on their way to the server: a recording, or nothing. */
  private final Map<String, UnaryOperator<Backdoor>> recordings = new LinkedHashMap<>();

  private final Map<String, ConnectionRecorder.Vm> recorded = new LinkedHashMap<>();
  private final Map<String, ServeNarrator.Vm> narrated = new LinkedHashMap<>();
  private final AtomicLong connectionCount = new AtomicLong();

  /**
   * The VMs named {@code names} (each once, in order).
   *
   * @param configured each VM's vm-config, by name; a VM it does not name has the defaults
   * @param scenario the scenario every VM plays, or null
   * @param seed the {@code --seed}, or null: the VMs' seeds are then the scenario's, or their
   *     positions
   * @param recorder where each connection is recorded, or null
   * @param share scales a VM's settings down to its share of the store bound
   * @param timelineStart the instant ({@link System#nanoTime}) the scenario's timeline counts from
   */
  private ServedFleet(
      List<String> names,
      Map<String, VmConfigFile.Vm> configured,
      Scenario scenario,
      Long seed,
      ConnectionRecorder recorder,
      UnaryOperator<HostSettings> share,
      long timelineStart) {
    this.scenario = scenario;
    this.timelineStart = timelineStart;
    HostSettings base = served(scenario);
    for (String name : names) {
      if (vms.containsKey(name)) {
        continue;
      }
      VmConfigFile.Vm config = configured.getOrDefault(name, new VmConfigFile.Vm());
      long fallbackSeed =
          seed != null ? seed + vms.size() : scenario != null ? scenario.seed() : vms.size();
      long vmSeed = config.seed(fallbackSeed);
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
                    recorder == null ? builder.secureCookies() : builder.cookieKey(cookieKey),
                    base,
                    settings -> share.apply(changes.apply(settings)));
              });
      HostSettings settings = config.settings(base);
      if (recorder == null) {
        recordings.put(name, UnaryOperator.identity());
      } else {
        ConnectionRecorder.Vm recording =
            recorder.vm(vm, vmSeed, cookieKey, () -> share.apply(vm.changes().apply(settings)));
        recorded.put(name, recording);
        recordings.put(name, recording::connection);
      }
      vms.put(name, vm);
    }
    hosts = vms.values().stream().map(ServedVm::host).toList();
  }

  /** The scenario every VM plays, or null. */
  Scenario scenario() {
    return scenario;
  }

  /** The names of the VMs, in order. */
  Set<String> names() {
    return vms.keySet();
  }

  /** The VMs, in order. */
  Collection<ServedVm> vms() {
    return vms.values();
  }

  /** Narrates each VM's admin events and connections with {@code narrator}, and records them. */
  void narrate(ServeNarrator narrator) {
    vms.forEach(
        (name, vm) -> {
          ServeNarrator.Vm said = narrator.vm(vm);
          narrated.put(name, said);
          ConnectionRecorder.Vm recording = recorded.get(name);
          if (recording != null) {
            vm.listener(both(said, recording));
          }
        });
  }

  /**
   * A new guest connection from {@code client} to the VM named {@code name}, narrated and recorded
   * ({@link #narrate} first); null when no VM has that name.
   */
  Backdoor connect(String name, InetSocketAddress client, ConnectionPolicy connections) {
    ServedVm vm = vms.get(name);
    if (vm == null) {
      return null;
    }
    String label = "connection " + connectionCount.incrementAndGet() + " to " + name;
    GuestConnection connection = vm.connect(label, connections);
    return narrated
        .get(name)
        .connected(label, client, connection, recordings.get(name).apply(connection));
  }

  /**
   * Arms the scenario's timeline on every VM, counted from the instant the fleet was built, all VMs
   * at the same instant, on a thread of its own; each occurrence is narrated as it fires ({@link
   * #narrate} first). The line saying the timeline ended is narrated once it has ended and {@code
   * banner} has been counted down (the start lines come first).
   *
   * @return the thread's executor, to shut down when serve ends; null without a scenario
   */
  ScheduledExecutorService play(ServeNarrator narrator, CountDownLatch banner) {
    if (scenario == null) {
      return null;
    }
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vmbackdoor-scenario");
              t.setDaemon(true);
              return t;
            });
    List<ServeNarrator.Vm> said = List.copyOf(narrated.values());
    List<ConnectionRecorder.Vm> recordings = List.copyOf(recorded.values());
    // An occurrence is applied under every host's lock, so that no guest call comes between it and
    // its line in the recordings.
    scenario.playTimeline(
        hosts,
        (at, action) ->
            executor.schedule(
                () -> exclusively(hosts, 0, action),
                timelineStart + at.toNanos() - System.nanoTime(),
                TimeUnit.NANOSECONDS),
        (at, event) -> {
          recordings.forEach(r -> r.event(event.event()));
          narrator.scenarioEvent(scenario, at, event, said);
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
    return executor;
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
}
