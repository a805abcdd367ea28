package io.github.vmbackdoor.core;

import java.util.Optional;

/**
 * {@link NativeBackdoor} refused to execute any port instruction because CPUID does not name VMware
 * as the hypervisor: either no hypervisor is present (CPUID leaf 1, ecx bit 31 clear) or leaf
 * 0x40000000 names another vendor, e.g. {@code KVMKVMKVM} or {@code Microsoft Hv}.
 *
 * <p>On bare metal and under most other hypervisors the backdoor's {@code in} instruction faults
 * and kills the process, so this refusal is what keeps the JVM alive.
 */
public final class NotVmwareException extends NoBackdoorException {
  private static final long serialVersionUID = 1L;

  private final String vendor;

  /**
   * @param vendor the hypervisor vendor CPUID reports, or {@code null} when no hypervisor is
   *     present
   */
  public NotVmwareException(String vendor) {
    super(
        "refusing the VMware backdoor: CPUID hypervisor vendor is "
            + (vendor == null ? "none (no hypervisor present)" : '"' + vendor + '"')
            + ", not \""
            + BackdoorProtocol.CPUID_VENDOR_VMWARE
            + "\"");
    this.vendor = vendor;
  }

  /** The hypervisor vendor CPUID reported, or empty when no hypervisor is present. */
  public Optional<String> vendor() {
    return Optional.ofNullable(vendor);
  }
}
