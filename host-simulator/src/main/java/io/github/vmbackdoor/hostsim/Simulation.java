package io.github.vmbackdoor.hostsim;

import com.google.common.base.Preconditions;
import com.google.common.base.Ticker;
import io.github.vmbackdoor.rpc.Cancellable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
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
  private final Consumer<Duration> advancer = this::advance;
  private long nowNanos;
  private long sequence;
  private long eventsRun;

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
  public synchronized Instant now() {
    return start.plusNanos(nowNanos);
  }

  /** Virtual time elapsed since the start. */
  public synchronized Duration elapsed() {
    return Duration.ofNanos(nowNanos);
  }

  /** Virtual nanoseconds elapsed since the start (what {@link #ticker()} reads). */
  public synchronized long nanos() {
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
    Preconditions.checkNotNull(delay, "delay");
    Preconditions.checkNotNull(action, "action");
    Preconditions.checkArgument(!delay.isNegative(), "delay must not be negative: %s", delay);
    Event e = new Event(action);
    queue.add(later(delay), sequence++, e);
    return e;
  }

  /**
   * Runs {@code tick} first after {@code initialDelay}, then again after each delay it returns,
   * until it returns {@code null} or the handle is cancelled. This is how a guest state machine's
   * {@code Duration tick()} is driven.
   */
  public synchronized Scheduled repeat(Duration initialDelay, Supplier<Duration> tick) {
    Preconditions.checkNotNull(tick, "tick");
    Repeating r = new Repeating(tick);
    r.current = schedule(initialDelay, r);
    return r;
  }

  /**
   * Moves virtual time forward by {@code duration} without running events: for a call that takes
   * time while an event runs. Events that fell due meanwhile run next, late.
   */
  public synchronized void advance(Duration duration) {
    Preconditions.checkArgument(!duration.isNegative(), "duration must not be negative");
    nowNanos = later(duration);
  }

  /** {@link #advance} as a consumer; the same instance every time, for all hosts to share. */
  Consumer<Duration> advancer() {
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
    synchronized (this) {
      if (queue.isEmpty()) {
        return false;
      }
      nowNanos = Math.max(nowNanos, queue.headDue());
      e = queue.poll();
      eventsRun++;
    }
    if (!e.cancelled) {
      e.action.run();
    }
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
    long end;
    synchronized (this) {
      end = until(duration);
    }
    int n = 0;
    while (true) {
      synchronized (this) {
        if (queue.isEmpty() || queue.headDue() > end) {
          nowNanos = Math.max(nowNanos, end);
          return n;
        }
      }
      step();
      n++;
    }
  }

  /**
   * Runs events until {@code condition} holds (checked before each event) or {@code limit} of
   * virtual time has passed, whichever comes first.
   *
   * @return whether the condition holds
   */
  public boolean runUntil(BooleanSupplier condition, Duration limit) {
    Preconditions.checkNotNull(condition, "condition");
    long end;
    synchronized (this) {
      end = until(limit);
    }
    while (!condition.getAsBoolean()) {
      synchronized (this) {
        if (queue.isEmpty() || queue.headDue() > end) {
          nowNanos = Math.max(nowNanos, end);
          return condition.getAsBoolean();
        }
      }
      step();
    }
    return true;
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

  /** One scheduled action; its due time is kept by the queue. */
  private static final class Event implements Scheduled {
    final Runnable action;
    volatile boolean cancelled;

    Event(Runnable action) {
      this.action = action;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }
  }

  private final class Repeating implements Runnable, Scheduled {
    final Supplier<Duration> tick;
    volatile boolean cancelled;
    Scheduled current;

    Repeating(Supplier<Duration> tick) {
      this.tick = tick;
    }

    @Override
    public void run() {
      if (cancelled) {
        return;
      }
      Duration next = tick.get();
      if (next != null && !cancelled) {
        current = schedule(next, this);
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

  private static final class VirtualClock extends Clock {
    private final Simulation simulation;
    private final ZoneId zone;

    VirtualClock(Simulation simulation, ZoneId zone) {
      this.simulation = simulation;
      this.zone = zone;
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return new VirtualClock(simulation, zone);
    }

    @Override
    public Instant instant() {
      return simulation.now();
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
