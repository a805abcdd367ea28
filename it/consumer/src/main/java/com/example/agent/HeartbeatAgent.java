package com.example.agent;

import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.rpc.Cancellable;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.TickScheduler;
import java.time.Duration;
import java.util.Objects;

/**
 * A guest agent's heartbeat: every period it writes the beat's number to {@code
 * guestinfo.heartbeat}, so the host side can tell a live guest from a stuck one. A beat the host
 * refuses is counted as missed; the next beat is tried all the same.
 */
public final class HeartbeatAgent {

  /** The guestinfo variable the agent writes. */
  public static final String GUEST_INFO_NAME = "heartbeat";

  private final RpciClient rpci;
  private final TickScheduler scheduler;
  private final Duration period;

  // all of these are touched only by the scheduler's thread, or before start()
  private long beats;
  private long missed;
  private Cancellable next;
  private boolean stopped;

  public HeartbeatAgent(RpciClient rpci, TickScheduler scheduler, Duration period) {
    this.rpci = Objects.requireNonNull(rpci, "rpci");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    if (period.isZero() || period.isNegative()) {
      throw new IllegalArgumentException("period must be positive: " + period);
    }
    this.period = period;
  }

  /** Schedules the first beat one period from now. */
  public synchronized void start() {
    next = scheduler.schedule(period, this::beat);
  }

  /** Calls off the next beat. */
  public synchronized void stop() {
    stopped = true;
    if (next != null) {
      next.cancel();
    }
  }

  /** How many beats were tried. */
  public synchronized long beats() {
    return beats;
  }

  /** How many beats the host refused. */
  public synchronized long missed() {
    return missed;
  }

  private synchronized void beat() {
    if (stopped) {
      return;
    }
    beats++;
    try {
      if (!rpci.guestInfoSet(GUEST_INFO_NAME, Long.toString(beats)).isSuccess()) {
        missed++;
      }
    } catch (BackdoorException e) {
      missed++;
    }
    next = scheduler.schedule(period, this::beat);
  }
}
