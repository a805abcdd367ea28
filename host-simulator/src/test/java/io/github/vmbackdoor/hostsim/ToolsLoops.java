package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.hostsim.time.SimulationTickScheduler;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloHealth;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.ToolsService;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Guest tools loops for tests, ticking in a simulation's virtual time. */
public final class ToolsLoops {

  private ToolsLoops() {}

  /**
   * A tools loop (not started) of TCLO application {@code app} ({@code toolbox}, {@code
   * toolbox-dnd}) on {@code backdoor}, ticking on {@code sim}; every host command it receives is
   * added to {@code received}.
   */
  public static ToolsService loop(
      Backdoor backdoor, Simulation sim, String app, List<String> received) {
    TcloListener listener =
        new TcloListener() {
          @Override
          public void onEvent(TcloEvent event) {
            if (event.type() == TcloEvent.Type.COMMAND_RECEIVED) {
              received.add(event.detail());
            }
          }
        };
    return ToolsService.builder(backdoor)
        .scheduler(SimulationTickScheduler.of(sim))
        .options(TcloOptions.defaults().withAppName(app))
        .listener(listener)
        .build();
  }

  /** A loop's events and log lines, as a listener collects them. */
  public static final class Seen implements TcloListener {
    /** The events, in order. */
    public final List<TcloEvent> events = new ArrayList<>();

    /** The log lines, in order. */
    public final List<String> lines = new ArrayList<>();

    @Override
    public void onEvent(TcloEvent event) {
      events.add(event);
    }

    @Override
    public void onLogLine(String line) {
      lines.add(line);
    }

    /** The details of the events of {@code type}. */
    public List<String> details(TcloEvent.Type type) {
      return events.stream().filter(e -> e.type() == type).map(TcloEvent::detail).toList();
    }
  }

  /**
   * Asserts what a tools loop of {@code app} whose every reset reply {@code host} refused (takeover
   * {@code refuse-newer}) went through in {@code minutes} of virtual time: it received nothing but
   * "reset", each reset reply failed to send, and it closed that channel and reopened about once a
   * second without ever giving up. Returns how many times it was refused.
   */
  public static int assertRefusedEverySecond(
      VirtualHost host,
      String app,
      ToolsService loop,
      List<String> received,
      Seen seen,
      int minutes) {
    assertThat(received).containsOnly("reset");
    List<String> failures = seen.details(TcloEvent.Type.TCLO_FAILURE);
    assertThat(failures).containsOnly("failed to send reset reply");
    assertThat(failures.size()).isBetween(minutes * 50, minutes * 61);
    assertThat(received).hasSize(failures.size());
    assertThat(seen.details(TcloEvent.Type.CHANNEL_CLOSED)).hasSize(failures.size());
    assertThat(host.records().tcloExchanges())
        .filteredOn(e -> e.outcome() == TcloExchange.Outcome.CLAIM_REFUSED)
        .hasSize(failures.size())
        .allMatch(e -> e.reply().equals(Optional.of("OK ATR " + app)));
    // Every poll that fetched "reset" worked, so its restarts never pile up.
    assertThat(seen.details(TcloEvent.Type.HEALTH_CHANGED))
        .doesNotContain(TcloHealth.GIVING_UP.name());
    assertThat(loop.isRunning()).isTrue();
    return failures.size();
  }
}
