package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.Registers;

/**
 * Which vmt(4) the legacy and proposed-patch machines imitate, and how every machine prints
 * registers in its log lines.
 *
 * <ul>
 *   <li>{@link #NETBSD} (vmt_subr.c 1.10): registers as {@code %#lx}, so {@code 0x100000} and a
 *       bare {@code 0} for zero; a 256-byte message buffer; the {@code ping} handler refreshes the
 *       guest info over RPCI first; {@code OS_Resume} prints {@code vmt0: guest resuming from
 *       suspended state}.
 *   <li>{@link #OPENBSD} (vmt.c 1.32, with VMT_DEBUG so the lines exist at all): registers as
 *       {@code %08x}, so {@code 00100000}; a 4096-byte buffer; {@code ping} only replies; the reset
 *       handler sets the error flag again after closing.
 * </ul>
 */
public enum VmtFlavor {
  NETBSD(256),
  OPENBSD(4096);

  private final int bufferLength;

  VmtFlavor(int bufferLength) {
    this.bufferLength = bufferLength;
  }

  /** The driver's message buffer (VMT_RPC_BUFLEN): longer messages are cut to one byte less. */
  public int bufferLength() {
    return bufferLength;
  }

  /** One register value as this flavor prints it. */
  public String register(int value) {
    if (this == OPENBSD) {
      return Registers.hex(value);
    }
    return value == 0 ? "0" : "0x" + Integer.toHexString(value);
  }
}
