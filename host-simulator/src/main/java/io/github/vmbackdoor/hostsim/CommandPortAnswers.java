package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;

import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.settings.HostIdentity;
import io.github.vmbackdoor.hostsim.settings.RemovableDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The host's answers to the numbered command-port commands other than MESSAGE: its identity
 * (GETVERSION, GETHWVERSION, GETUUID, GETMEMSIZE), its CPU speed (GETMHZ, GETHZ), its clock
 * (GETTIME, GETTIMEFULL, GETTIMEFULL_WITH_LAG), the VM's options (GETGUIOPTIONS) and its removable
 * devices (GETDEVICELISTELEMENT, TOGGLEDEVICE). Immutable apart from the clock it reads and the
 * devices' states, which TOGGLEDEVICE changes; guarded by the host's lock.
 */
final class CommandPortAnswers {

  // The identity as given (usually the shared defaults) rather than a copy of its values, and the
  // UUID as its two halves: an idle host holds no more than it must. The guest's changes (device
  // states, time synchronisation) make a copy.
  private HostIdentity identity;
  private final long uuidHigh;
  private final long uuidLow;
  private final Clock clock;

  /** GETGUIOPTIONS' bit for "synchronise the guest's clock" (VMWARE_GUI_SYNC_TIME, tclodefs.h). */
  static final int GUI_SYNC_TIME = 0x400;

  /** TOGGLEDEVICE's bit in ebx for "connect" (toolbox/toolboxcmd-devices.c). */
  private static final int TOGGLE_CONNECT = 0x8000_0000;

  CommandPortAnswers(HostIdentity identity, UUID uuid, Clock clock) {
    this.identity = identity;
    this.uuidHigh = uuid.getMostSignificantBits();
    this.uuidLow = uuid.getLeastSignificantBits();
    this.clock = clock;
  }

  /** Whether time synchronisation is on now. */
  boolean timeSync() {
    return identity.timeSync();
  }

  /** The guest turned time synchronisation on or off ({@code vmx.set_option synctime}). */
  void timeSync(boolean on) {
    identity = identity.withTimeSync(on);
  }

  /** The devices and their states now. */
  List<RemovableDevice> devices() {
    return identity.devices();
  }

  /**
   * Connects every network adapter (the devices named {@code ethernet<n>}), as the VMX does when
   * guest customisation asks it to ({@code deployPkg.update.state} with {@code
   * GUESTCUST_EVENT_ENABLE_NICS}).
   */
  void connectNetworkAdapters() {
    List<RemovableDevice> changed = new ArrayList<>();
    for (RemovableDevice d : identity.devices()) {
      changed.add(isNetworkAdapter(d) ? d.withEnabled(true) : d);
    }
    identity = identity.withDevices(changed);
  }

  /** Whether every network adapter is connected (true when there is none). */
  boolean networkAdaptersConnected() {
    return identity.devices().stream()
        .filter(CommandPortAnswers::isNetworkAdapter)
        .allMatch(RemovableDevice::enabled);
  }

  private static boolean isNetworkAdapter(RemovableDevice d) {
    return d.name().startsWith("ethernet");
  }

  HostIdentity identity() {
    return identity;
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
      case GETGUIOPTIONS -> r.withEax(id.timeSync() ? GUI_SYNC_TIME : 0);
      case GETDEVICELISTELEMENT -> deviceListElement(r);
      case TOGGLEDEVICE -> toggleDevice(r);
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

  /**
   * GETDEVICELISTELEMENT: ebx = device id << 16 | byte offset into its {@code RD_Info}; eax = 1 and
   * ebx = the four bytes there (little-endian), or eax = 0 for no such device or offset
   * (toolboxcmd-devices.c reads eax as the Bool success and ebx as the data).
   */
  private Registers deviceListElement(Registers r) {
    int id = r.ebx() >>> 16;
    int offset = r.ebx() & 0xFFFF;
    List<RemovableDevice> devices = identity.devices();
    if (id >= devices.size() || offset % 4 != 0 || offset >= RD_INFO_BYTES) {
      return r.withEax(0);
    }
    byte[] record = rdInfo(devices.get(id), id);
    int word =
        (record[offset] & 0xFF)
            | (record[offset + 1] & 0xFF) << 8
            | (record[offset + 2] & 0xFF) << 16
            | (record[offset + 3] & 0xFF) << 24;
    return r.toBuilder().eax(1).ebx(word).build();
  }

  /** The bytes of one {@code RD_Info} (removable_device.h): name[32], uint32 uid, Bool enabled. */
  private static final int RD_INFO_BYTES = 40;

  /** The {@code RD_Info} of {@code device} with {@code uid}, as the guest reads it. */
  private static byte[] rdInfo(RemovableDevice device, int uid) {
    byte[] r = new byte[RD_INFO_BYTES];
    byte[] n = device.name().getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(n, 0, r, 0, n.length);
    r[32] = (byte) uid;
    r[33] = (byte) (uid >>> 8);
    r[34] = (byte) (uid >>> 16);
    r[35] = (byte) (uid >>> 24);
    r[36] = (byte) (device.enabled() ? 1 : 0);
    return r;
  }

  /**
   * TOGGLEDEVICE: ebx = connect bit (bit 31) | device id; the device takes that state and eax = 1,
   * or eax = 0 for no such device (toolboxcmd-devices.c, {@code SetDeviceState}).
   */
  private Registers toggleDevice(Registers r) {
    int id = r.ebx() & 0x7FFF_FFFF;
    List<RemovableDevice> devices = identity.devices();
    if (id >= devices.size()) {
      return r.withEax(0);
    }
    List<RemovableDevice> changed = new ArrayList<>(devices);
    changed.set(id, devices.get(id).withEnabled((r.ebx() & TOGGLE_CONNECT) != 0));
    identity = identity.withDevices(changed);
    return r.withEax(1);
  }

  private Registers uuidRegisters(Registers r) {
    ByteBuffer b = ByteBuffer.allocate(16);
    b.putLong(uuidHigh).putLong(uuidLow);
    b.flip();
    b.order(ByteOrder.LITTLE_ENDIAN);
    return r.toBuilder().eax(b.getInt()).ebx(b.getInt()).ecx(b.getInt()).edx(b.getInt()).build();
  }
}
