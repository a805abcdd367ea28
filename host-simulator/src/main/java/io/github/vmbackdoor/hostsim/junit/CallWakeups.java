package io.github.vmbackdoor.hostsim.junit;

import com.google.common.base.Ticker;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.Registers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Real-time waits for a condition on a host that guests call over TCP: a wait checks its condition
 * again after each call the host answers and each host event the test causes, and at least every
 * 100 ms.
 */
final class CallWakeups {

  /** How often a real-time wait checks its condition even when the host answers no call. */
  private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Object monitor = new Object();
  private final Ticker realTime;

  CallWakeups(Ticker realTime) {
    this.realTime = realTime;
  }

  /** Wakes the waits: something changed on the host. */
  void signal() {
    synchronized (monitor) {
      monitor.notifyAll();
    }
  }

  /**
   * Waits until {@code condition} holds, at most {@code timeout} of real time.
   *
   * @return whether the condition holds
   */
  boolean await(BooleanSupplier condition, Duration timeout) {
    long deadline = realTime.read() + timeout.toNanos();
    synchronized (monitor) {
      while (!condition.getAsBoolean()) {
        long left = deadline - realTime.read();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(monitor, Math.min(left, RECHECK_NANOS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return condition.getAsBoolean();
        }
      }
      return true;
    }
  }

  /** {@code host} as the server calls it: wakes the waits after every call. */
  Backdoor notifying(Backdoor host) {
    return new Backdoor() {
      @Override
      public Registers in(Registers registers) {
        try {
          return host.in(registers);
        } finally {
          signal();
        }
      }

      @Override
      public Registers outs(Registers registers, byte[] bytes) {
        try {
          return host.outs(registers, bytes);
        } finally {
          signal();
        }
      }

      @Override
      public Registers ins(Registers registers, byte[] into) {
        try {
          return host.ins(registers, into);
        } finally {
          signal();
        }
      }
    };
  }
}
