package io.github.vmbackdoor.hostsim.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * What a program under the trap must never change on the machine that runs it: its boot (the
 * kernel's boot id: a reboot makes a new one) and its clock (wall-clock time minus the monotonic
 * clock, which a clock step or slew moves).
 *
 * @param bootId the kernel's boot id
 * @param wallMinusMonotonicNanos wall-clock time minus the monotonic clock, in nanoseconds
 */
record MachineState(String bootId, long wallMinusMonotonicNanos) {

  /** How far the two clocks may drift apart during a test without anyone setting either. */
  static final Duration CLOCK_TOLERANCE = Duration.ofMillis(250);

  static MachineState now() {
    try {
      String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
      long mono = System.nanoTime();
      Instant wall = Instant.now();
      long wallNanos = wall.getEpochSecond() * 1_000_000_000L + wall.getNano();
      return new MachineState(boot, wallNanos - mono);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void assertUntouchedSince(MachineState before) {
    assertThat(bootId).as("boot id (a reboot changes it)").isEqualTo(before.bootId);
    assertThat(Math.abs(wallMinusMonotonicNanos - before.wallMinusMonotonicNanos))
        .as("wall clock moved against the monotonic clock by (ns)")
        .isLessThan(CLOCK_TOLERANCE.toNanos());
  }
}
