package io.github.vmbackdoor.hostsim.record;

import java.util.List;
import java.util.Map;

/**
 * The host's view of the guest, named as the vSphere API names it ({@code vim.vm.GuestInfo}, as
 * govmomi's vcsim serves it): built only from what the guest sent (its reset reply and answers to
 * the host's pings, {@code tools.set.versiontype}, {@code SetGuestInfo}, {@code SetGuestDiskInfo},
 * {@code info-set guestinfo.ip}). A name the guest never reported is null (or empty for lists and
 * maps), as vSphere leaves it unset. docs/host-model.md §4.5 says how each is derived.
 *
 * @param toolsRunningStatus {@code guestToolsRunning} while the tools answered the host within the
 *     heartbeat timeout, else {@code guestToolsNotRunning}
 * @param toolsVersion the version number the tools reported ({@code 12352} for 12.2.0), or null
 * @param toolsVersionStatus {@code guestToolsNotInstalled}, {@code guestToolsUnmanaged}, {@code
 *     guestToolsCurrent} or {@code guestToolsNeedUpgrade}
 * @param toolsInstallType {@code guestToolsTypeOpenVMTools}, {@code guestToolsTypeMSI}, {@code
 *     guestToolsTypeTar}, {@code guestToolsTypeOSP}, or null when not reported
 * @param guestFullName the OS's full name ({@code SetGuestInfo} types 5 or 11)
 * @param guestId the vSphere guest id the tools' short OS name maps to ({@code ubuntu64Guest})
 * @param guestFamily {@code linuxGuest}, {@code windowsGuest}, {@code darwinGuestFamily}, {@code
 *     solarisGuest} or {@code otherGuestFamily}; null without a short name
 * @param hostName the guest's host name ({@code SetGuestInfo} type 1)
 * @param ipAddress the primary IP address: the first IPv4 address of the first NIC that has one,
 *     else the one the guest broadcast ({@code guestinfo.ip})
 * @param net the NICs the tools reported
 * @param disk the file systems the tools reported
 * @param uptimeSeconds the guest's uptime when it last reported it, in seconds, or null
 * @param memoryStats the memory statistics of the tools' last {@code SetGuestInfo} type 8, by the
 *     names of open-vm-tools' lib/include/guestStats.h ({@code guest.mem.physUsable}, ...), in KiB
 *     where the name says memory
 */
public record GuestInfo(
    String toolsRunningStatus,
    String toolsVersion,
    String toolsVersionStatus,
    String toolsInstallType,
    String guestFullName,
    String guestId,
    String guestFamily,
    String hostName,
    String ipAddress,
    List<GuestNicInfo> net,
    List<GuestDiskInfo> disk,
    Long uptimeSeconds,
    Map<String, Long> memoryStats) {

  /** vSphere's {@code toolsRunningStatus} while the tools answer. */
  public static final String TOOLS_RUNNING = "guestToolsRunning";

  /** vSphere's {@code toolsRunningStatus} when they do not. */
  public static final String TOOLS_NOT_RUNNING = "guestToolsNotRunning";

  /** Whether the tools are running, as {@link #toolsRunningStatus()} says. */
  public boolean toolsRunning() {
    return TOOLS_RUNNING.equals(toolsRunningStatus);
  }

  /**
   * One NIC, as vSphere's {@code GuestNicInfo}.
   *
   * @param macAddress the MAC address as the tools wrote it ({@code 00:50:56:aa:bb:cc})
   * @param ipAddress its addresses, IPv4 and IPv6, as text
   * @param connected always true: the tools report only NICs they see
   */
  public record GuestNicInfo(String macAddress, List<String> ipAddress, boolean connected) {}

  /**
   * One file system, as vSphere's {@code GuestDiskInfo}.
   *
   * @param diskPath the mount point ({@code /}, {@code C:\})
   * @param capacity its size in bytes
   * @param freeSpace its free bytes
   * @param filesystemType its type ({@code ext4}), or null when the tools did not say
   */
  public record GuestDiskInfo(
      String diskPath, long capacity, long freeSpace, String filesystemType) {}
}
