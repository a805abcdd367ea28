package io.github.vmbackdoor.core;

/**
 * The answer to GETVERSION (10): the VMX version and the product the VM runs on.
 *
 * @param version the VMX version from eax; a VMware host answers {@link
 *     BackdoorProtocol#VERSION_MAGIC}
 * @param productType the product, {@link ProductType#UNSET} when the host left ecx's high word at
 *     the 0xFFFF the guest primed it with (old hosts do not write ecx)
 * @param productTypeCode ecx as the host returned it
 */
public record VmxVersion(int version, ProductType productType, int productTypeCode) {

  /** The product a VM runs on, as the host's VMX_Type numbers it. */
  public enum ProductType {
    /** No type reported (0, or ecx untouched by an old host). */
    UNSET(0),
    /** VMware Express (deprecated). */
    EXPRESS(1),
    /** ESX. */
    SCALABLE_SERVER(2),
    /** VMware Server, formerly GSX (deprecated). */
    WGS(3),
    /** Workstation, Fusion and Player. */
    WORKSTATION(4),
    /** ACE 1.x (deprecated). */
    WORKSTATION_ENTERPRISE(5),
    /** A number the protocol does not define; see {@link VmxVersion#productTypeCode()}. */
    UNKNOWN(-1);

    private final int code;

    ProductType(int code) {
      this.code = code;
    }

    /** The VMX_Type number, or -1 for {@link #UNKNOWN}. */
    public int code() {
      return code;
    }

    /**
     * The type a GETVERSION answer's ecx names: {@link #UNSET} when the high word is still 0xFFFF,
     * otherwise the type whose number is the whole of ecx.
     */
    public static ProductType fromEcx(int ecx) {
      if ((ecx >>> 16) == 0xFFFF) {
        return UNSET;
      }
      for (ProductType t : values()) {
        if (t.code == ecx && t != UNKNOWN) {
          return t;
        }
      }
      return UNKNOWN;
    }
  }

  /** Whether the version is the one VMware hosts answer and vmcheck accepts (6). */
  public boolean isVersionMagic() {
    return version == BackdoorProtocol.VERSION_MAGIC;
  }
}
