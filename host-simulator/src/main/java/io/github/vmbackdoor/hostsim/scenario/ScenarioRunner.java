package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.RecordingBackdoor;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloMachineFactory;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TickScheduler;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs a {@link Scenario} in virtual time: one {@link Simulation} (seeded with the scenario's
 * seed), one {@link VirtualHost} with the scenario's policies, the timeline's host events scheduled
 * on it, and a guest (a {@link ToolsService} running the fixed, legacy or proposed-patch machine,
 * or {@link GuestCode} of the user's) started at time zero. Every log line and event is stamped
 * with virtual time; a run of one virtual hour takes milliseconds.
 *
 * <p>For one-off runs use {@link #run(Scenario, TcloMachineFactory)} or {@link #compare(Scenario)};
 * to look at the host after the run, {@link #prepare} a runner, {@link #run()} it, then inspect
 * {@link #host()}.
 */
public final class ScenarioRunner {

  private final Scenario scenario;
  private final String guestName;
  private final Simulation simulation;
  private final VirtualHost host;
  private final ToolsService service;
  private final List<ScenarioOutcome.TimedLine> lines = new ArrayList<>();
  private final List<ScenarioOutcome.TimedEvent> events = new ArrayList<>();
  private final Map<String, String> texts = new HashMap<>();
  private boolean ran;

  private ScenarioRunner(
      Scenario scenario,
      String guestName,
      TcloMachineFactory machine,
      GuestCode guest,
      TraceWriter trace) {
    this.scenario = Preconditions.checkNotNull(scenario, "scenario");
    this.guestName = guestName;
    this.simulation = Simulation.create(scenario.seed());
    this.host =
        scenario
            // a run keeps no call log unless the scenario sets a limit
            .configure(
                Extensions.installed()
                    .configure(VirtualHost.builder().simulation(simulation).callLogLimit(0)))
            .build();
    scenario.scheduleTimeline(host, simulation::schedule);
    Backdoor backdoor =
        trace == null
            ? host.backdoor()
            : RecordingBackdoor.wrap(host.backdoor(), trace, simulation.ticker()::read);
    TcloListener listener =
        new TcloListener() {
          @Override
          public void onEvent(TcloEvent event) {
            events.add(new ScenarioOutcome.TimedEvent(simulation.elapsed(), event));
          }

          @Override
          public void onLogLine(String line) {
            // Long runs repeat the same few lines: keep one copy of each text.
            String text = texts.computeIfAbsent(line, t -> t);
            lines.add(new ScenarioOutcome.TimedLine(simulation.elapsed(), text));
          }
        };
    if (machine != null) {
      TickScheduler scheduler =
          (delay, task) -> {
            Simulation.Scheduled s = simulation.schedule(delay, task);
            return s::cancel;
          };
      this.service =
          ToolsService.builder(backdoor)
              .scheduler(scheduler)
              .machine(machine)
              .options(
                  TcloOptions.defaults()
                      .withFlavor(scenario.flavor())
                      .withUptime(simulation::elapsed))
              .listener(listener)
              .build();
      service.start();
    } else {
      this.service = null;
      guest.start(backdoor, simulation, listener);
    }
  }

  /**
   * A runner of {@code scenario} against one machine (a built-in or the user's), ready to {@link
   * #run()}.
   */
  public static ScenarioRunner prepare(Scenario scenario, TcloMachineFactory machine) {
    Preconditions.checkNotNull(machine, "machine");
    return new ScenarioRunner(scenario, machine.machineName(), machine, null, null);
  }

  /**
   * A runner of {@code scenario} against one machine that records every backdoor call of the guest
   * into {@code trace} (virtual times); start the trace with {@link HostReplay#header} so that it
   * can be replayed host-facing.
   */
  public static ScenarioRunner prepare(
      Scenario scenario, TcloMachineFactory machine, TraceWriter trace) {
    Preconditions.checkNotNull(machine, "machine");
    Preconditions.checkNotNull(trace, "trace");
    return new ScenarioRunner(scenario, machine.machineName(), machine, null, trace);
  }

  /** A runner of {@code scenario} against the user's guest code, ready to {@link #run()}. */
  public static ScenarioRunner prepare(Scenario scenario, String guestName, GuestCode guest) {
    Preconditions.checkNotNull(guest, "guest");
    return new ScenarioRunner(scenario, guestName, null, guest, null);
  }

  /** A runner of {@code scenario} against the user's guest code, recording its calls. */
  public static ScenarioRunner prepare(
      Scenario scenario, String guestName, GuestCode guest, TraceWriter trace) {
    Preconditions.checkNotNull(guest, "guest");
    Preconditions.checkNotNull(trace, "trace");
    return new ScenarioRunner(scenario, guestName, null, guest, trace);
  }

  /** Runs {@code scenario} against one machine. */
  public static ScenarioOutcome run(Scenario scenario, TcloMachineFactory machine) {
    return prepare(scenario, machine).run();
  }

  /** Runs {@code scenario} against the user's guest code. */
  public static ScenarioOutcome run(Scenario scenario, String guestName, GuestCode guest) {
    return prepare(scenario, guestName, guest).run();
  }

  /** Runs {@code scenario} against the fixed, legacy and proposed-patch machines, in that order. */
  public static ImmutableMap<TcloMachines, ScenarioOutcome> compare(Scenario scenario) {
    ImmutableMap.Builder<TcloMachines, ScenarioOutcome> b = ImmutableMap.builder();
    for (TcloMachines m : TcloMachines.values()) {
      b.put(m, run(scenario, m));
    }
    return b.build();
  }

  /** The scenario's host, for inspection after (or before) the run. */
  public VirtualHost host() {
    return host;
  }

  /** The guest's tools service, when the guest is one of the three machines. */
  public Optional<ToolsService> service() {
    return Optional.ofNullable(service);
  }

  /** Runs the scenario to its end (once) and returns the outcome. */
  public ScenarioOutcome run() {
    return run(scenario.length(), t -> {});
  }

  /**
   * Runs the scenario to its end (once) in slices of {@code slice} virtual time, telling {@code
   * progress} the virtual time reached after each; returns the outcome.
   */
  public ScenarioOutcome run(Duration slice, Consumer<Duration> progress) {
    Preconditions.checkArgument(slice.compareTo(Duration.ZERO) > 0, "slice must be positive");
    Preconditions.checkState(!ran, "already run");
    ran = true;
    Duration end = scenario.length();
    while (simulation.elapsed().compareTo(end) < 0) {
      Duration left = end.minus(simulation.elapsed());
      simulation.runFor(left.compareTo(slice) < 0 ? left : slice);
      progress.accept(simulation.elapsed());
    }
    return new ScenarioOutcome(
        scenario.name(),
        guestName,
        scenario.troubleStart(),
        scenario.settlesAt(),
        simulation.elapsed(),
        lines,
        events);
  }
}
