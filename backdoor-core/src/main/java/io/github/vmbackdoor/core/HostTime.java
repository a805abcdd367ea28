package io.github.vmbackdoor.core;

import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The host's clock as GETTIME (23), GETTIMEFULL (46) or GETTIMEFULL_WITH_LAG (55) reports it.
 *
 * @param command the command that produced it
 * @param seconds host time in seconds since the epoch, unsigned (32 bits for GETTIME, 64 for the
 *     two FULL commands)
 * @param microseconds the microseconds within that second (ebx, unsigned)
 * @param maxTimeLagMicros the largest time lag the host allows, in microseconds (ecx, unsigned);
 *     for GETTIME and GETTIMEFULL it includes the interrupt lag, for GETTIMEFULL_WITH_LAG it is the
 *     configured maximum only
 * @param interruptLagMicros the current interrupt lag in microseconds (edi, unsigned), present only
 *     for GETTIMEFULL_WITH_LAG
 */
public record HostTime(
    BackdoorCommand command,
    long seconds,
    long microseconds,
    long maxTimeLagMicros,
    OptionalLong interruptLagMicros) {

  /** Checks the command is one of the three time commands. */
  public HostTime {
    if (!(command == BackdoorCommand.GETTIME
        || command == BackdoorCommand.GETTIMEFULL
        || command == BackdoorCommand.GETTIMEFULL_WITH_LAG)) {
      throw new IllegalArgumentException("not a time command: " + command);
    }
    Objects.requireNonNull(interruptLagMicros);
  }

  /**
   * The host time as an instant. Seconds beyond what {@link Instant} holds, and microseconds of a
   * million or more, are passed on as they are and fail there.
   */
  public Instant toInstant() {
    return Instant.ofEpochSecond(seconds, Math.multiplyExact(microseconds, 1000L));
  }
}
