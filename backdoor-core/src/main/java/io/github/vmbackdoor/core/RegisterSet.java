package io.github.vmbackdoor.core;

import java.util.List;

/**
 * The seven registers of a backdoor call as they are read: the immutable {@link Registers} value
 * and the reusable {@link MutableRegisters} holder, so that the words the protocol splits them into
 * are defined once, for both.
 *
 * <p>Each register is an unsigned 32-bit quantity held in an {@code int}; the protocol splits most
 * of them into a high and a low 16-bit word (the command number in the low word of ecx and the
 * message sub-command in its high word, the port in the low word of edx and the channel id in its
 * high word, the message status in the high word of ecx or ebx). Reading a word allocates nothing.
 */
public sealed interface RegisterSet permits Registers, MutableRegisters {

  /** The seven registers' names in their order: the indexes {@link #register(int)} takes. */
  List<String> NAMES = List.of("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp");

  int eax();

  int ebx();

  int ecx();

  int edx();

  int esi();

  int edi();

  int ebp();

  /** High 16 bits of ebx: the message status after a high-bandwidth call. */
  default int ebxHigh() {
    return ebx() >>> 16;
  }

  /** Low 16 bits of ebx: the high-bandwidth command. */
  default int ebxLow() {
    return ebx() & 0xFFFF;
  }

  /**
   * High 16 bits of ecx: the message sub-command on the way in, the message status on the way out.
   */
  default int ecxHigh() {
    return ecx() >>> 16;
  }

  /** Low 16 bits of ecx: the command number. */
  default int ecxLow() {
    return ecx() & 0xFFFF;
  }

  /** High 16 bits of edx: the channel id (or, after RECVSIZE and RECVPAYLOAD, the data id). */
  default int edxHigh() {
    return edx() >>> 16;
  }

  /** Low 16 bits of edx: the I/O port. */
  default int edxLow() {
    return edx() & 0xFFFF;
  }

  /**
   * The register at {@code index} of {@link #NAMES} (0 is eax, 6 is ebp).
   *
   * @throws IndexOutOfBoundsException if {@code index} is not 0 to 6
   */
  default int register(int index) {
    switch (index) {
      case 0:
        return eax();
      case 1:
        return ebx();
      case 2:
        return ecx();
      case 3:
        return edx();
      case 4:
        return esi();
      case 5:
        return edi();
      case 6:
        return ebp();
      default:
        throw new IndexOutOfBoundsException("register index " + index + " (0 to 6)");
    }
  }

  /** Whether {@code other} holds the same seven values, whichever kind it is. */
  default boolean sameValues(RegisterSet other) {
    return eax() == other.eax()
        && ebx() == other.ebx()
        && ecx() == other.ecx()
        && edx() == other.edx()
        && esi() == other.esi()
        && edi() == other.edi()
        && ebp() == other.ebp();
  }
}
