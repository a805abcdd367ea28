package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableList;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The guest's memory statistics as the tools report them ({@code SetGuestInfo} type 8, {@link
 * GuestReports#INFO_MEMORY}), read by the names of open-vm-tools' lib/include/guestStats.h. A
 * malformed report reads as what could be read, never as an error. Stateless.
 */
final class GuestMemoryStats {

  private GuestMemoryStats() {}

  /** Bytes of {@code GuestMemInfoLegacy}, which comes first. */
  private static final int MEM_LEGACY = 112;

  /** guestStats.h's statistic names by id ({@code DEFINE_GUEST_STAT}). */
  private static final ImmutableList<String> STAT_NAMES =
      ImmutableList.of(
          "__INVALID__",
          "__NONE__",
          "guest.contextSwapRate",
          "guest.mem.activeFileCache",
          "guest.mem.free",
          "guest.mem.needed",
          "guest.mem.physUsable",
          "guest.page.inRate",
          "guest.page.outRate",
          "guest.swap.spaceRemaining",
          "guest.page.size",
          "guest.hugePage.size",
          "guest.hugePage.total",
          "guest.mem.neededReservation",
          "guest.swap.pageInRate",
          "guest.swap.pageOutRate",
          "guest.processCreationRate",
          "guest.swap.used",
          "guest.swap.filesCurrent",
          "guest.swap.filesMax",
          "guest.threadCreationRate",
          "guest.hugePage.free",
          "guest.mem.lowWaterMark",
          "guest.mem.active",
          "guest.mem.activeAnon",
          "guest.mem.available",
          "guest.mem.buffers",
          "guest.mem.cached",
          "guest.mem.committed",
          "guest.mem.dirty",
          "guest.mem.inactive",
          "guest.mem.inactiveAnon",
          "guest.mem.inactiveFile",
          "guest.mem.pinned",
          "guest.mem.slabReclaim",
          "guest.mem.swap.cached",
          "guest.page.directScanRate",
          "guest.page.faultRate",
          "guest.page.freeRate",
          "guest.page.majorFaultRate",
          "guest.page.stealRate",
          "guest.page.swapScanRate",
          "guest.swappiness",
          "guest.mem.modifiedPages",
          "guest.mem.availableToMm",
          "guest.mem.standby.core",
          "guest.mem.standby.normal",
          "guest.mem.standby.reserve",
          "guest.mem.pagedPool.resident",
          "guest.system.codeResident",
          "guest.system.driverResident",
          "guest.mem.nonPagedPool.size",
          "guest.mem.cache",
          "guest.system.freePtes",
          "guest.mem.commitLimit",
          "guest.mem.committed",
          "guest.mem.privateWorkingSet",
          "guest.disk.readRate",
          "guest.disk.writeRate",
          "guest.swap.automaticFileMax",
          "guest.mem.total",
          "guest.cpu.runQueue",
          "guest.disk.requestQueue",
          "guest.disk.requestQueueAvg",
          "guest.processor.queue",
          "guest.disk.queue",
          "guest.disk.queueAvg");

  private static final int DATUM_NAMESPACE = 0x02;
  private static final int DATUM_ID = 0x04;
  private static final int DATUM_TYPE = 0x08;
  private static final int DATUM_TYPE_STRING = 0x10;
  private static final int DATUM_UNIT = 0x20;
  private static final int DATUM_UNIT_STRING = 0x40;
  private static final int DATUM_VALUE = 0x80;

  /**
   * The statistics of an {@code INFO_MEMORY} value (guestInfo's perfMonLinux.c, {@code
   * GuestInfoEncodeStats}): {@code GuestMemInfoLegacy}, whose {@code memTotal} (KiB) is read as
   * {@code guest.mem.total} when the new form lacks it, then one record a statistic: uint32 datum
   * flags, then each datum present as a uint16 size and its bytes, little-endian. Integer values
   * are kept; others (floating point, text) are skipped.
   */
  static Map<String, Long> read(String value) {
    Map<String, Long> stats = new LinkedHashMap<>();
    ByteBuffer b =
        ByteBuffer.wrap(value.getBytes(StandardCharsets.ISO_8859_1)).order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() < MEM_LEGACY) {
      return stats;
    }
    long legacyTotal = (b.getInt(4) & 1) != 0 ? b.getLong(8) : -1;
    b.position(MEM_LEGACY);
    try {
      while (b.remaining() >= 4) {
        int flags = b.getInt();
        long id = -1;
        long type = -1;
        byte[] data = null;
        for (int bit = DATUM_NAMESPACE; bit <= DATUM_VALUE; bit <<= 1) {
          if ((flags & bit) == 0) {
            continue;
          }
          byte[] d = new byte[b.getShort() & 0xFFFF];
          b.get(d);
          switch (bit) {
            case DATUM_ID -> id = unsigned(d);
            case DATUM_TYPE -> type = unsigned(d);
            case DATUM_VALUE -> data = d;
            default -> {} // namespace, unit, type and unit as text
          }
        }
        // GuestValueType: Int8 2 .. Uint64 9 are integers, little-endian.
        if (data != null && type >= 2 && type <= 9 && id >= 0 && id < STAT_NAMES.size()) {
          stats.put(STAT_NAMES.get((int) id), unsigned(data));
        }
      }
    } catch (BufferUnderflowException malformed) {
      // what was read stands
    }
    if (legacyTotal >= 0) {
      stats.putIfAbsent("guest.mem.total", legacyTotal);
    }
    return stats;
  }

  private static long unsigned(byte[] d) {
    long v = 0;
    for (int i = Math.min(d.length, 8) - 1; i >= 0; i--) {
      v = v << 8 | (d[i] & 0xFF);
    }
    return v;
  }
}
