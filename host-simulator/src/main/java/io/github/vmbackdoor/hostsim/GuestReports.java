package io.github.vmbackdoor.hostsim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.common.net.InetAddresses;
import io.github.vmbackdoor.hostsim.record.GuestInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what the tools report in their own formats, for the guest view ({@link GuestInfo}): the
 * {@code SetGuestInfo} values by type (open-vm-tools' lib/include/guestInfo.h, {@code
 * GuestInfoType}), the NIC lists in XDR (lib/guestRpc/nicinfo.x) or in the old fixed structure, the
 * disk lists in JSON ({@code SetGuestDiskInfo}) or the old binary form, the memory statistics
 * (lib/include/guestStats.h). Each reader takes the bytes as received (one character a byte) and
 * returns what it could read; a malformed report reads as nothing, never as an error. Stateless.
 */
final class GuestReports {

  private GuestReports() {}

  /** {@code SetGuestInfo} types (guestInfo.h, {@code GuestInfoType}). */
  static final int INFO_DNS_NAME = 1;

  static final int INFO_IPADDRESS = 2;
  static final int INFO_DISK_FREE_SPACE = 3;
  static final int INFO_BUILD_NUMBER = 4;
  static final int INFO_OS_NAME_FULL = 5;
  static final int INFO_OS_NAME = 6;
  static final int INFO_UPTIME = 7;
  static final int INFO_MEMORY = 8;
  static final int INFO_IPADDRESS_V2 = 9;
  static final int INFO_IPADDRESS_V3 = 10;
  static final int INFO_OS_DETAILED = 11;

  /** The types whose value is binary: kept with every byte, trailing NULs included. */
  static boolean isBinary(int type) {
    return type == INFO_IPADDRESS
        || type == INFO_DISK_FREE_SPACE
        || type == INFO_MEMORY
        || type == INFO_IPADDRESS_V2
        || type == INFO_IPADDRESS_V3
        || type == INFO_OS_DETAILED;
  }

  private static ByteBuffer bytes(String value) {
    return ByteBuffer.wrap(value.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** A text value without its trailing NULs. */
  static String text(String value) {
    int end = value.length();
    while (end > 0 && value.charAt(end - 1) == '\0') {
      end--;
    }
    return value.substring(0, end);
  }

  // ---- NICs ----

  /**
   * The NICs of an {@code INFO_IPADDRESS_V3} or {@code INFO_IPADDRESS_V2} value: an XDR {@code
   * GuestNicProto}, a union of version 3 ({@code NicInfoV3}) and version 2 ({@code GuestNicList}).
   */
  static List<GuestInfo.GuestNicInfo> nicsXdr(String value) {
    try {
      ByteBuffer b = bytes(value);
      int version = b.getInt();
      if (b.getInt() == 0) {
        return List.of();
      }
      return switch (version) {
        case 3 -> nicInfoV3(b);
        case 2 -> guestNicList(b);
        default -> List.of();
      };
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      return List.of();
    }
  }

  private static List<GuestInfo.GuestNicInfo> nicInfoV3(ByteBuffer b) {
    int count = count(b, 16);
    List<GuestInfo.GuestNicInfo> nics = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String mac = xdrString(b, 18);
      int ips = count(b, 2048);
      List<String> addresses = new ArrayList<>();
      for (int j = 0; j < ips; j++) {
        String ip = typedIpAddress(b);
        b.getInt(); // prefix length
        skipOptionalInt(b); // origin
        skipOptionalInt(b); // status
        if (ip != null) {
          addresses.add(ip);
        }
      }
      if (b.getInt() != 0) { // DnsConfigInfo
        skipOptionalString(b);
        skipOptionalString(b);
        for (int n = count(b, 16); n > 0; n--) {
          typedIpAddress(b);
        }
        for (int n = count(b, 10); n > 0; n--) {
          xdrString(b, 255);
        }
      }
      if (b.getInt() != 0) { // WinsConfigInfo
        typedIpAddress(b);
        typedIpAddress(b);
      }
      for (int dhcp = 0; dhcp < 2; dhcp++) {
        if (b.getInt() != 0) {
          b.getInt();
          xdrString(b, 16384);
        }
      }
      nics.add(new GuestInfo.GuestNicInfo(mac, List.copyOf(addresses), true));
    }
    return nics;
  }

  private static List<GuestInfo.GuestNicInfo> guestNicList(ByteBuffer b) {
    int count = count(b, 16);
    List<GuestInfo.GuestNicInfo> nics = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String mac = xdrChars(b, 18);
      int ips = count(b, 2048);
      List<String> addresses = new ArrayList<>();
      for (int j = 0; j < ips; j++) {
        b.getInt(); // address family
        b.getInt(); // dhcpEnabled
        String ip = xdrChars(b, 64);
        xdrChars(b, 64); // subnet mask
        if (!ip.isEmpty()) {
          addresses.add(ip);
        }
      }
      nics.add(new GuestInfo.GuestNicInfo(mac, List.copyOf(addresses), true));
    }
    return nics;
  }

