package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TickScheduler;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * One guest machine ({@link ToolsService} with the fixed, legacy or proposed-patch machine)
 * against one {@link VirtualHost}, both on one {@link Simulation}: virtual time, every log line
 * and event stamped with it.
 */
final class TcloRun {

  /** A log line and when it was printed. */
  record Line(Duration at, String text) {}

  /** An event and when it happened. */
  record Event(Duration at, TcloEvent event) {}

  /** Events that mean the TCLO channel is in trouble. */
  static final Set<Type> FAILURES =
      EnumSet.of(Type.TCLO_FAILURE, Type.OPEN_FAILED, Type.RESETTING, Type.CLOSE_FAILED);

  final ToolsService.Machine machine;
  final Simulation sim;
  final VirtualHost host;
  final ToolsService service;
  final List<Line> lines = new ArrayList<>();
  final List<Event> events = new ArrayList<>();

  TcloRun(ToolsService.Machine machine, UnaryOperator<VirtualHost.Builder> hostConfig) {
    this.machine = machine;
    this.sim = Simulation.create(42);
    this.host = hostConfig.apply(VirtualHost.builder().simulation(sim).callLogLimit(0)).build();
    TickScheduler scheduler = (delay, task) -> {
      Simulation.Scheduled s = sim.schedule(delay, task);
      return s::cancel;
    };
    this.service = ToolsService.builder(host.backdoor())
        .scheduler(scheduler)
        .machine(machine)
        .options(TcloOptions.defaults().withUptime(sim::elapsed))
        .listener(new TcloListener() {
          @Override
          public void onEvent(TcloEvent event) {
            events.add(new Event(sim.elapsed(), event));
          }

          @Override
          public void onLogLine(String line) {
            lines.add(new Line(sim.elapsed(), line));
          }
        })
        .build();
  }

  TcloRun start() {
    service.start();
    return this;
  }

  /** Runs a host action at an absolute virtual time. */
  TcloRun at(Duration when, Runnable action) {
    sim.schedule(when.minus(sim.elapsed()), action);
    return this;
  }

  /** Runs the simulation up to an absolute virtual time. */
  TcloRun runUntil(Duration when) {
    sim.runFor(when.minus(sim.elapsed()));
    return this;
  }

  Duration now() {
    return sim.elapsed();
  }

  List<String> linesFrom(Duration from) {
    return lines.stream().filter(l -> l.at().compareTo(from) >= 0).map(Line::text)
        .collect(Collectors.toList());
  }

  long countLines(String text, Duration from, Duration to) {
    return lines.stream().filter(l -> l.text().equals(text) && within(l.at(), from, to)).count();
  }

  long countEvents(Type type, Duration from, Duration to) {
    return events.stream().filter(e -> e.event().type() == type && within(e.at(), from, to))
        .count();
  }

  private static boolean within(Duration at, Duration from, Duration to) {
    return at.compareTo(from) >= 0 && at.compareTo(to) < 0;
  }

  /** The last failure event at or after {@code from}, if any. */
  Optional<Duration> lastFailure(Duration from) {
    return events.stream()
        .filter(e -> FAILURES.contains(e.event().type()) && e.at().compareTo(from) >= 0)
        .map(Event::at).reduce((a, b) -> b);
  }

  /**
   * Whether the machine is polling normally at the end: no channel failure after its last
   * successful poll, and a poll within the last two seconds.
   */
  boolean pollingAtEnd() {
    Optional<Duration> lastPoll = events.stream().filter(e -> e.event().type() == Type.POLLED)
        .map(Event::at).reduce((a, b) -> b);
    if (lastPoll.isEmpty() || lastPoll.get().compareTo(now().minusSeconds(2)) < 0) {
      return false;
    }
    Optional<Duration> failure = lastFailure(Duration.ZERO);
    return failure.isEmpty() || failure.get().compareTo(lastPoll.get()) <= 0;
  }

  /**
   * How long after {@code trouble} the machine was polling again for good: the first poll
   * after its last failure, minus {@code trouble}; zero when it never failed; empty when it is
   * not polling at the end.
   */
  Optional<Duration> recoveryAfter(Duration trouble) {
    if (!pollingAtEnd()) {
      return Optional.empty();
    }
    Optional<Duration> failure = lastFailure(trouble);
    if (failure.isEmpty()) {
      return Optional.of(Duration.ZERO);
    }
    return events.stream()
        .filter(e -> e.event().type() == Type.POLLED && e.at().compareTo(failure.get()) >= 0)
        .map(e -> e.at().minus(trouble)).findFirst();
  }

  /** How a run ended, from the guest's TCLO point of view. */
  enum Outcome {
    /** No channel failure after the trouble started. */
    UNAFFECTED,
    /** Failures, then polling normally for at least the last half of the run. */
    RECOVERED,
    /** Polling at the end, but channel failures keep coming back until the last 10 minutes. */
    FLAPPING,
    /** Not polling at the end. */
    STUCK
  }

  Outcome outcome(Duration trouble) {
    Optional<Duration> failure = lastFailure(trouble);
    if (!pollingAtEnd()) {
      return Outcome.STUCK;
    }
    if (failure.isEmpty()) {
      return Outcome.UNAFFECTED;
    }
    return failure.get().compareTo(now().minusMinutes(10)) >= 0 ? Outcome.FLAPPING
        : Outcome.RECOVERED;
  }

  /** The most frequent log line from {@code from} on, or empty when there is none. */
  Optional<String> mostFrequentLine(Duration from) {
    return lines.stream().filter(l -> l.at().compareTo(from) >= 0)
        .collect(Collectors.groupingBy(Line::text, java.util.LinkedHashMap::new,
            Collectors.counting()))
        .entrySet().stream().max(java.util.Map.Entry.comparingByValue())
        .map(java.util.Map.Entry::getKey);
  }
}
