package io.github.vmbackdoor.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.UUID;

/**
 * The answer to GETUUID (19): the VM's BIOS UUID, 16 bytes.
 *
 * <p>The host returns the bytes four to a register, in the order eax, ebx, ecx, edx, each register
 * holding its four bytes little-endian (byte 0 is the low byte of eax, byte 15 the high byte of
 * edx). {@link #bytes()} is that sequence.
 *
 * <p>Two readings of the sequence are offered, because hosts and tools differ:
 *
 * <ul>
 *   <li>{@link #uuid()} reads all 16 bytes in order (RFC 4122, most significant first). This is the
 *       string a VM's {@code uuid.bios} setting spells byte by byte, and the UUID QEMU's emulated
 *       backdoor was given with {@code -uuid}.
 *   <li>{@link #smbiosUuid()} reads the first three fields little-endian, as SMBIOS 2.6 and later
 *       store them. When the host put the same 16 bytes into the SMBIOS system table (as VMware
 *       does), this is what Linux shows in {@code /sys/class/dmi/id/product_uuid} and dmidecode
 *       prints.
 * </ul>
 */
public final class BiosUuid {

  private final byte[] bytes;

  private BiosUuid(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The UUID of these 16 bytes, in the order the host returns them. */
  public static BiosUuid of(byte[] bytes) {
    if (bytes.length != 16) {
      throw new IllegalArgumentException("a UUID is 16 bytes, got " + bytes.length);
    }
    return new BiosUuid(bytes.clone());
  }

  /** The UUID in a GETUUID answer: eax, ebx, ecx and edx, each four bytes little-endian. */
  public static BiosUuid fromRegisters(Registers r) {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(r.eax()).putInt(r.ebx()).putInt(r.ecx()).putInt(r.edx());
    return new BiosUuid(b.array());
  }

  /** A copy of the 16 bytes, in the order the host returned them. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The bytes read in order as an RFC 4122 UUID. */
  public UUID uuid() {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    return new UUID(b.getLong(), b.getLong());
  }

  /** The bytes read as SMBIOS 2.6+ stores a UUID: the first three fields little-endian. */
  public UUID smbiosUuid() {
    byte[] swapped = bytes.clone();
    reverse(swapped, 0, 4);
    reverse(swapped, 4, 6);
    reverse(swapped, 6, 8);
    ByteBuffer b = ByteBuffer.wrap(swapped);
    return new UUID(b.getLong(), b.getLong());
  }

  private static void reverse(byte[] a, int from, int to) {
    for (int i = from, j = to - 1; i < j; i++, j--) {
      byte t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BiosUuid && Arrays.equals(bytes, ((BiosUuid) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** The {@link #uuid()} reading. */
  @Override
  public String toString() {
    return uuid().toString();
  }
}
