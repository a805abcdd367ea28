package io.github.vmbackdoor.hostsim.time;

import com.google.common.base.Preconditions;
import com.google.common.base.Ticker;
import io.github.vmbackdoor.rpc.Cancellable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A deterministic discrete-event loop in virtual time.
 *
 * <p>Events are ordered by their virtual time, then by the order in which they were scheduled, so
 * two runs that schedule the same events get the same order. Time moves only when the loop runs an
 * event ({@link #runFor}, {@link #runUntil}, {@link #step}) or when an event calls {@link #advance}
 * (a call that takes time); nothing reads the wall clock. Randomness comes from {@link #random()},
 * seeded at construction.
 *
 * <p>Guest ticks and host events go on the same loop: a guest state machine's {@code tick()} is
 * scheduled with {@link #repeat}, a host event such as a checkpoint with {@link #schedule(Duration,
 * Runnable) schedule(delay, host::checkpoint)}.
 *
 * <p>The loop runs events on the thread that calls {@code runFor}/{@code runUntil}. Its methods are
 * synchronized so that {@link #clock()} and {@link #ticker()} may be read from other threads, but
 * events are meant to be scheduled and run from one thread.
 *
 * <p><b>Lanes.</b> A fleet of VMs that never touch each other can run each VM in a {@link Lane} of
 * its own ({@link #newLane()}). The loop then runs time in windows ({@link #laneWindow(Duration)},
 * one minute by default): within a window, first the events outside any lane, then every event of
 * the first lane, then of the second, and so on, each lane in its own time order, the clock reading
 * the running lane's time. A lane thus runs ahead of the others by up to one window, which keeps
 * one VM's objects in the processor's caches for a whole window instead of touching every VM once
 * per tick; the order stays deterministic. An event scheduled from inside a lane's event (with
 * {@link #schedule}, as a guest or host does) stays in that lane. Events of one lane must not touch
 * another lane's VM: they would see it at a time up to a window apart. Without lanes the order is
 * exactly due time, then scheduling order.
 *
 * <p>This class is the loop and its handles; the pending events and their order are kept by its
 * agenda (package-private {@code Agenda}, with the event queue and the keys' packing), virtual time
 * (now, the frontier, each lane's time) by {@code VirtualTime}.
 */
public final class Simulation {

  /** Where virtual time starts unless another start is given: 2026-01-01T00:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  private final long seed;
  private final Instant start;
  private final SplittableRandom random;
  private final Agenda agenda = new Agenda();
  private final Clock clock = new VirtualClock(this, ZoneOffset.UTC);
  private final Ticker ticker =
      new Ticker() {
        @Override
        public long read() {
          return nanos();
        }
      };

  /** The most lanes a simulation can have (lane 0, outside any lane, not counted). */
  public static final int MAX_LANES = VirtualTime.MAX_LANES;

  private final Consumer<Duration> advancer = this::advance;

  private final VirtualTime time = new VirtualTime();

  private long eventsRun;

  /**
   * The event whose action is running now, out of the queue: only it may {@link #reschedule} queue
   * again. Read and written on the thread that runs the loop and under the lock.
   */
  private Event running;

  private Simulation(long seed, Instant start) {
    this.seed = seed;
    this.start = start;
    this.random = new SplittableRandom(seed);
  }

  /** A simulation whose virtual time starts at {@link #DEFAULT_START}. */
  public static Simulation create(long seed) {
    return new Simulation(seed, DEFAULT_START);
  }

  /** A simulation whose virtual time starts at {@code start}. */
  public static Simulation create(long seed, Instant start) {
    Preconditions.checkNotNull(start, "start");
    return new Simulation(seed, start);
  }

  /** The seed the random source was created with. */
  public long seed() {
    return seed;
  }

  /** The instant virtual time started at. */
  public Instant start() {
    return start;
  }

  /** The current virtual instant. */
  public Instant now() {
    return start.plusNanos(time.now());
  }

  /** Virtual time elapsed since the start. */
  public Duration elapsed() {
    return Duration.ofNanos(time.now());
  }

  /** Virtual nanoseconds elapsed since the start (what {@link #ticker()} reads). */
  public long nanos() {
    return time.now();
  }

  /**
   * The seeded random source. Draw from it only inside events (or before running), so that draws
   * happen in the same order on every run.
   */
  public SplittableRandom random() {
    return random;
  }

  /** A new random source split off the seeded one, for a component that draws on its own. */
  public synchronized SplittableRandom splitRandom() {
    return random.split();
  }

  /** A clock that reads virtual time (UTC); the same instance every time. */
  public Clock clock() {
    return clock;
  }

  /**
   * A Guava ticker that reads virtual nanoseconds since the start; the same instance every time.
   */
  public Ticker ticker() {
    return ticker;
  }

  /** Events waiting to run. */
  public synchronized int pendingEvents() {
    return agenda.size();
  }

  /** Events run so far. */
  public synchronized long eventsRun() {
    return eventsRun;
  }

  /**
   * Runs {@code action} once, {@code delay} after now.
   *
   * @return a handle that can cancel the event before it runs
   */
  public synchronized Scheduled schedule(Duration delay, Runnable action) {
    return scheduleIn(time.currentLane(), delay, action);
  }

  private Scheduled scheduleIn(int lane, Duration delay, Runnable action) {
    Preconditions.checkNotNull(action, "action");
    return enqueue(lane, delay, new Event(action));
  }

  private Event enqueue(int lane, Duration delay, Event e) {
    Preconditions.checkNotNull(delay, "delay");
    Preconditions.checkArgument(!delay.isNegative(), "delay must not be negative: %s", delay);
    long due = time.later(delay);
    if (running == e) {
      running = null;
    }
    agenda.add(lane, due, e);
    return e;
  }

  /** Sequence numbers are renumbered when they reach {@code limit}: for tests. */
  synchronized void renumberAt(long limit) {
    agenda.renumberAt(limit);
  }

  /**
   * Runs {@code action} once more, {@code delay} after now, as {@link #schedule} does, reusing
   * {@code previous} when it is the handle of {@code action}'s event that is running now (an action
   * scheduling itself again from its own run, as a guest's tick does): then no event object is
   * made. Otherwise, as {@link #schedule}.
   *
   * @return the handle, {@code previous} itself when it was reused
   */
  public synchronized Scheduled reschedule(Scheduled previous, Duration delay, Runnable action) {
    return rescheduleIn(time.currentLane(), previous, delay, action);
  }

  /** {@link #reschedule} in {@code lane}. */
  synchronized Scheduled rescheduleIn(
      int lane, Scheduled previous, Duration delay, Runnable action) {
    if (previous == running && running != null && running.action == action) {
      return enqueue(lane, delay, running);
    }
    return scheduleIn(lane, delay, action);
  }

  /**
   * A new lane for events that touch only their own VM (see the class comment). Build the VM and
   * schedule its first events through the lane; what they schedule stays in it.
   *
   * @throws IllegalStateException past {@link #MAX_LANES}
   */
  public synchronized Lane newLane() {
    Preconditions.checkState(time.lanes() < MAX_LANES, "at most %s lanes", MAX_LANES);
    return new Lane(time.addLane());
  }

  /**
   * The handle of lane {@code number} (from 1, in the order {@link #newLane()} made them), for a
   * caller that did not keep it.
   */
  public synchronized Lane lane(int number) {
    Preconditions.checkArgument(
        number >= 1 && number <= time.lanes(), "no lane %s (lanes: %s)", number, time.lanes());
    return new Lane(number);
  }

  /**
   * How far a lane may run ahead of the others (default one minute); set it before any event is
   * scheduled. Windows of under a millisecond are refused.
   */
  public synchronized void laneWindow(Duration window) {
    Preconditions.checkArgument(
        window.compareTo(Duration.ofMillis(1)) >= 0, "lane window under 1 ms: %s", window);
    Preconditions.checkState(
        agenda.isEmpty() && !time.anyLanes(), "set the lane window before scheduling events");
    agenda.window(
        window.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0
            ? Long.MAX_VALUE
            : window.toNanos());
  }

  /**
   * Runs {@code tick} first after {@code initialDelay}, then again after each delay it returns,
   * until it returns {@code null} or the handle is cancelled. This is how a guest state machine's
   * {@code Duration tick()} is driven.
   */
  public synchronized Scheduled repeat(Duration initialDelay, Supplier<Duration> tick) {
    return repeatIn(time.currentLane(), initialDelay, tick);
  }

  private Scheduled repeatIn(int lane, Duration initialDelay, Supplier<Duration> tick) {
    Preconditions.checkNotNull(tick, "tick");
    Repeating r = new Repeating(this, lane, tick);
    r.current = scheduleIn(lane, initialDelay, r);
    return r;
  }

  /**
   * Moves virtual time forward by {@code duration} without running events: for a call that takes
   * time while an event runs. Events that fell due meanwhile run next, late.
   */
  public synchronized void advance(Duration duration) {
    Preconditions.checkArgument(!duration.isNegative(), "duration must not be negative");
    time.advance(duration);
  }

  /** {@link #advance} as a consumer; the same instance every time, for all hosts to share. */
  public Consumer<Duration> advancer() {
    return advancer;
  }

  /**
   * Runs the next event, if any, moving virtual time to its due time.
   *
   * @return whether an event ran
   */
  public boolean step() {
    Event e;
    int lane;
    synchronized (this) {
      if (agenda.isEmpty()) {
        return false;
      }
      lane = enterHead();
      e = agenda.poll();
    }
    run(e, lane);
    return true;
  }

  /**
   * Runs every event due within {@code duration} from now, then sets virtual time to the end of
   * that span.
   *
   * @return the number of events run
   */
  public int runFor(Duration duration) {
    Preconditions.checkArgument(!duration.isNegative(), "duration must not be negative");
    int[] n = new int[1];
    runTo(duration, NEVER, n);
    return n[0];
  }

  /** The stop condition of {@link #runFor}: nothing reads the time between its events. */
  private static final BooleanSupplier NEVER = () -> false;

  /**
   * Runs events until {@code condition} holds (checked before each event) or {@code limit} of
   * virtual time has passed, whichever comes first.
   *
   * @return whether the condition holds
   */
  public boolean runUntil(BooleanSupplier condition, Duration limit) {
    Preconditions.checkNotNull(condition, "condition");
    return runTo(limit, condition, new int[1]);
  }

  /**
   * Runs events due up to {@code span} from now until {@code stop} holds; counts them in {@code
   * ran[0]}. With lanes, events of the last window that fall after the end are set aside and put
   * back, since other lanes' events of that window may still be due before it.
   */
  private boolean runTo(Duration span, BooleanSupplier stop, int[] ran) {
    long end;
    Agenda.Aside after;
    synchronized (this) {
      end = time.until(span);
      after = agenda.beginRun();
    }
    boolean stopped = false;
    boolean finished = false;
    // With nothing to look at the time between events, an event's lane is left when the next event
    // is taken, under the same lock; otherwise at once, so that the condition sees the frontier.
    boolean leaveLate = stop == NEVER;
    int ranLane = -1;
    try {
      while (true) {
        if (stop.getAsBoolean()) {
          stopped = true;
          break;
        }
        Event e;
        int lane;
        synchronized (this) {
          if (ranLane >= 0) {
            time.leave(ranLane);
            ranLane = -1;
          }
          if (!agenda.headDueBy(end, time.anyLanes(), after)) {
            break;
          }
          lane = enterHead();
          e = agenda.poll();
        }
        ranLane = lane;
        if (leaveLate) {
          runAction(e);
        } else {
          ranLane = -1;
          run(e, lane);
        }
        ran[0]++;
      }
      finished = true;
    } finally {
      synchronized (this) {
        if (ranLane >= 0) {
          time.leave(ranLane);
        }
        agenda.endRun(after);
        if (finished && !stopped) {
          time.ranTo(end);
        }
      }
    }
    return stopped || stop.getAsBoolean();
  }

  /**
   * Moves time to the head event's (its lane's time, or its due time if later), before it is
   * polled; returns its lane.
   */
  private int enterHead() {
    eventsRun++;
    return agenda.enterHead(time);
  }

  /** Runs the event's action (outside the lock); with lanes, then leaves its lane. */
  private void run(Event e, int lane) {
    try {
      runAction(e);
    } finally {
      if (time.anyLanes()) {
        synchronized (this) {
          time.leave(lane);
        }
      }
    }
  }

  private void runAction(Event e) {
    Runnable action = e.action;
    if (action != Event.CANCELLED) {
      Event outer = running;
      running = e;
      try {
        action.run();
      } finally {
        running = outer;
      }
    }
  }

  /** A lane of the simulation: see the class comment. */
  public final class Lane {
    private final int id;

    private Lane(int id) {
      this.id = id;
    }

    /** Runs {@code action} once in this lane, {@code delay} after now. */
    public Scheduled schedule(Duration delay, Runnable action) {
      synchronized (Simulation.this) {
        return scheduleIn(id, delay, action);
      }
    }

    /** {@link Simulation#repeat} in this lane. */
    public Scheduled repeat(Duration initialDelay, Supplier<Duration> tick) {
      synchronized (Simulation.this) {
        return repeatIn(id, initialDelay, tick);
      }
    }

    /** The lane's number, from 1. */
    public int number() {
      return id;
    }

    @Override
    public String toString() {
      return "lane " + id;
    }
  }

  /**
   * A scheduled event or repetition. It is a guest's {@link Cancellable} too, so a {@link
   * io.github.vmbackdoor.rpc.TickScheduler} on a simulation hands it out as it is.
   */
  public interface Scheduled extends Cancellable {
    /** Stops the event (or the repetition) from running again; no effect once it has run. */
    @Override
    void cancel();

    /** Whether {@link #cancel()} was called. */
    boolean isCancelled();
  }

  @Override
  public String toString() {
    return "Simulation{seed="
        + seed
        + ", elapsed="
        + elapsed()
        + ", pending="
        + pendingEvents()
        + "}";
  }
}
