package io.github.vmbackdoor.hostsim.time;

import com.google.common.base.Preconditions;
import com.google.common.base.Ticker;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.rpc.Cancellable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 */
public final class Simulation {

  /** Where virtual time starts unless another start is given: 2026-01-01T00:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  private final long seed;
  private final Instant start;
  private final SplittableRandom random;
  private final EventQueue<Event> queue = new EventQueue<>();
  private final Clock clock = new VirtualClock(this, ZoneOffset.UTC);
  private final Ticker ticker =
      new Ticker() {
        @Override
        public long read() {
          return nanos();
        }
      };

  /** The most lanes a simulation can have (lane 0, outside any lane, not counted). */
  public static final int MAX_LANES = LaneTable.MAX_LANES;

  private final Consumer<Duration> advancer = this::advance;

  /**
   * Virtual time now: the running lane's inside an event, the frontier outside. Written under the
   * lock; volatile so that the clock and ticker read it from any thread without taking the lock.
   */
  private volatile long nowNanos;

  private long sequence;

  /** Where the sequence numbers are renumbered (see {@link #renumber()}); lower only in tests. */
  private long renumberAt;

  private long eventsRun;

  /** The latest time any event has reached: the simulation's time outside events. */
  private long frontierNanos;

  private final LaneTable lanes = new LaneTable();

  /**
   * How events' windows, lanes, due times and sequence numbers are packed into the queue's keys.
   */
  private EventKeys keys = EventKeys.forWindow(Duration.ofMinutes(1).toNanos());

  /** The events of the runs going on (one list per run) set aside, to be put back as they end. */
  private final List<List<SetAside>> asides = new ArrayList<>(1);

  /**
   * The event whose action is running now, out of the queue: only it may {@link #reschedule} queue
   * again. Read and written on the thread that runs the loop and under the lock.
   */
  private Event running;

  /** The lane of the event running; 0 outside events and for events outside any lane. */
  private int currentLane;

  private Simulation(long seed, Instant start) {
    this.seed = seed;
    this.start = start;
    this.random = new SplittableRandom(seed);
    this.renumberAt = keys.sequenceLimit();
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
    return start.plusNanos(nowNanos);
  }

  /** Virtual time elapsed since the start. */
  public Duration elapsed() {
    return Duration.ofNanos(nowNanos);
  }

  /** Virtual nanoseconds elapsed since the start (what {@link #ticker()} reads). */
  public long nanos() {
    return nowNanos;
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
    return queue.size();
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
    return scheduleIn(currentLane, delay, action);
  }

  private Scheduled scheduleIn(int lane, Duration delay, Runnable action) {
    Preconditions.checkNotNull(action, "action");
    return enqueue(lane, delay, new Event(action));
  }

  private Event enqueue(int lane, Duration delay, Event e) {
    Preconditions.checkNotNull(delay, "delay");
    Preconditions.checkArgument(!delay.isNegative(), "delay must not be negative: %s", delay);
    long due = later(delay);
    if (running == e) {
      running = null;
    }
    if (sequence >= renumberAt) {
      renumber();
    }
    long window = keys.windowOf(due);
    queue.addKeys(keys.high(window, lane, due), keys.low(window, lane, due, sequence++), e);
    return e;
  }

  /**
   * Renumbers the pending events' sequence numbers 0, 1, ... in their order, so that the next
   * number fits its bits again (after 2^38 events or more; see {@link EventKeys}). Sequence numbers
   * only break ties, and every pending one keeps its rank, so no event's place changes: neither
   * among the queued and set-aside events nor against those scheduled later, numbered after them.
   */
  private void renumber() {
    int pending = queue.size();
    for (List<SetAside> aside : asides) {
      pending += aside.size();
    }
    long[] used = new long[pending];
    int[] n = new int[1];
    queue.replaceLowKeys(
        low -> {
          used[n[0]++] = keys.sequence(low);
          return low;
        });
    for (List<SetAside> aside : asides) {
      for (SetAside a : aside) {
        used[n[0]++] = keys.sequence(a.low);
      }
    }
    Arrays.sort(used);
    queue.replaceLowKeys(low -> keys.withSequence(low, rank(used, keys.sequence(low))));
    for (List<SetAside> aside : asides) {
      for (SetAside a : aside) {
        a.low = keys.withSequence(a.low, rank(used, keys.sequence(a.low)));
      }
    }
    sequence = pending;
  }

