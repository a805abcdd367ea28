package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.hostsim.internal.Printable;
import io.github.vmbackdoor.hostsim.settings.GuestApiValues;
import io.github.vmbackdoor.hostsim.settings.HostIdentity;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToLongFunction;

/**
 * The host's side of the VMware Guest API (open-vm-tools' libguestlib): {@code guestlib.info.get
 * <version>} answered with version 3 of the statistics, and {@code guestlib.stat.get <encoding>
 * <stat>}. The reply to {@code guestlib.info.get 3} is, after {@code "1 "}, the packed {@code
 * VMGuestLibHeader} (uint32 version, uint64 session id, little-endian as the guest reads it from
 * memory), a uint32 data size, and the XDR data: the count of statistics, then each statistic in
 * order of its id from 1, a union of the id and its value (libguestlib/vmGuestLibInt.h,
 * guestlibV3.x, vmGuestLib.c {@code VMGuestLibUpdateInfo}). Stateless: each reply is made from the
 * values, identity and time it is given.
 */
final class GuestLib {

  /** The version of the statistics answered. */
  static final int VERSION = 3;

  private GuestLib() {}

  /** How a statistic's value is encoded in XDR. */
  private sealed interface Kind {
    void encode(ByteBuffer out, Long value);
  }

  /** {@code GuestLibV3StatUint32}: Bool valid, uint32 value. */
  private record Uint32() implements Kind {
    @Override
    public void encode(ByteBuffer out, Long value) {
      out.putInt(value == null ? 0 : 1).putInt(value == null ? 0 : value.intValue());
    }
  }

  /** {@code GuestLibV3StatUint64}: Bool valid, uint64 value. */
  private record Uint64() implements Kind {
    @Override
    public void encode(ByteBuffer out, Long value) {
      out.putInt(value == null ? 0 : 1).putLong(value == null ? 0 : value);
    }
  }

  /** {@code GuestLibV3String} and {@code GuestLibV3ByteArray}, never given: not valid, empty. */
  private record Empty() implements Kind {
    @Override
    public void encode(ByteBuffer out, Long value) {
      out.putInt(0).putInt(0);
    }
  }

  private static final Kind U32 = new Uint32();
  private static final Kind U64 = new Uint64();
  private static final Kind EMPTY = new Empty();

  /**
   * The encoding of each statistic, in id order from 1 ({@link GuestApiValues#STATISTICS} names
   * them): guestlibV3.x's union arms.
   */
  private static final Kind[] KINDS = {
    U32, U32, U32, U64, U32, U32, U32, U32, U32, U32, U32, U32, U32, U32, U32, U32, U64, EMPTY,
    U64, U64, U32, U64, U64, U64, U64, U64, U64, U64, U64, U64, U32, U32, U32, U32, U32, U32,
    EMPTY, U64
  };

  private static final String SESSION_ID = GuestApiValues.SESSION_ID;

  /** Unlimited, as a 32-bit limit reads. */
  private static final long UNLIMITED = 0xFFFF_FFFFL;

  /** What the host knows when it answers: the values given, its identity, UUID and time. */
  record Facts(GuestApiValues given, HostIdentity identity, UUID uuid, Duration elapsed) {

    /** The value of statistic {@code name}: given, else its default, else null (not valid). */
    Long value(String name) {
      Long v = given.values().get(name);
      if (v != null) {
        return v;
      }
      ToLongFunction<Facts> d = DEFAULTS.get(name);
      return d == null ? null : d.applyAsLong(this);
    }
  }

  /** The defaults of the values not given (docs/host-model.md §4.4). */
  private static final Map<String, ToLongFunction<Facts>> DEFAULTS =
      Map.ofEntries(
          Map.entry(SESSION_ID, f -> f.uuid.getLeastSignificantBits() & Long.MAX_VALUE | 1),
          Map.entry("cpuReservationMHz", f -> 0),
          Map.entry("cpuLimitMHz", f -> UNLIMITED),
          Map.entry("cpuShares", f -> 1000),
          Map.entry("hostMHz", f -> f.identity.mhz()),
          Map.entry("memReservationMB", f -> 0),
          Map.entry("memLimitMB", f -> UNLIMITED),
          Map.entry("memShares", f -> 10L * f.identity.memoryMb()),
          Map.entry("memBalloonedMB", f -> 0),
          Map.entry("memSwappedMB", f -> 0),
          Map.entry("elapsedMs", f -> f.elapsed.toMillis()));

  /** The reply to {@code guestlib.info.get <arguments>}. */
  static byte[] infoGet(String arguments, Facts facts) {
    String version = arguments.trim();
    if (!version.equals(String.valueOf(VERSION))) {
      // v3 and later hosts name the highest version they support (vmGuestLib.c).
      return ("0 " + VERSION).getBytes(StandardCharsets.ISO_8859_1);
    }
    ByteBuffer xdr = ByteBuffer.allocate(4 + KINDS.length * 16);
    xdr.putInt(KINDS.length);
    for (int i = 0; i < KINDS.length; i++) {
      xdr.putInt(i + 1);
      KINDS[i].encode(xdr, facts.value(GuestApiValues.STATISTICS.get(i)));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("1 ".getBytes(StandardCharsets.ISO_8859_1));
    ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(VERSION).putLong(facts.value(SESSION_ID)).putInt(xdr.position());
    out.writeBytes(header.array());
    out.write(xdr.array(), 0, xdr.position());
    return out.toByteArray();
  }

  /**
   * The reply to {@code guestlib.stat.get <encoding> <stat>}: the value of one statistic, or with
   * no stat the names of all, in {@code text} (one {@code name value} a line) or {@code json}.
   */
  static String statGet(String arguments, Facts facts) {
    String[] parts = arguments.trim().split(" +", 2);
    String encoding = parts[0];
    String stat = parts.length > 1 ? parts[1].trim() : "";
    if (!encoding.equals("text") && !encoding.equals("json")) {
      return "0 Unsupported encoding: " + Printable.of(encoding);
    }
    List<String> names = new ArrayList<>();
    if (stat.isEmpty()) {
      names.addAll(GuestApiValues.NAMES);
    } else if (GuestApiValues.NAMES.contains(stat)) {
      names.add(stat);
    } else {
      return "0 Unknown stat: " + Printable.of(stat);
    }
    StringBuilder b = new StringBuilder("1 ");
    if (encoding.equals("json")) {
      b.append('{');
    }
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      Long v = facts.value(name);
      String value = v == null ? "null" : Long.toUnsignedString(v);
      if (encoding.equals("json")) {
        b.append(i == 0 ? "" : ",").append('"').append(name).append("\":").append(value);
      } else {
        b.append(name).append(' ').append(value).append('\n');
      }
    }
    if (encoding.equals("json")) {
      b.append('}');
    }
    return b.toString();
  }
}
