package io.github.vmbackdoor.hostsim.settings;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.VmxVersion;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Who a {@link io.github.vmbackdoor.hostsim.VirtualHost} is, as the command port and {@code
 * machine.id.get} answer: UUID, memory, CPU speed, versions, time lags, machine id. An immutable
 * value; {@link #DEFAULTS} is an ESX host of hardware version 19, and each {@code with...} method
 * gives a copy with one setting changed. Every value is checked here, once. {@link HostSetting}
 * names each setting for the text forms.
 *
 * @param uuid the BIOS UUID (GETUUID); empty to draw it from the host's seed
 * @param memoryMb guest memory in MB (GETMEMSIZE), positive
 * @param mhz CPU speed in MHz (GETMHZ), positive
 * @param hardwareVersion virtual hardware version (GETHWVERSION)
 * @param productType GETVERSION's ecx
 * @param vmxVersion GETVERSION's eax
 * @param apicHz APIC bus frequency in Hz (GETHZ's ecx)
 * @param maxTimeLagMicros max time lag in microseconds (GETTIME ecx)
 * @param interruptLagMicros interrupt lag in microseconds (GETTIMEFULL_WITH_LAG edi)
 * @param machineId what {@code machine.id.get} answers after "1 "
 */
public record HostIdentity(
    Optional<UUID> uuid,
    int memoryMb,
    int mhz,
    int hardwareVersion,
    int productType,
    int vmxVersion,
    long apicHz,
    int maxTimeLagMicros,
    int interruptLagMicros,
    String machineId) {

  /** An ESX host: 4096 MB, 2400 MHz, hardware version 19, UUID drawn from the seed. */
  public static final HostIdentity DEFAULTS =
      new HostIdentity(
          Optional.empty(),
          4096,
          2400,
          19,
          VmxVersion.ProductType.SCALABLE_SERVER.code(),
          BackdoorProtocol.VERSION_MAGIC,
          66_000_000L,
          1_000_000,
          0,
          "");

  /** Checks every setting. */
  public HostIdentity {
    Preconditions.checkNotNull(uuid, "uuid");
    Preconditions.checkArgument(memoryMb > 0, "memoryMb must be positive: %s", memoryMb);
    Preconditions.checkArgument(mhz > 0, "mhz must be positive: %s", mhz);
    Preconditions.checkNotNull(machineId, "machineId");
  }

  /** A copy with this UUID (empty to draw it from the seed). */
  public HostIdentity withUuid(Optional<UUID> value) {
    return with(i -> i.uuid = value);
  }

  /** A copy with another memory size. */
  public HostIdentity withMemoryMb(int value) {
    return with(i -> i.memoryMb = value);
  }

  /** A copy with another CPU speed. */
  public HostIdentity withMhz(int value) {
    return with(i -> i.mhz = value);
  }

  /** A copy with another hardware version. */
  public HostIdentity withHardwareVersion(int value) {
    return with(i -> i.hardwareVersion = value);
  }

  /** A copy with another product type (GETVERSION's ecx). */
  public HostIdentity withProductType(int value) {
    return with(i -> i.productType = value);
  }

  /** A copy with another VMX version (GETVERSION's eax). */
  public HostIdentity withVmxVersion(int value) {
    return with(i -> i.vmxVersion = value);
  }

  /** A copy with another APIC frequency. */
  public HostIdentity withApicHz(long value) {
    return with(i -> i.apicHz = value);
  }

  /** A copy with another max time lag. */
  public HostIdentity withMaxTimeLagMicros(int value) {
    return with(i -> i.maxTimeLagMicros = value);
  }

  /** A copy with another interrupt lag. */
  public HostIdentity withInterruptLagMicros(int value) {
    return with(i -> i.interruptLagMicros = value);
  }

  /** A copy with another machine id. */
  public HostIdentity withMachineId(String value) {
    return with(i -> i.machineId = value);
  }

  /** A copy with one setting changed: the one way every {@code with} method copies. */
  private HostIdentity with(Consumer<Fields> change) {
    Fields copy = new Fields(this);
    change.accept(copy);
    return copy.build();
  }

  /** The values of a {@link HostIdentity} while a copy is being changed. */
  private static final class Fields {
    Optional<UUID> uuid;
    int memoryMb;
    int mhz;
    int hardwareVersion;
    int productType;
    int vmxVersion;
    long apicHz;
    int maxTimeLagMicros;
    int interruptLagMicros;
    String machineId;

    Fields(HostIdentity i) {
      uuid = i.uuid;
      memoryMb = i.memoryMb;
      mhz = i.mhz;
      hardwareVersion = i.hardwareVersion;
      productType = i.productType;
      vmxVersion = i.vmxVersion;
      apicHz = i.apicHz;
      maxTimeLagMicros = i.maxTimeLagMicros;
      interruptLagMicros = i.interruptLagMicros;
      machineId = i.machineId;
    }

    HostIdentity build() {
      return new HostIdentity(
          uuid,
          memoryMb,
          mhz,
          hardwareVersion,
          productType,
          vmxVersion,
          apicHz,
          maxTimeLagMicros,
          interruptLagMicros,
          machineId);
    }
  }
}
