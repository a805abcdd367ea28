package io.github.vmbackdoor.hostsim.settings;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.VmxVersion;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Who a {@link io.github.vmbackdoor.hostsim.VirtualHost} and its VM are, as the command port,
 * {@code machine.id.get} and the Guest API answer: UUID, memory, CPU speed, versions, time lags,
 * machine id, time synchronisation, removable devices, Guest API values. An immutable value; {@link
 * #DEFAULTS} is an ESXi 8 host of hardware version 20, and each {@code with...} method gives a copy
 * with one setting changed. Every value is checked here, once. {@link HostSetting} names each
 * setting for the text forms.
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
 * @param timeSync whether the VM's configuration has the tools synchronise the guest's clock
 *     (GETGUIOPTIONS' sync-time bit, the {@code Set_Option synctime} the host sends)
 * @param devices the devices the guest may connect and disconnect (GETDEVICELISTELEMENT)
 * @param guestApi the values the Guest API ({@code guestlib.info.get}) answers
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
    String machineId,
    boolean timeSync,
    List<RemovableDevice> devices,
    GuestApiValues guestApi) {

  /**
   * An ESXi 8 host ({@link HostProfile#ESXI_8}): 4096 MB, 2400 MHz, hardware version 20, UUID drawn
   * from the seed; time synchronisation off, one network adapter ({@code ethernet0}, connected),
   * the Guest API's defaults.
   */
  public static final HostIdentity DEFAULTS =
      new HostIdentity(
          Optional.empty(),
          4096,
          2400,
          20,
          VmxVersion.ProductType.SCALABLE_SERVER.code(),
          BackdoorProtocol.VERSION_MAGIC,
          66_000_000L,
          1_000_000,
          0,
          "",
          false,
          RemovableDevice.DEFAULTS,
          GuestApiValues.DEFAULTS);

  /** Checks every setting. */
  public HostIdentity {
    Preconditions.checkNotNull(uuid, "uuid");
    Preconditions.checkArgument(memoryMb > 0, "memoryMb must be positive: %s", memoryMb);
    Preconditions.checkArgument(mhz > 0, "mhz must be positive: %s", mhz);
    Preconditions.checkNotNull(machineId, "machineId");
    devices = ImmutableList.copyOf(devices);
    Preconditions.checkArgument(
        devices.stream().map(RemovableDevice::name).distinct().count() == devices.size(),
        "a device is named twice: %s",
        RemovableDevice.format(devices));
    Preconditions.checkArgument(
        devices.size() <= MAX_DEVICES, "at most %s devices, not %s", MAX_DEVICES, devices.size());
    Preconditions.checkNotNull(guestApi, "guestApi");
  }

  /**
   * The most devices a VM lists: the ids the guest asks for (open-vm-tools'
   * toolbox/toolboxcmd-devices.c, {@code MAX_DEVICES}).
   */
  public static final int MAX_DEVICES = 50;

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

  /** A copy with time synchronisation on or off. */
  public HostIdentity withTimeSync(boolean value) {
    return with(i -> i.timeSync = value);
  }

  /** A copy with other devices. */
  public HostIdentity withDevices(List<RemovableDevice> value) {
    return with(i -> i.devices = value);
  }

  /** A copy with other Guest API values. */
  public HostIdentity withGuestApi(GuestApiValues value) {
    return with(i -> i.guestApi = value);
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
    boolean timeSync;
    List<RemovableDevice> devices;
    GuestApiValues guestApi;

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
      timeSync = i.timeSync;
      devices = i.devices;
      guestApi = i.guestApi;
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
          machineId,
          timeSync,
          devices,
          guestApi);
    }
  }
}
