package io.github.vmbackdoor.hostsim.reliability;

import static io.github.vmbackdoor.core.BackdoorProtocol.CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_CLOSE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.record.PowerOperationReport;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TickScheduler;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link FaultSchedule} against one machine for one virtual hour, and what came of it: whether
 * the machine polls normally at the end, how many of its ticks it took to get there after the last
 * fault, channels the guest left in the host's table, and power operations whose state-change
 * status never arrived.
 */
final class ScheduleRun {

  /** Ticks the fixed machine may take after the last fault to poll normally again. */
  static final int RECOVERY_TICKS = 2;

  final FaultSchedule schedule;
  final TcloMachines machine;
  final Simulation sim;
  final VirtualHost host;
  private final GuestChannels guestChannels;
  private final List<Integer> competing = new ArrayList<>();

  private long ticks;
  private long ticksBeforeLastFault = -1;
  private long firstPollAfterLastFailure = -1;
  private Duration lastFailureTime;
  private Duration firstPollAfterLastFailureTime;
  private Duration lastPollTime;
  private boolean failedSincePoll;

  private ScheduleRun(FaultSchedule schedule, TcloMachines machine) {
    this.schedule = schedule;
    this.machine = machine;
    this.sim = Simulation.create(schedule.seed());
    this.host =
        schedule
            .policy()
            .configure(VirtualHost.builder().simulation(sim).callLogLimit(0).historyLimit(64))
            .build();
    this.guestChannels = new GuestChannels(host.backdoor());
  }

  /** Runs {@code schedule} against {@code machine} to the end of the virtual hour. */
  static ScheduleRun run(FaultSchedule schedule, TcloMachines machine) {
    ScheduleRun run = new ScheduleRun(schedule, machine);
    run.go();
    return run;
  }

  private void go() {
    for (FaultSchedule.Event e : schedule.events()) {
      e.apply(host, sim, competing);
    }
    Duration lastFault = schedule.lastFaultEffect();
    sim.schedule(lastFault, () -> ticksBeforeLastFault = ticks);
    TickScheduler scheduler =
        (delay, task) -> {
          Simulation.Scheduled s =
              sim.schedule(
                  delay,
                  () -> {
                    ticks++;
                    task.run();
                  });
          return s::cancel;
        };
    ToolsService service =
        ToolsService.builder(guestChannels)
            .scheduler(scheduler)
            .machine(machine)
            .options(TcloOptions.defaults().withUptime(sim::elapsed))
            .listener(
                new TcloListener() {
                  @Override
                  public void onEvent(TcloEvent event) {
                    record(event);
                  }

                  @Override
                  public void onLogLine(String line) {}
                })
            .build();
    service.start();
    sim.runFor(FaultSchedule.LENGTH);
  }

  private void record(TcloEvent event) {
    switch (event.type()) {
      case POLLED:
        lastPollTime = sim.elapsed();
        if (firstPollAfterLastFailure < 0) {
          firstPollAfterLastFailure = ticks;
          firstPollAfterLastFailureTime = lastPollTime;
        }
        failedSincePoll = false;
        break;
      case TCLO_FAILURE:
      case OPEN_FAILED:
      case RESETTING:
      case CLOSE_FAILED:
        firstPollAfterLastFailure = -1;
        lastFailureTime = sim.elapsed();
        failedSincePoll = true;
        break;
      default:
        break;
    }
  }

  /** Polling at the end: a poll in the last two seconds and no failure since. */
  boolean pollingAtEnd() {
    return lastPollTime != null
        && !failedSincePoll
        && lastPollTime.compareTo(sim.elapsed().minusSeconds(2)) >= 0;
  }

  /** Stuck: not polling normally at the end of the hour. */
  boolean stuck() {
    return !pollingAtEnd();
  }

