package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.Registers;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * A test host whose answers are pure functions of the call, so a guest can check every answer it
 * gets: {@code in} permutes and offsets the registers, {@code outs} answers the CRC-32 of the bytes
 * in ebx, {@code ins} fills the buffer with a pattern seeded by ebx. Counts its calls. Thread-safe.
 */
final class FakeHost implements Backdoor {

  private final int salt;
  final AtomicLong calls = new AtomicLong();

  /**
   * @param salt mixed into every answer, so hosts with different salts answer differently
   */
  FakeHost(int salt) {
    this.salt = salt;
  }

  static Registers expectedIn(int salt, Registers r) {
    return Registers.of(
        r.ebp() + 1,
        r.edi() + 2,
        r.esi() + 3,
        r.edx() + 4,
        r.ecx() + 5,
        r.ebx() + 6,
        r.eax() ^ salt);
  }

  static Registers expectedOuts(int salt, Registers r, byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return r.withEbx((int) crc.getValue()).withEcx(0).withEbp(salt);
  }

  static Registers expectedIns(int salt, Registers r) {
    return r.withEcx(0).withEbp(salt);
  }

  static byte expectedInsByte(int salt, Registers r, int index) {
    return (byte) (r.ebx() + salt + index * 7);
  }

  @Override
  public Registers in(Registers registers) {
    calls.incrementAndGet();
    return expectedIn(salt, registers);
  }

  @Override
  public Registers outs(Registers registers, byte[] bytes) {
    calls.incrementAndGet();
    return expectedOuts(salt, registers, bytes);
  }

  @Override
  public Registers ins(Registers registers, byte[] into) {
    calls.incrementAndGet();
    for (int i = 0; i < into.length; i++) {
      into[i] = expectedInsByte(salt, registers, i);
    }
    return expectedIns(salt, registers);
  }
}