  /**
   * The NICs of an {@code INFO_IPADDRESS} value, the fixed {@code GuestNicInfoV1} of guestInfo.h: a
   * count, then 16 entries of a count, a 19-byte MAC and 8 addresses of 16 bytes, each entry padded
   * to 152 bytes, little-endian.
   */
  static List<GuestInfo.GuestNicInfo> nicsV1(String value) {
    try {
      ByteBuffer b = bytes(value).order(ByteOrder.LITTLE_ENDIAN);
      int count = Math.min(b.getInt(), 16);
      List<GuestInfo.GuestNicInfo> nics = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int base = 4 + i * 152;
        int ips = Math.min(b.getInt(base), 8);
        String mac = cString(b, base + 4, 19);
        List<String> addresses = new ArrayList<>();
        for (int j = 0; j < ips; j++) {
          addresses.add(cString(b, base + 23 + 16 * j, 16));
        }
        nics.add(new GuestInfo.GuestNicInfo(mac, List.copyOf(addresses), true));
      }
      return nics;
    } catch (IndexOutOfBoundsException | BufferUnderflowException e) {
      return List.of();
    }
  }

  private static int count(ByteBuffer b, int max) {
    int n = b.getInt();
    if (n < 0 || n > max) {
      throw new IllegalArgumentException("count " + n);
    }
    return n;
  }

  private static String xdrString(ByteBuffer b, int max) {
    int n = count(b, max);
    byte[] s = new byte[n];
    b.get(s);
    b.position(b.position() + (-n & 3));
    return new String(s, StandardCharsets.UTF_8);
  }

  /** A fixed {@code char[n]} as rpcgen encodes it: each character in four bytes. */
  private static String xdrChars(ByteBuffer b, int n) {
    StringBuilder s = new StringBuilder();
    boolean ended = false;
    for (int i = 0; i < n; i++) {
      int c = b.getInt() & 0xFF;
      ended |= c == 0;
      if (!ended) {
        s.append((char) c);
      }
    }
    return s.toString();
  }

  private static void skipOptionalInt(ByteBuffer b) {
    if (b.getInt() != 0) {
      b.getInt();
    }
  }

  private static void skipOptionalString(ByteBuffer b) {
    if (b.getInt() != 0) {
      xdrString(b, 255);
    }
  }

  /** A {@code TypedIpAddress} as text; null for a type other than IPv4 or IPv6. */
  private static String typedIpAddress(ByteBuffer b) {
    int type = b.getInt();
    int n = count(b, 255);
    byte[] a = new byte[n];
    b.get(a);
    b.position(b.position() + (-n & 3));
    boolean v4 = (type == 1 || type == 3) && n >= 4;
    boolean v6 = (type == 2 || type == 4) && n >= 16;
    if (!v4 && !v6) {
      return null;
    }
    try {
      byte[] raw = java.util.Arrays.copyOf(a, v4 ? 4 : 16);
      return InetAddresses.toAddrString(InetAddress.getByAddress(raw));
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static String cString(ByteBuffer b, int at, int max) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < max; i++) {
      int c = b.get(at + i) & 0xFF;
      if (c == 0) {
        break;
      }
      s.append((char) c);
    }
    return s.toString();
  }

  // ---- disks ----

  /**
   * The file systems of a {@code SetGuestDiskInfo} document (guestInfoServer.c, {@code
   * GuestInfoSendDiskInfoV1}): {@code {"version":"1","disks":[{"name":"<base64>","free":"<n>",
   * "size":"<n>","fstype":"ext4","devices":[...]}]}}, the name base64-encoded.
   *
   * @throws IllegalArgumentException with a one-line reason when it is not such a document
   */
  static List<GuestInfo.GuestDiskInfo> disksJson(String json) {
    List<GuestInfo.GuestDiskInfo> disks = new ArrayList<>();
    try (JsonParser p = new JsonFactory().createParser(json)) {
      expect(p.nextToken() == JsonToken.START_OBJECT, "not a JSON object");
      boolean sawDisks = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (field.equals("disks")) {
          expect(t == JsonToken.START_ARRAY, "\"disks\" is not an array");
          sawDisks = true;
          while (p.nextToken() == JsonToken.START_OBJECT) {
            disks.add(disk(p));
          }
        } else {
          p.skipChildren();
        }
      }
      expect(sawDisks, "no \"disks\"");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "not JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
    return disks;
  }

  private static GuestInfo.GuestDiskInfo disk(JsonParser p) throws IOException {
    Map<String, String> f = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      if (t.isScalarValue()) {
        f.put(name, p.getText());
      } else {
        p.skipChildren();
      }
    }
    String name = f.get("name");
    expect(
        name != null && f.containsKey("free") && f.containsKey("size"),
        "a disk without name, free or size");
    String path;
    try {
      path = new String(Base64.getDecoder().decode(name), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notBase64) {
      throw new IllegalArgumentException("a disk name that is not base64");
    }
    try {
      return new GuestInfo.GuestDiskInfo(
          path,
          Long.parseUnsignedLong(f.get("size")),
          Long.parseUnsignedLong(f.get("free")),
          f.get("fstype"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a disk size that is not a number");
    }
  }

  private static void expect(boolean ok, String why) {
    if (!ok) {
      throw new IllegalArgumentException(why);
    }
  }

  /**
   * The file systems of an {@code INFO_DISK_FREE_SPACE} value (guestInfoServer.c, {@code
   * GuestInfoSendDiskInfoV0}): a one-byte count, then packed {@code PartitionEntry}s of guestInfo.h
   * (uint64 free bytes, uint64 total bytes, a 100-byte name), little-endian.
   */
  static List<GuestInfo.GuestDiskInfo> disksV0(String value) {
    try {
      ByteBuffer b = bytes(value).order(ByteOrder.LITTLE_ENDIAN);
      int count = b.get() & 0xFF;
      List<GuestInfo.GuestDiskInfo> disks = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int base = 1 + i * 116;
        long free = b.getLong(base);
        long total = b.getLong(base + 8);
        disks.add(new GuestInfo.GuestDiskInfo(cString(b, base + 16, 100), total, free, null));
      }
      return disks;
    } catch (IndexOutOfBoundsException | BufferUnderflowException e) {
      return List.of();
    }
  }

  // ---- the OS ----

  /** Bytes of {@code HostinfoDetailedDataHeader}: uint32 version, char[129], char[513], padded. */
  private static final int DETAILED_HEADER = 648;

  /**
   * The full OS name of an {@code INFO_OS_DETAILED} value: the {@code fullName} of its {@code
   * HostinfoDetailedDataHeader} (lib/include/hostinfo.h), or null.
   */
  static String detailedFullName(String value) {
    if (value.length() < DETAILED_HEADER) {
      return null;
    }
    String name = cString(bytes(value), 4 + 129, 513);
    return name.isEmpty() ? null : name;
  }

  /** The short OS name of an {@code INFO_OS_DETAILED} value, or null. */
  static String detailedShortName(String value) {
    if (value.length() < DETAILED_HEADER) {
      return null;
    }
    String name = cString(bytes(value), 4, 129);
    return name.isEmpty() ? null : name;
  }
}
