package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.Iterables;
import io.github.vmbackdoor.hostsim.RpciCommand;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.FaultAction;
import io.github.vmbackdoor.rpc.TcloMachineFactory;
import io.github.vmbackdoor.rpc.TcloMachines;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * The one registry of what the simulator knows by name: fault actions by keyword, host events by
 * keyword, RPCI commands and TCLO machines by name. The built-ins come first; {@link #installed()}
 * adds what {@link ServiceLoader} finds on the class path, so an own kind is one class plus one
 * line in {@code META-INF/services/<interface>}:
 *
 * <table>
 *   <caption>service interfaces</caption>
 *   <tr><th>kind</th><th>{@code META-INF/services/...}</th></tr>
 *   <tr><td>a fault action</td><td>{@code io.github.vmbackdoor.hostsim.fault.FaultAction}</td></tr>
 *   <tr><td>a host event</td><td>{@code io.github.vmbackdoor.hostsim.scenario.HostEvent}</td></tr>
 *   <tr><td>an RPCI command</td><td>{@code io.github.vmbackdoor.hostsim.RpciCommand}</td></tr>
 *   <tr><td>a TCLO machine</td><td>{@code io.github.vmbackdoor.rpc.TcloMachineFactory}</td></tr>
 * </table>
 *
 * <p>Every entry point reads it: scenario files ({@link Scenario#parse(String)}), {@code serve}
 * with its admin API and {@code ctl} ({@link HostEvent#parse(String)}), {@code replay --machine},
 * {@code @SimulatedVm(machine = ...)} and the hosts they build ({@link #configure}). An immutable
 * value.
 */
public final class Extensions implements Fault.Actions {

  private final ImmutableMap<String, FaultAction> faultActions;
  private final ImmutableMap<String, HostEvent.Parser> hostEvents;
  private final ImmutableList<RpciCommand> rpciCommands;
  private final ImmutableMap<String, TcloMachineFactory> machines;

  private Extensions(
      Iterable<FaultAction> faultActions,
      Iterable<HostEvent.Syntax> hostEvents,
      Iterable<RpciCommand> rpciCommands,
      Iterable<TcloMachineFactory> machines) {
    this.faultActions = unique("fault actions", faultActions, FaultAction::keyword);
    Map<String, HostEvent.Parser> events = new LinkedHashMap<>();
    for (HostEvent.Syntax s : hostEvents) {
      Preconditions.checkArgument(
          events.put(s.keyword(), s.parser()) == null,
          "two host events have the keyword '%s'",
          s.keyword());
    }
    this.hostEvents = ImmutableMap.copyOf(events);
    this.rpciCommands =
        ImmutableList.copyOf(unique("RPCI commands", rpciCommands, RpciCommand::name).values());
    this.machines = unique("TCLO machines", machines, TcloMachineFactory::machineName);
  }

  private static <T> ImmutableMap<String, T> unique(
      String what, Iterable<? extends T> items, Function<T, String> name) {
    Map<String, T> byName = new LinkedHashMap<>();
    for (T item : items) {
      String n = name.apply(item);
      Preconditions.checkArgument(byName.put(n, item) == null, "two %s are named '%s'", what, n);
    }
    return ImmutableMap.copyOf(byName);
  }

  /** The built-ins alone. */
  public static Extensions builtIn() {
    return BuiltIn.VALUE;
  }

  /** The built-ins and every extension {@link ServiceLoader} finds, loaded once. */
  public static Extensions installed() {
    return Installed.VALUE;
  }

  /** This registry and {@code events}' keywords besides. */
  public Extensions withEvents(List<HostEvent.Syntax> events) {
    if (events.isEmpty()) {
      return this;
    }
    List<HostEvent.Syntax> all = new ArrayList<>();
    hostEvents.forEach((k, p) -> all.add(new HostEvent.Syntax(k, p)));
    all.addAll(events);
    return new Extensions(faultActions.values(), all, rpciCommands, machines.values());
  }

  /** The fault actions' keywords, built-ins first. */
  @Override
  public ImmutableList<String> faultKeywords() {
    return faultActions.keySet().asList();
  }

  /**
   * The fault action {@code keyword} names, with {@code parameter} (empty: none given).
   *
   * @throws IllegalArgumentException naming the known keywords when none matches, or saying what is
   *     wrong with the parameter
   */
  @Override
  public FaultAction faultAction(String keyword, String parameter) {
    FaultAction kind = faultActions.get(keyword);
    if (kind == null) {
      throw new IllegalArgumentException(
          "'" + keyword + "' is not one of " + String.join(", ", faultKeywords()));
    }
    return kind.withParameter(parameter);
  }

  /** The host events' keywords, built-ins first. */
  public ImmutableList<String> eventKeywords() {
    return hostEvents.keySet().asList();
  }

  /**
   * Reads one host event in the words of a scenario file's timeline ({@link HostEvent#parse}).
   *
   * @throws IllegalArgumentException with a one-line message when the text is not one
   */
  public HostEvent hostEvent(String text) {
    return ScenarioText.action(text, hostEvents);
  }

  /** The RPCI commands of extensions (the built-in ones are the host's own). */
  public ImmutableList<RpciCommand> rpciCommands() {
    return rpciCommands;
  }

  /** {@code builder} answering every RPCI command of this registry. */
  public VirtualHostBuilder configure(VirtualHostBuilder builder) {
    rpciCommands.forEach(c -> builder.rpciHandler(c.name(), c));
    return builder;
  }

  /** The TCLO machines' names, built-ins first. */
  public ImmutableList<String> machineNames() {
    return machines.keySet().asList();
  }

  /** The TCLO machine named {@code name}, if any. */
  public Optional<TcloMachineFactory> machine(String name) {
    return Optional.ofNullable(machines.get(name));
  }

  @Override
  public String toString() {
    return "Extensions{fault actions "
        + faultKeywords()
        + ", host events "
        + eventKeywords()
        + ", RPCI commands "
        + rpciCommands.stream().map(RpciCommand::name).toList()
        + ", machines "
        + machineNames()
        + "}";
  }

  private static final class BuiltIn {
    static final Extensions VALUE =
        new Extensions(
            FaultAction.BUILT_IN, HostEvent.SYNTAX, List.of(), List.of(TcloMachines.values()));
  }

  private static final class Installed {
    static final Extensions VALUE = load();

    private static Extensions load() {
      ClassLoader loader = Extensions.class.getClassLoader();
      List<HostEvent.Syntax> events = new ArrayList<>(HostEvent.SYNTAX);
      ServiceLoader.load(HostEvent.class, loader)
          .forEach(e -> events.add(HostEvent.Syntax.bare(e)));
      return new Extensions(
          Iterables.concat(FaultAction.BUILT_IN, ServiceLoader.load(FaultAction.class, loader)),
          events,
          ServiceLoader.load(RpciCommand.class, loader),
          Iterables.concat(
              List.of(TcloMachines.values()),
              ServiceLoader.load(TcloMachineFactory.class, loader)));
    }
  }
}
