package io.github.vmbackdoor.core;

/**
 * One register-level backdoor call on a port: the transport everything above it talks through.
 *
 * <p>The three operations mirror the three instructions a guest executes:
 *
 * <ul>
 *   <li>{@link #in}: a 32-bit {@code in eax, dx} on the command port {@link
 *       BackdoorProtocol#COMMAND_PORT} (0x5658);
 *   <li>{@link #outs}: {@code rep outsb} on the high-bandwidth port {@link
 *       BackdoorProtocol#HB_PORT} (0x5659), bytes from guest to host;
 *   <li>{@link #ins}: {@code rep insb} on the high-bandwidth port, bytes from host to guest.
 * </ul>
 *
 * Each takes the registers the guest loads and returns the registers the guest reads back
 * afterwards (the host may change any of them). Nothing above this interface knows which transport
 * it has: the real port ({@code NativeBackdoor}), an emulated host in the same process, a simulator
 * across a socket, or a recording or replaying decorator.
 *
 * <p>For the high-bandwidth calls the pointer registers (esi for {@code outs}, edi for {@code ins})
 * have no meaning outside a real guest; transports other than the native one ignore them and move
 * the bytes of the given array instead. ecx carries the byte count and must equal the array's
 * length.
 *
 * <p>Implementations throw {@link BackdoorException} when the call could not be made at all (no
 * VMware hypervisor, connection lost); a call the host refuses is not an exception at this layer,
 * it is a status in the returned registers.
 */
public interface Backdoor {

  /**
   * A command-port call: {@code in eax, dx} with dx = 0x5658.
   *
   * @param registers what the guest loads before the instruction
   * @return what the guest reads after it
   */
  Registers in(Registers registers);

  /**
   * A high-bandwidth guest-to-host transfer: {@code cld; rep outsb} with dx low word = 0x5659.
   *
   * @param registers what the guest loads; ecx must equal {@code bytes.length}
   * @param bytes the bytes to send to the host
   * @return what the guest reads after the instruction
   */
  Registers outs(Registers registers, byte[] bytes);

  /**
   * A high-bandwidth host-to-guest transfer: {@code cld; rep insb} with dx low word = 0x5659.
   *
   * @param registers what the guest loads; ecx must equal {@code into.length}
   * @param into where the host's bytes are written
   * @return what the guest reads after the instruction
   */
  Registers ins(Registers registers, byte[] into);

  /**
   * A command-port call on a holder: the registers are read from {@code registers} and the answer
   * written back into it. The default goes through {@link #in(Registers)}; a transport that can
   * answer without allocating (the simulator's in-process one) overrides it, so a caller that keeps
   * its holder makes calls that allocate nothing.
   *
   * @param registers what the guest loads before the instruction; what it reads after it
   */
  default void in(MutableRegisters registers) {
    registers.load(in(registers.toRegisters()));
  }

  /**
   * {@link #outs(Registers, byte[])} on a holder, as {@link #in(MutableRegisters)} is for {@link
   * #in(Registers)}.
   */
  default void outs(MutableRegisters registers, byte[] bytes) {
    registers.load(outs(registers.toRegisters(), bytes));
  }

  /**
   * {@link #ins(Registers, byte[])} on a holder, as {@link #in(MutableRegisters)} is for {@link
   * #in(Registers)}.
   */
  default void ins(MutableRegisters registers, byte[] into) {
    registers.load(ins(registers.toRegisters(), into));
  }
}
