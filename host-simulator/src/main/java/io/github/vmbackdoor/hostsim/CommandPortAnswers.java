package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;

import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.settings.HostIdentity;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

/**
 * The host's answers to the numbered command-port commands other than MESSAGE: its identity
 * (GETVERSION, GETHWVERSION, GETUUID, GETMEMSIZE), its CPU speed (GETMHZ, GETHZ) and its clock
 * (GETTIME, GETTIMEFULL, GETTIMEFULL_WITH_LAG). Immutable apart from the clock it reads.
 */
final class CommandPortAnswers {

  // The identity as given (usually the shared defaults) rather than a copy of its values, and the
  // UUID as its two halves: an idle host holds no more than it must.
  private final HostIdentity identity;
  private final long uuidHigh;
  private final long uuidLow;
  private final Clock clock;

  CommandPortAnswers(HostIdentity identity, UUID uuid, Clock clock) {
    this.identity = identity;
    this.uuidHigh = uuid.getMostSignificantBits();
    this.uuidLow = uuid.getLeastSignificantBits();
    this.clock = clock;
  }

  UUID uuid() {
    return new UUID(uuidHigh, uuidLow);
  }

  /** The answer to {@code command}, or null when this host does not implement it. */
  Registers answer(BackdoorCommand command, Registers r) {
    HostIdentity id = identity;
    return switch (command) {
      case GETVERSION ->
          r.toBuilder().eax(id.vmxVersion()).ebx(MAGIC).ecx(id.productType()).build();
      case GETHWVERSION -> r.toBuilder().eax(id.hardwareVersion()).ebx(MAGIC).build();
      case GETMHZ -> r.withEax(id.mhz());
      case GETMEMSIZE -> r.withEax(id.memoryMb());
      case GETUUID -> uuidRegisters(r);
      case GETHZ -> {
        long tscHz = id.mhz() * 1_000_000L;
        yield r.toBuilder()
            .eax((int) tscHz)
            .ebx((int) (tscHz >>> 32))
            .ecx((int) id.apicHz())
            .build();
      }
      case GETTIME -> {
        Instant t = clock.instant();
        yield r.toBuilder()
            .eax((int) t.getEpochSecond())
            .ebx(t.getNano() / 1000)
            .ecx(id.maxTimeLagMicros())
            .edx(0)
            .build();
      }
      case GETTIMEFULL -> timeFull(r).build();
      case GETTIMEFULL_WITH_LAG -> timeFull(r).edi(id.interruptLagMicros()).build();
      default -> null;
    };
  }

  private Registers.Builder timeFull(Registers r) {
    Instant t = clock.instant();
    long s = t.getEpochSecond();
    return r.toBuilder()
        .esi((int) (s >>> 32))
        .edx((int) s)
        .ebx(t.getNano() / 1000)
        .ecx(identity.maxTimeLagMicros());
  }

  private Registers uuidRegisters(Registers r) {
    ByteBuffer b = ByteBuffer.allocate(16);
    b.putLong(uuidHigh).putLong(uuidLow);
    b.flip();
    b.order(ByteOrder.LITTLE_ENDIAN);
    return r.toBuilder().eax(b.getInt()).ebx(b.getInt()).ecx(b.getInt()).edx(b.getInt()).build();
  }
}
