package io.github.vmbackdoor.core;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * One of {@link MachineCode}'s stubs placed in executable memory and callable through JNA.
 *
 * <p>The code is copied into a fresh private anonymous mapping that is writable but not executable,
 * which is then switched to read and execute (never writable and executable at once). A mapping
 * lives as long as the process: stubs are made once and never unmapped, so no call can ever jump
 * into freed memory.
 *
 * <p>Linux on x86-64 only; callers check the platform first.
 */
final class NativeStub {

  /** The part of libc the stubs need. */
  interface LibC extends Library {
    Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    int mprotect(Pointer addr, long length, int prot);
  }

  /** The seven 32-bit register slots a stub reads and writes. */
  static final int BLOCK_BYTES = 7 * 4;

  private static final int PROT_READ = 0x1;
  private static final int PROT_WRITE = 0x2;
  private static final int PROT_EXEC = 0x4;
  private static final int MAP_PRIVATE = 0x02;
  private static final int MAP_ANONYMOUS = 0x20;
  private static final long MAP_FAILED = -1L;

  private final Function function;

  private NativeStub(Function function) {
    this.function = function;
  }

  /**
   * Maps {@code code} into executable memory.
   *
   * @throws BackdoorException when libc refuses the mapping (for example a policy that forbids
   *     executable anonymous memory)
   */
  static NativeStub map(byte[] code) {
    if (code.length == 0) {
      throw new IllegalArgumentException("empty machine code");
    }
    LibC libc = LibCHolder.LIBC;
    long length = code.length;
    Pointer page =
        libc.mmap(null, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
    if (page == null || Pointer.nativeValue(page) == MAP_FAILED) {
      throw new BackdoorException(
          "mmap of " + length + " bytes for a native stub failed, errno " + Native.getLastError());
    }
    page.write(0, code, 0, code.length);
    if (libc.mprotect(page, length, PROT_READ | PROT_EXEC) != 0) {
      throw new BackdoorException(
          "mprotect(PROT_READ|PROT_EXEC) of a native stub failed, errno " + Native.getLastError());
    }
    return new NativeStub(Function.getFunction(page));
  }

  /** Runs the stub on {@code registers}; returns what it stored back. */
  Registers call(Registers registers) {
    Memory block = block(registers);
    function.invokeVoid(new Object[] {block});
    return read(block);
  }

  /** Runs a string stub on {@code registers} with {@code buffer} as the string pointer. */
  Registers call(Registers registers, Pointer buffer) {
    Memory block = block(registers);
    function.invokeVoid(new Object[] {block, buffer});
    return read(block);
  }

  private static Memory block(Registers r) {
    Memory block = new Memory(BLOCK_BYTES);
    block.write(0, new int[] {r.eax(), r.ebx(), r.ecx(), r.edx(), r.esi(), r.edi(), r.ebp()}, 0, 7);
    return block;
  }

  private static Registers read(Memory block) {
    int[] v = block.getIntArray(0, 7);
    return Registers.of(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
  }

  /** Loads libc on first use only. */
  private static final class LibCHolder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }
}
