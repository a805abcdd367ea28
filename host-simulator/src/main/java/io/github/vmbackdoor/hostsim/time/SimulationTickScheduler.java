package io.github.vmbackdoor.hostsim.time;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.rpc.Cancellable;
import io.github.vmbackdoor.rpc.TickScheduler;
import java.time.Duration;

/**
 * Runs a guest's ticks ({@link io.github.vmbackdoor.rpc.ToolsService}, or anything else written
 * against {@link TickScheduler}) as events of a {@link Simulation}, in virtual time: a task
 * scheduled with a delay runs when the simulation's loop reaches that virtual time, on the thread
 * that runs the loop. Cancelling the returned handle cancels the event.
 *
 * <pre>{@code
 * Simulation simulation = Simulation.create(7);
 * VirtualHost host = VirtualHost.builder().simulation(simulation).build();
 * ToolsService tools = ToolsService.builder(host.backdoor())
 *     .scheduler(SimulationTickScheduler.of(simulation))
 *     .build();
 * tools.start();
 * simulation.runFor(Duration.ofSeconds(10));
 * }</pre>
 */
public final class SimulationTickScheduler {

  private SimulationTickScheduler() {}

  /** A scheduler whose tasks are events on {@code simulation}. */
  public static TickScheduler of(Simulation simulation) {
    Preconditions.checkNotNull(simulation, "simulation");
    return new OnSimulation(simulation);
  }

  /** A tick that schedules itself again from its own run reuses its event object. */
  private static final class OnSimulation implements TickScheduler {
    private final Simulation simulation;

    OnSimulation(Simulation simulation) {
      this.simulation = simulation;
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
      return simulation.schedule(delay, task);
    }

    @Override
    public Cancellable reschedule(Cancellable previous, Duration delay, Runnable task) {
      return previous instanceof Simulation.Scheduled s
          ? simulation.reschedule(s, delay, task)
          : simulation.schedule(delay, task);
    }
  }
}
