package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;

import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.Registers;
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

  private final UUID uuid;
  private final int memoryMb;
  private final int mhz;
  private final int hardwareVersion;
  private final int productType;
  private final int vmxVersion;
  private final long apicHz;
  private final int maxTimeLagMicros;
  private final int interruptLagMicros;
  private final Clock clock;

  CommandPortAnswers(HostIdentity c, UUID uuid, Clock clock) {
    this.uuid = uuid;
    this.memoryMb = c.memoryMb();
    this.mhz = c.mhz();
    this.hardwareVersion = c.hardwareVersion();
    this.productType = c.productType();
    this.vmxVersion = c.vmxVersion();
    this.apicHz = c.apicHz();
    this.maxTimeLagMicros = c.maxTimeLagMicros();
    this.interruptLagMicros = c.interruptLagMicros();
    this.clock = clock;
  }

  UUID uuid() {
    return uuid;
  }

  /** The answer to {@code command}, or null when this host does not implement it. */
  Registers answer(BackdoorCommand command, Registers r) {
    return switch (command) {
      case GETVERSION -> r.toBuilder().eax(vmxVersion).ebx(MAGIC).ecx(productType).build();
      case GETHWVERSION -> r.toBuilder().eax(hardwareVersion).ebx(MAGIC).build();
      case GETMHZ -> r.withEax(mhz);
      case GETMEMSIZE -> r.withEax(memoryMb);
      case GETUUID -> uuidRegisters(r);
      case GETHZ -> {
        long tscHz = mhz * 1_000_000L;
        yield r.toBuilder().eax((int) tscHz).ebx((int) (tscHz >>> 32)).ecx((int) apicHz).build();
      }
      case GETTIME -> {
        Instant t = clock.instant();
        yield r.toBuilder()
            .eax((int) t.getEpochSecond())
            .ebx(t.getNano() / 1000)
            .ecx(maxTimeLagMicros)
            .edx(0)
            .build();
      }
      case GETTIMEFULL -> timeFull(r).build();
      case GETTIMEFULL_WITH_LAG -> timeFull(r).edi(interruptLagMicros).build();
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
        .ecx(maxTimeLagMicros);
  }

  private Registers uuidRegisters(Registers r) {
    ByteBuffer b = ByteBuffer.allocate(16);
    b.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
    b.flip();
    b.order(ByteOrder.LITTLE_ENDIAN);
    return r.toBuilder().eax(b.getInt()).ebx(b.getInt()).ecx(b.getInt()).edx(b.getInt()).build();
  }
}