  private static long rank(long[] sorted, long sequence) {
    return Arrays.binarySearch(sorted, sequence);
  }

  /** Sequence numbers are renumbered when they reach {@code limit}: for tests. */
  synchronized void renumberAt(long limit) {
    Preconditions.checkArgument(limit >= 1 && limit <= keys.sequenceLimit(), "limit %s", limit);
    renumberAt = limit;
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
    if (previous == running && running != null && running.action == action) {
      return enqueue(currentLane, delay, running);
    }
    return scheduleIn(currentLane, delay, action);
  }

  /**
   * A new lane for events that touch only their own VM (see the class comment). Build the VM and
   * schedule its first events through the lane; what they schedule stays in it.
   *
   * @throws IllegalStateException past {@link #MAX_LANES}
   */
  public synchronized Lane newLane() {
    Preconditions.checkState(lanes.count() < MAX_LANES, "at most %s lanes", MAX_LANES);
    return new Lane(lanes.add(nowNanos));
  }

  /**
   * The handle of lane {@code number} (from 1, in the order {@link #newLane()} made them), for a
   * caller that did not keep it.
   */
  public synchronized Lane lane(int number) {
    Preconditions.checkArgument(
        number >= 1 && number <= lanes.count(), "no lane %s (lanes: %s)", number, lanes.count());
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
        queue.isEmpty() && !lanes.any(), "set the lane window before scheduling events");
    keys =
        EventKeys.forWindow(
            window.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0
                ? Long.MAX_VALUE
                : window.toNanos());
    renumberAt = Math.min(renumberAt, keys.sequenceLimit());
  }

  /**
   * Runs {@code tick} first after {@code initialDelay}, then again after each delay it returns,
   * until it returns {@code null} or the handle is cancelled. This is how a guest state machine's
   * {@code Duration tick()} is driven.
   */
  public synchronized Scheduled repeat(Duration initialDelay, Supplier<Duration> tick) {
    return repeatIn(currentLane, initialDelay, tick);
  }

  private Scheduled repeatIn(int lane, Duration initialDelay, Supplier<Duration> tick) {
    Preconditions.checkNotNull(tick, "tick");
    Repeating r = new Repeating(lane, tick);
    r.current = scheduleIn(lane, initialDelay, r);
    return r;
  }

  /**
   * Moves virtual time forward by {@code duration} without running events: for a call that takes
   * time while an event runs. Events that fell due meanwhile run next, late.
   */
  public synchronized void advance(Duration duration) {
    Preconditions.checkArgument(!duration.isNegative(), "duration must not be negative");
    nowNanos = later(duration);
    frontierNanos = Math.max(frontierNanos, nowNanos);
  }

  /** {@link #advance} as a consumer; the same instance every time, for all hosts to share. */
  public Consumer<Duration> advancer() {
    return advancer;
  }

  /**
   * Virtual time {@code delay} after now, in nanoseconds.
   *
   * @throws IllegalArgumentException when that is past the end of virtual time (about 292 years
   *     after the start)
   */
  private long later(Duration delay) {
    try {
      return Math.addExact(nowNanos, delay.toNanos());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "virtual time would pass its end (about 292 years): now "
              + Durations.format(Duration.ofNanos(nowNanos))
              + " plus "
              + delay,
          e);
    }
  }

  /** Now plus {@code span}, or the end of virtual time: how far a run may go. */
  private long until(Duration span) {
    long nanos =
        span.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : span.toNanos();
    return nanos > Long.MAX_VALUE - nowNanos ? Long.MAX_VALUE : nowNanos + nanos;
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
      if (queue.isEmpty()) {
        return false;
      }
      lane = enterHead();
      e = queue.poll();
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
    synchronized (this) {
      end = until(span);
    }
    List<SetAside> after = new ArrayList<>();
    synchronized (this) {
      asides.add(after);
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
            leave(ranLane);
            ranLane = -1;
          }
          if (!headDueBy(end, after)) {
            break;
          }
          lane = enterHead();
          e = queue.poll();
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
          leave(ranLane);
        }
        asides.remove(asides.size() - 1);
        for (SetAside a : after) {
          queue.addKeys(a.high, a.low, a.event);
        }
        if (finished && !stopped) {
          nowNanos = Math.max(frontierNanos, end);
          frontierNanos = nowNanos;
        }
      }
    }
    return stopped || stop.getAsBoolean();
  }

  /**
   * An event of the last window due after a run's end, with its keys, to put back (its sequence
   * number renumbered meanwhile if need be).
   */
  private static final class SetAside {
    final long high;
    long low;
    final Event event;

    SetAside(long high, long low, Event event) {
      this.high = high;
      this.low = low;
      this.event = event;
    }
  }

  /**
   * Whether the head is due by {@code end}; with lanes, first sets aside the events of the end's
   * window that are due after it (other lanes' events of that window may still be due before it).
   */
  private boolean headDueBy(long end, List<SetAside> after) {
    while (!queue.isEmpty()) {
      long high = queue.headHigh();
      long low = queue.headLow();
      if (keys.due(high, low) <= end) {
        return true;
      }
      if (!lanes.any() || keys.window(high, low) > keys.windowOf(end)) {
        return false;
      }
      after.add(new SetAside(high, low, queue.poll()));
    }
    return false;
  }

  /**
   * Moves time to the head event's (its lane's time, or its due time if later), before it is
   * polled; returns its lane.
   */
  private int enterHead() {
    eventsRun++;
    long high = queue.headHigh();
    long low = queue.headLow();
    int lane = keys.lane(high, low);
    currentLane = lane;
    long base = lanes.any() ? lanes.timeOf(lane) : nowNanos;
    nowNanos = Math.max(base, keys.due(high, low));
    frontierNanos = Math.max(frontierNanos, nowNanos);
    return lane;
  }

  /** Runs the event's action (outside the lock); with lanes, then leaves its lane. */
  private void run(Event e, int lane) {
    try {
      runAction(e);
    } finally {
      if (lanes.any()) {
        synchronized (this) {
          leave(lane);
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

  /**
   * After an event of {@code lane} ran: with lanes, the lane keeps the time it reached and the
   * clock shows the frontier again. Under the lock.
   */
  private void leave(int lane) {
    if (lanes.any()) {
      lanes.reached(lane, nowNanos);
      nowNanos = frontierNanos;
    }
    currentLane = 0;
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

  /**
   * One scheduled action; its due time, sequence and lane are kept by the queue, whether it runs
   * now by the simulation ({@code running}). One field, so 16 bytes: a pending tick per VM.
   */
  private static final class Event implements Scheduled {
    /** The action of a cancelled event. */
    static final Runnable CANCELLED = () -> {};

    /** The action, or {@link #CANCELLED}: cancelled from any thread, read by the loop's. */
    volatile Runnable action;

    Event(Runnable action) {
      this.action = action;
    }

    @Override
    public void cancel() {
      action = CANCELLED;
    }

    @Override
    public boolean isCancelled() {
      return action == CANCELLED;
    }
  }

  private final class Repeating implements Runnable, Scheduled {
    final int lane;
    final Supplier<Duration> tick;
    volatile boolean cancelled;
    Scheduled current;

    Repeating(int lane, Supplier<Duration> tick) {
      this.lane = lane;
      this.tick = tick;
    }

    @Override
    public void run() {
      if (cancelled) {
        return;
      }
      Duration next = tick.get();
      if (next != null && !cancelled) {
        synchronized (Simulation.this) {
          // The event that runs this is reused for the next run.
          current =
              current == running && running != null && running.action == this
                  ? enqueue(lane, next, running)
                  : scheduleIn(lane, next, this);
        }
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      Scheduled c = current;
      if (c != null) {
        c.cancel();
      }
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }
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
