package io.github.vmbackdoor.hostsim.settings;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.core.VmxVersion;
import io.github.vmbackdoor.hostsim.internal.Printable;
import java.util.Locale;
import java.util.Set;

/**
 * A kind of VMware host, chosen with the one setting {@code profile}: who it is (product type and
 * virtual hardware version on the command port) and which of the newer requests of the tools it
 * knows. An older host answers {@code 0 Unknown command} to a request it does not know, and the
 * tools then fall back as open-vm-tools does against such a host. The default is {@link #ESXI_8},
 * the newest. docs/host-model.md §4.6 has the table of profiles and their sources.
 */
public sealed interface HostProfile
    permits HostProfile.Esxi8, HostProfile.OlderEsxi, HostProfile.Workstation {

  /** The profile's name in settings: {@code esxi-8}, {@code esxi-older}, {@code workstation}. */
  String keyword();

  /** GETVERSION's product type (ecx). */
  int productType();

  /** The virtual hardware version GETHWVERSION answers. */
  int hardwareVersion();

  /** Whether this host knows the RPCI command {@code command}. */
  boolean knows(String command);

  /** Whether this host takes {@code SetGuestInfo} values of {@code type} (guestInfo.h). */
  boolean takesGuestInfoType(int type);

  /**
   * An ESXi 8 host: product type ESX, hardware version 20; it knows every request of open-vm-tools
   * 12.x ({@code SetGuestDiskInfo}, {@code tools.set.versiontype}, the NIC report of {@code
   * SetGuestInfo} type 10, the detailed OS report of type 11, the Guest API).
   */
  record Esxi8() implements HostProfile {
    @Override
    public String keyword() {
      return "esxi-8";
    }

    @Override
    public int productType() {
      return VmxVersion.ProductType.SCALABLE_SERVER.code();
    }

    @Override
    public int hardwareVersion() {
      return 20;
    }

    @Override
    public boolean knows(String command) {
      return true;
    }

    @Override
    public boolean takesGuestInfoType(int type) {
      return true;
    }
  }

  /**
   * An older ESXi host (hardware version 11): product type ESX, with the Guest API, but without the
   * requests the tools say they fall back from on older hosts: {@code SetGuestDiskInfo} (the tools
   * then send {@code SetGuestInfo} type 3), {@code tools.set.versiontype} (then {@code
   * tools.set.version}), and the {@code SetGuestInfo} types 10 and 11 (then type 9 and types 5 and
   * 6).
   */
  record OlderEsxi() implements HostProfile {
    private static final Set<String> UNKNOWN = Set.of("SetGuestDiskInfo", "tools.set.versiontype");

    @Override
    public String keyword() {
      return "esxi-older";
    }

    @Override
    public int productType() {
      return VmxVersion.ProductType.SCALABLE_SERVER.code();
    }

    @Override
    public int hardwareVersion() {
      return 11;
    }

    @Override
    public boolean knows(String command) {
      return !UNKNOWN.contains(command);
    }

    @Override
    public boolean takesGuestInfoType(int type) {
      // INFO_IPADDRESS_V3 (10) and INFO_OS_DETAILED (11) of open-vm-tools' guestInfo.h
      return type != 10 && type != 11;
    }
  }

  /**
   * A Workstation (or Fusion, Player) host: product type Workstation, hardware version 21, and no
   * Guest API ({@code guestlib.*} unknown, so {@code vmware-toolbox-cmd stat} reports it not
   * enabled on the host).
   */
  record Workstation() implements HostProfile {
    @Override
    public String keyword() {
      return "workstation";
    }

    @Override
    public int productType() {
      return VmxVersion.ProductType.WORKSTATION.code();
    }

    @Override
    public int hardwareVersion() {
      return 21;
    }

    @Override
    public boolean knows(String command) {
      return !command.startsWith("guestlib.");
    }

    @Override
    public boolean takesGuestInfoType(int type) {
      return true;
    }
  }

  /** An ESXi 8 host. */
  HostProfile ESXI_8 = new Esxi8();

  /** An older ESXi host. */
  HostProfile OLDER_ESXI = new OlderEsxi();

  /** A Workstation host. */
  HostProfile WORKSTATION = new Workstation();

  /** The default: the newest, {@link #ESXI_8}. */
  HostProfile DEFAULT = ESXI_8;

  /** Every built-in profile, newest first. */
  ImmutableList<HostProfile> ALL = ImmutableList.of(ESXI_8, OLDER_ESXI, WORKSTATION);

  /**
   * The profile named {@code keyword}.
   *
   * @throws IllegalArgumentException naming the known profiles
   */
  static HostProfile parse(String keyword) {
    String k = keyword.toLowerCase(Locale.ROOT);
    for (HostProfile p : ALL) {
      if (p.keyword().equals(k)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "no host profile named "
            + Printable.of(keyword)
            + " (known: esxi-8, esxi-older, workstation)");
  }

  /** {@code identity} with this profile's product type and hardware version. */
  default HostIdentity applyTo(HostIdentity identity) {
    return identity.withProductType(productType()).withHardwareVersion(hardwareVersion());
  }
}
