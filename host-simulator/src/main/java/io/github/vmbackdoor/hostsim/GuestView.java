package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.hostsim.record.GuestInfo;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the guest view ({@link GuestInfo}) from what the guest sent, as the RPCI endpoint keeps
 * it, and from whether the tools answer the host's pings. docs/host-model.md §4.5 gives the rule of
 * each name and its source. Stateless.
 */
final class GuestView {

  private GuestView() {}

  /** {@code TOOLS_VERSION_UNMANAGED} (lib/include/vm_tools_version.h). */
  private static final String UNMANAGED = "2147483647";

  /** vSphere's install types by {@code tools.set.versiontype}'s type (vm_tools_version.h). */
  private static final List<String> INSTALL_TYPES =
      List.of(
          "guestToolsTypeUnknown",
          "guestToolsTypeMSI",
          "guestToolsTypeTar",
          "guestToolsTypeOSP",
          "guestToolsTypeOpenVMTools");

  static GuestInfo of(RpciEndpoint rpci, boolean toolsRunning) {
    Map<Integer, String> info = rpci.setGuestInfo();
    String version = rpci.toolsVersion().orElse(null);
    String type = rpci.toolsVersionType().orElse(null);
    String detailed = info.get(GuestReports.INFO_OS_DETAILED);
    String fullName = detailed != null ? GuestReports.detailedFullName(detailed) : null;
    if (fullName == null) {
      fullName = text(info.get(GuestReports.INFO_OS_NAME_FULL));
    }
    String shortName = detailed != null ? GuestReports.detailedShortName(detailed) : null;
    if (shortName == null) {
      shortName = text(info.get(GuestReports.INFO_OS_NAME));
    }
    List<GuestInfo.GuestNicInfo> net = nics(info);
    String uptime = text(info.get(GuestReports.INFO_UPTIME));
    String memory = info.get(GuestReports.INFO_MEMORY);
    return new GuestInfo(
        toolsRunning ? GuestInfo.TOOLS_RUNNING : GuestInfo.TOOLS_NOT_RUNNING,
        version,
        versionStatus(version, type),
        installType(type),
        fullName,
        shortName == null ? null : guestId(shortName),
        shortName == null ? null : guestFamily(shortName),
        text(info.get(GuestReports.INFO_DNS_NAME)),
        primaryIp(net, rpci.guestInfo("guestinfo.ip")),
        net,
        disks(rpci, info),
        seconds(uptime),
        memory == null ? Map.of() : Map.copyOf(GuestMemoryStats.read(memory)));
  }

  private static String text(String value) {
    return value == null ? null : GuestReports.text(value);
  }

  private static List<GuestInfo.GuestNicInfo> nics(Map<Integer, String> info) {
    String v3 = info.get(GuestReports.INFO_IPADDRESS_V3);
    if (v3 != null) {
      return GuestReports.nicsXdr(v3);
    }
    String v2 = info.get(GuestReports.INFO_IPADDRESS_V2);
    if (v2 != null) {
      return GuestReports.nicsXdr(v2);
    }
    String v1 = info.get(GuestReports.INFO_IPADDRESS);
    return v1 != null ? GuestReports.nicsV1(v1) : List.of();
  }

  private static List<GuestInfo.GuestDiskInfo> disks(RpciEndpoint rpci, Map<Integer, String> info) {
    if (rpci.diskInfoJson().isPresent()) {
      return GuestReports.disksJson(rpci.diskInfoJson().get());
    }
    String v0 = info.get(GuestReports.INFO_DISK_FREE_SPACE);
    return v0 != null ? GuestReports.disksV0(v0) : List.of();
  }

  /** The first IPv4 address of the first NIC that has one, else the broadcast one, else null. */
  private static String primaryIp(List<GuestInfo.GuestNicInfo> net, String broadcast) {
    for (GuestInfo.GuestNicInfo nic : net) {
      for (String ip : nic.ipAddress()) {
        if (ip.indexOf(':') < 0) {
          return ip;
        }
      }
    }
    return broadcast == null || broadcast.isBlank() ? null : broadcast.trim();
  }

  private static Long seconds(String hundredths) {
    if (hundredths == null) {
      return null;
    }
    try {
      return Long.parseUnsignedLong(hundredths.trim()) / 100;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String versionStatus(String version, String type) {
    if (version == null) {
      return "guestToolsNotInstalled";
    }
    // Unmanaged: the version says so, or the guest's own packages (OSP 3, open-vm-tools 4)
    // manage the tools (services/vmtoolsd/toolsRpc.c).
    if (version.equals(UNMANAGED) || "3".equals(type) || "4".equals(type)) {
      return "guestToolsUnmanaged";
    }
    return "guestToolsCurrent";
  }

  private static String installType(String type) {
    if (type == null) {
      return null;
    }
    try {
      int t = Integer.parseInt(type);
      return t >= 0 && t < INSTALL_TYPES.size() ? INSTALL_TYPES.get(t) : INSTALL_TYPES.get(0);
    } catch (NumberFormatException e) {
      return INSTALL_TYPES.get(0);
    }
  }

  /**
   * The vSphere guest id of a short OS name the tools report ({@code ubuntu-64} to {@code
   * ubuntu64Guest}, {@code rhel9-64} to {@code rhel9_64Guest}, {@code other5xlinux-64} to {@code
   * other5xLinux64Guest}, {@code windows2019srv-64} to {@code windows2019srv_64Guest}): the name,
   * its {@code -64} as {@code 64} ({@code _64} after a digit and for Windows), and {@code Guest}.
   */
  static String guestId(String shortName) {
    String name = shortName.trim();
    boolean wide = name.endsWith("-64");
    String base = wide ? name.substring(0, name.length() - 3) : name;
    if (base.startsWith("other") && base.endsWith("linux")) {
      base = base.substring(0, base.length() - 5) + "Linux";
    }
    String bits = "";
    if (wide) {
      boolean underscore =
          base.startsWith("windows")
              || !base.isEmpty() && Character.isDigit(base.charAt(base.length() - 1));
      bits = underscore ? "_64" : "64";
    }
    return base + bits + "Guest";
  }

  /** vSphere's guest family of a short OS name. */
  static String guestFamily(String shortName) {
    String n = shortName.toLowerCase(Locale.ROOT);
    if (n.startsWith("win")) {
      return "windowsGuest";
    }
    if (n.startsWith("darwin")) {
      return "darwinGuestFamily";
    }
    if (n.startsWith("solaris")) {
      return "solarisGuest";
    }
    if (n.startsWith("netware")) {
      return "netwareGuest";
    }
    if (n.contains("bsd") || (n.startsWith("other") && !n.contains("linux"))) {
      return "otherGuestFamily";
    }
    return "linuxGuest";
  }
}
