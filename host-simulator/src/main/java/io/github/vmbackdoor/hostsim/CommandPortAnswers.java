package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;

import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.hostsim.settings.HostIdentity;
import io.github.vmbackdoor.hostsim.settings.RemovableDevice;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The host's answers to the numbered command-port commands other than MESSAGE: its identity
 * (GETVERSION, GETHWVERSION, GETUUID, GETMEMSIZE), its CPU speed (GETMHZ, GETHZ), its clock
 * (GETTIME, GETTIMEFULL, GETTIMEFULL_WITH_LAG), the VM's options (GETGUIOPTIONS) and its removable
 * devices (GETDEVICELISTELEMENT, TOGGLEDEVICE). Stateless: the VM's identity (which TOGGLEDEVICE
 * and the guest's options change) and UUID are its message server's, the clock is the host's
 * setup's, so a VM holds no object for its answers. Under the host's lock.
 */
final class CommandPortAnswers {

  /** GETGUIOPTIONS' bit for "synchronise the guest's clock" (VMWARE_GUI_SYNC_TIME, tclodefs.h). */
  static final int GUI_SYNC_TIME = 0x400;

  /** TOGGLEDEVICE's bit in ebx for "connect" (toolbox/toolboxcmd-devices.c). */
  private static final int TOGGLE_CONNECT = 0x8000_0000;

  private CommandPortAnswers() {}

  /** The VM the answers are of: its identity, which the guest may change, its UUID, its clock. */
  interface Vm {
    /** The VM's identity now, with the guest's changes. */
    HostIdentity identity();

    /** The guest changed the VM's identity (device states, time synchronisation). */
    void identity(HostIdentity changed);

    /** The BIOS UUID's most significant half. */
    long uuidHigh();

    /** The BIOS UUID's least significant half. */
    long uuidLow();

    /** The host clock GETTIME and GETTIMEFULL read. */
    Clock clock();
  }

  /** The guest turned time synchronisation on or off ({@code vmx.set_option synctime}). */
  static void timeSync(Vm vm, boolean on) {
    vm.identity(vm.identity().withTimeSync(on));
  }

  /**
   * Connects every network adapter (the devices named {@code ethernet<n>}), as the VMX does when
   * guest customisation asks it to ({@code deployPkg.update.state} with {@code
   * GUESTCUST_EVENT_ENABLE_NICS}).
   */
  static void connectNetworkAdapters(Vm vm) {
    List<RemovableDevice> changed = new ArrayList<>();
    for (RemovableDevice d : vm.identity().devices()) {
      changed.add(isNetworkAdapter(d) ? d.withEnabled(true) : d);
    }
    vm.identity(vm.identity().withDevices(changed));
  }

  /** Whether every network adapter is connected (true when there is none). */
  static boolean networkAdaptersConnected(HostIdentity identity) {
    return identity.devices().stream()
        .filter(CommandPortAnswers::isNetworkAdapter)
        .allMatch(RemovableDevice::enabled);
  }

  private static boolean isNetworkAdapter(RemovableDevice d) {
    return d.name().startsWith("ethernet");
  }

  /**
   * Answers {@code command} loaded with {@code r} into {@code out} (which holds {@code r} on
   * entry); false when this host does not implement it (out unchanged).
   */
  static boolean answer(Vm vm, BackdoorCommand command, MutableRegisters r, MutableRegisters out) {
    HostIdentity id = vm.identity();
    Clock clock = vm.clock();
    switch (command) {
      case GETVERSION -> out.eax(id.vmxVersion()).ebx(MAGIC).ecx(id.productType());
      case GETHWVERSION -> out.eax(id.hardwareVersion()).ebx(MAGIC);
      case GETMHZ -> out.eax(id.mhz());
      case GETMEMSIZE -> out.eax(id.memoryMb());
      case GETUUID -> uuidRegisters(vm, out);
      case GETHZ -> {
        long tscHz = id.mhz() * 1_000_000L;
        out.eax((int) tscHz).ebx((int) (tscHz >>> 32)).ecx((int) id.apicHz());
      }
      case GETTIME -> {
        Instant t = clock.instant();
        out.eax((int) t.getEpochSecond()).ebx(t.getNano() / 1000).ecx(id.maxTimeLagMicros()).edx(0);
      }
      case GETTIMEFULL -> timeFull(clock, id, out);
      case GETTIMEFULL_WITH_LAG -> timeFull(clock, id, out).edi(id.interruptLagMicros());
      case GETGUIOPTIONS -> out.eax(id.timeSync() ? GUI_SYNC_TIME : 0);
      case GETDEVICELISTELEMENT -> deviceListElement(id, r, out);
      case TOGGLEDEVICE -> toggleDevice(vm, r, out);
      default -> {
        return false;
      }
    }
    return true;
  }

  private static MutableRegisters timeFull(Clock clock, HostIdentity id, MutableRegisters out) {
    Instant t = clock.instant();
    long s = t.getEpochSecond();
    return out.esi((int) (s >>> 32))
        .edx((int) s)
        .ebx(t.getNano() / 1000)
        .ecx(id.maxTimeLagMicros());
  }

  /**
   * GETDEVICELISTELEMENT: ebx = device id << 16 | byte offset into its {@code RD_Info}; eax = 1 and
   * ebx = the four bytes there (little-endian), or eax = 0 for no such device or offset
   * (toolboxcmd-devices.c reads eax as the Bool success and ebx as the data).
   */
  private static void deviceListElement(
      HostIdentity identity, MutableRegisters r, MutableRegisters out) {
    int id = r.ebx() >>> 16;
    int offset = r.ebx() & 0xFFFF;
    List<RemovableDevice> devices = identity.devices();
    if (id >= devices.size() || offset % 4 != 0 || offset >= RD_INFO_BYTES) {
      out.eax(0);
      return;
    }
    byte[] record = rdInfo(devices.get(id), id);
    int word =
        (record[offset] & 0xFF)
            | (record[offset + 1] & 0xFF) << 8
            | (record[offset + 2] & 0xFF) << 16
            | (record[offset + 3] & 0xFF) << 24;
    out.eax(1).ebx(word);
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
  private static void toggleDevice(Vm vm, MutableRegisters r, MutableRegisters out) {
    int id = r.ebx() & 0x7FFF_FFFF;
    HostIdentity identity = vm.identity();
    List<RemovableDevice> devices = identity.devices();
    if (id >= devices.size()) {
      out.eax(0);
      return;
    }
    List<RemovableDevice> changed = new ArrayList<>(devices);
    changed.set(id, devices.get(id).withEnabled((r.ebx() & TOGGLE_CONNECT) != 0));
    vm.identity(identity.withDevices(changed));
    out.eax(1);
  }

  /** GETUUID: the UUID's 16 bytes, big-endian as two longs, read as four little-endian words. */
  private static void uuidRegisters(Vm vm, MutableRegisters out) {
    long uuidHigh = vm.uuidHigh();
    long uuidLow = vm.uuidLow();
    out.eax(Integer.reverseBytes((int) (uuidHigh >>> 32)))
        .ebx(Integer.reverseBytes((int) uuidHigh))
        .ecx(Integer.reverseBytes((int) (uuidLow >>> 32)))
        .edx(Integer.reverseBytes((int) uuidLow));
  }
}