  /**
   * Ticks after the last fault's effect until the first poll after the last failure (0 when that
   * poll came earlier); -1 when the machine is not polling normally at the end.
   */
  long recoveryTicks() {
    if (!pollingAtEnd() || firstPollAfterLastFailure < 0) {
      return -1;
    }
    return Math.max(0, firstPollAfterLastFailure - Math.max(0, ticksBeforeLastFault));
  }

  /**
   * Virtual time from the machine's last failure to its first poll after it; zero when it never
   * failed; empty when it is not polling normally at the end.
   */
  java.util.Optional<Duration> recoveryTime() {
    if (!pollingAtEnd() || firstPollAfterLastFailure < 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        lastFailureTime == null
            ? Duration.ZERO
            : firstPollAfterLastFailureTime.minus(lastFailureTime));
  }

  /**
   * Channels the guest opened and never tried to close, other than the host's active TCLO channel.
   * (A close the host refused is not counted: that channel is the host's to drop.)
   */
  List<ChannelInfo> leakedChannels() {
    List<ChannelInfo> leaked = new ArrayList<>();
    Integer active = host.records().activeTcloChannel().orElse(-1);
    for (ChannelInfo c : host.records().channels()) {
      if (c.id() == active) {
        continue;
      }
      GuestChannels.Opened o = guestChannels.opened.get(c.id());
      if (o != null
          && o.cookieHigh == c.cookieHigh()
          && o.cookieLow == c.cookieLow()
          && !o.closeTried) {
        leaked.add(c);
      }
    }
    return leaked;
  }

  /** Power operations whose state-change status never reached the host. */
  List<PowerOperationReport> undelivered() {
    List<PowerOperationReport> l = new ArrayList<>();
    for (PowerOperationReport r : host.records().powerOperations()) {
      if (r.reportedSuccess().isEmpty()) {
        l.add(r);
      }
    }
    return l;
  }

  /** What the fixed machine got wrong on this schedule; empty when nothing. */
  List<String> problems() {
    List<String> p = new ArrayList<>();
    long recovery = recoveryTicks();
    if (recovery < 0) {
      p.add("not polling normally at the end (last poll " + lastPollTime + ")");
    } else if (recovery > RECOVERY_TICKS) {
      p.add("polling normally only " + recovery + " ticks after the last fault");
    }
    List<ChannelInfo> leaked = leakedChannels();
    if (!leaked.isEmpty()) {
      p.add("leaked " + leaked);
    }
    List<PowerOperationReport> lost = undelivered();
    if (!lost.isEmpty()) {
      p.add("state-change status never delivered for " + lost);
    }
    return p;
  }

  /**
   * The guest's backdoor, watched: which channels the guest opened (id and cookies) and whether it
   * tried to close each one.
   */
  static final class GuestChannels implements Backdoor {
    static final class Opened {
      final int cookieHigh;
      final int cookieLow;
      boolean closeTried;

      Opened(int cookieHigh, int cookieLow) {
        this.cookieHigh = cookieHigh;
        this.cookieLow = cookieLow;
      }
    }

    final Backdoor delegate;
    final Map<Integer, Opened> opened = new HashMap<>();

    GuestChannels(Backdoor delegate) {
      this.delegate = delegate;
    }

    @Override
    public Registers in(Registers r) {
      Registers out = delegate.in(r);
      if (r.ecxLow() == CMD_MESSAGE) {
        if (r.ecxHigh() == MESSAGE_OPEN && (out.ecxHigh() & STATUS_SUCCESS) != 0) {
          opened.put(out.edxHigh(), new Opened(out.esi(), out.edi()));
        } else if (r.ecxHigh() == MESSAGE_CLOSE) {
          Opened o = opened.get(r.edxHigh());
          if (o != null && o.cookieHigh == r.esi() && o.cookieLow == r.edi()) {
            o.closeTried = true;
          }
        }
      }
      return out;
    }

    @Override
    public Registers outs(Registers r, byte[] bytes) {
      return delegate.outs(r, bytes);
    }

    @Override
    public Registers ins(Registers r, byte[] into) {
      return delegate.ins(r, into);
    }
  }
}
