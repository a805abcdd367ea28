package io.github.vmbackdoor.core;

/**
 * The x86-64 machine code of {@link NativeBackdoor}'s stubs, as bytes.
 *
 * <p>Every stub is a SysV AMD64 function {@code void stub(int32_t *block[, void *buffer])}: {@code
 * block} (rdi) points at seven 32-bit slots in the order eax, ebx, ecx, edx, esi, edi, ebp (offsets
 * 0, 4, 8, 12, 16, 20, 24). A stub loads the registers from the block, executes its one instruction
 * and stores the registers back. rbx and rbp are callee-saved and are pushed and popped; the block
 * pointer is kept on the stack across the instruction (the host may change any of the seven
 * registers), then exchanged with the returned rax. Writing a 32-bit register clears the upper half
 * of its 64-bit form, so rcx holds exactly the 32-bit count for {@code rep}.
 *
 * <p>The string stubs take the buffer (rsi) as a second argument and use it, full 64 bits, as the
 * string pointer: {@code rep outsb} reads from rsi, so the block's esi slot is not loaded; {@code
 * rep insb} writes to rdi, so the block's edi slot is not loaded. All the other registers,
 * including the cookie halves in edi/ebp (outs) or esi/ebp (ins), come from the block.
 *
 * <p>Listings are {@code objdump -D -b binary -mi386:x86-64 -M intel} of the bytes.
 */
final class MachineCode {

  private MachineCode() {}

  /**
   * CPUID: eax = leaf, ecx = sub-leaf from the block; eax, ebx, ecx, edx stored back. No port
   * instruction.
   */
  private static final byte[] CPUID = {
    (byte) 0x53, // 00: push rbx
    (byte) 0x49,
    (byte) 0x89,
    (byte) 0xf8, // 01: mov  r8, rdi          ; r8 = block
    (byte) 0x41,
    (byte) 0x8b,
    (byte) 0x00, // 04: mov  eax, [r8]        ; leaf
    (byte) 0x41,
    (byte) 0x8b,
    (byte) 0x48,
    (byte) 0x08, // 07: mov ecx, [r8+8] ; sub-leaf
    (byte) 0x0f,
    (byte) 0xa2, // 0b: cpuid
    (byte) 0x41,
    (byte) 0x89,
    (byte) 0x00, // 0d: mov  [r8], eax
    (byte) 0x41,
    (byte) 0x89,
    (byte) 0x58,
    (byte) 0x04, // 10: mov [r8+4], ebx
    (byte) 0x41,
    (byte) 0x89,
    (byte) 0x48,
    (byte) 0x08, // 14: mov [r8+8], ecx
    (byte) 0x41,
    (byte) 0x89,
    (byte) 0x50,
    (byte) 0x0c, // 18: mov [r8+12], edx
    (byte) 0x5b, // 1c: pop  rbx
    (byte) 0xc3, // 1d: ret
  };

  /** {@code in eax, dx}: all seven registers from the block and back. */
  private static final byte[] PORT_IN = {
    (byte) 0x53, // 00: push rbx
    (byte) 0x55, // 01: push rbp
    (byte) 0x57, // 02: push rdi              ; keep block
    (byte) 0x48,
    (byte) 0x89,
    (byte) 0xf8, // 03: mov  rax, rdi         ; rax = block
    (byte) 0x8b,
    (byte) 0x58,
    (byte) 0x04, // 06: mov  ebx, [rax+4]
    (byte) 0x8b,
    (byte) 0x48,
    (byte) 0x08, // 09: mov  ecx, [rax+8]
    (byte) 0x8b,
    (byte) 0x50,
    (byte) 0x0c, // 0c: mov  edx, [rax+12]
    (byte) 0x8b,
    (byte) 0x70,
    (byte) 0x10, // 0f: mov  esi, [rax+16]
    (byte) 0x8b,
    (byte) 0x78,
    (byte) 0x14, // 12: mov  edi, [rax+20]
    (byte) 0x8b,
    (byte) 0x68,
    (byte) 0x18, // 15: mov  ebp, [rax+24]
    (byte) 0x8b,
    (byte) 0x00, // 18: mov  eax, [rax]       ; last: magic
    (byte) 0xed, // 1a: in   eax, dx
    (byte) 0x48,
    (byte) 0x87,
    (byte) 0x04,
    (byte) 0x24, // 1b: xchg [rsp], rax ; rax = block
    (byte) 0x89,
    (byte) 0x58,
    (byte) 0x04, // 1f: mov  [rax+4], ebx
    (byte) 0x89,
    (byte) 0x48,
    (byte) 0x08, // 22: mov  [rax+8], ecx
    (byte) 0x89,
    (byte) 0x50,
    (byte) 0x0c, // 25: mov  [rax+12], edx
    (byte) 0x89,
    (byte) 0x70,
    (byte) 0x10, // 28: mov  [rax+16], esi
    (byte) 0x89,
    (byte) 0x78,
    (byte) 0x14, // 2b: mov  [rax+20], edi
    (byte) 0x89,
    (byte) 0x68,
    (byte) 0x18, // 2e: mov  [rax+24], ebp
    (byte) 0x59, // 31: pop  rcx              ; returned eax
    (byte) 0x89,
    (byte) 0x08, // 32: mov  [rax], ecx
    (byte) 0x5d, // 34: pop  rbp
    (byte) 0x5b, // 35: pop  rbx
    (byte) 0xc3, // 36: ret
  };

  /** {@code cld; rep outsb}: rsi = the buffer (second argument), the rest from the block. */
  private static final byte[] PORT_OUTS = {
    (byte) 0x53, // 00: push rbx
    (byte) 0x55, // 01: push rbp
    (byte) 0x57, // 02: push rdi              ; keep block
    (byte) 0x48,
    (byte) 0x89,
    (byte) 0xf8, // 03: mov  rax, rdi         ; rax = block
    (byte) 0x8b,
    (byte) 0x58,
    (byte) 0x04, // 06: mov  ebx, [rax+4]
    (byte) 0x8b,
    (byte) 0x48,
    (byte) 0x08, // 09: mov  ecx, [rax+8]     ; count
    (byte) 0x8b,
    (byte) 0x50,
    (byte) 0x0c, // 0c: mov  edx, [rax+12]
    (byte) 0x8b,
    (byte) 0x78,
    (byte) 0x14, // 0f: mov  edi, [rax+20]    ; cookie low
    (byte) 0x8b,
    (byte) 0x68,
    (byte) 0x18, // 12: mov  ebp, [rax+24]    ; cookie high
    (byte) 0x8b,
    (byte) 0x00, // 15: mov  eax, [rax]       ; last: magic
    (byte) 0xfc, // 17: cld
    (byte) 0xf3,
    (byte) 0x6e, // 18: rep outsb             ; dx <- [rsi]
    (byte) 0x48,
    (byte) 0x87,
    (byte) 0x04,
    (byte) 0x24, // 1a: xchg [rsp], rax ; rax = block
    (byte) 0x89,
    (byte) 0x58,
    (byte) 0x04, // 1e: mov  [rax+4], ebx
    (byte) 0x89,
    (byte) 0x48,
    (byte) 0x08, // 21: mov  [rax+8], ecx
    (byte) 0x89,
    (byte) 0x50,
    (byte) 0x0c, // 24: mov  [rax+12], edx
    (byte) 0x89,
    (byte) 0x70,
    (byte) 0x10, // 27: mov  [rax+16], esi
    (byte) 0x89,
    (byte) 0x78,
    (byte) 0x14, // 2a: mov  [rax+20], edi
    (byte) 0x89,
    (byte) 0x68,
    (byte) 0x18, // 2d: mov  [rax+24], ebp
    (byte) 0x59, // 30: pop  rcx              ; returned eax
    (byte) 0x89,
    (byte) 0x08, // 31: mov  [rax], ecx
    (byte) 0x5d, // 33: pop  rbp
    (byte) 0x5b, // 34: pop  rbx
    (byte) 0xc3, // 35: ret
  };

  /** {@code cld; rep insb}: rdi = the buffer (second argument), the rest from the block. */
  private static final byte[] PORT_INS = {
    (byte) 0x53, // 00: push rbx
    (byte) 0x55, // 01: push rbp
    (byte) 0x57, // 02: push rdi              ; keep block
    (byte) 0x48,
    (byte) 0x89,
    (byte) 0xf8, // 03: mov  rax, rdi         ; rax = block
    (byte) 0x48,
    (byte) 0x89,
    (byte) 0xf7, // 06: mov  rdi, rsi         ; rdi = buffer
    (byte) 0x8b,
    (byte) 0x58,
    (byte) 0x04, // 09: mov  ebx, [rax+4]
    (byte) 0x8b,
    (byte) 0x48,
    (byte) 0x08, // 0c: mov  ecx, [rax+8]     ; count
    (byte) 0x8b,
    (byte) 0x50,
    (byte) 0x0c, // 0f: mov  edx, [rax+12]
    (byte) 0x8b,
    (byte) 0x70,
    (byte) 0x10, // 12: mov  esi, [rax+16]    ; cookie high
    (byte) 0x8b,
    (byte) 0x68,
    (byte) 0x18, // 15: mov  ebp, [rax+24]    ; cookie low
    (byte) 0x8b,
    (byte) 0x00, // 18: mov  eax, [rax]       ; last: magic
    (byte) 0xfc, // 1a: cld
    (byte) 0xf3,
    (byte) 0x6c, // 1b: rep insb              ; [rdi] <- dx
    (byte) 0x48,
    (byte) 0x87,
    (byte) 0x04,
    (byte) 0x24, // 1d: xchg [rsp], rax ; rax = block
    (byte) 0x89,
    (byte) 0x58,
    (byte) 0x04, // 21: mov  [rax+4], ebx
    (byte) 0x89,
    (byte) 0x48,
    (byte) 0x08, // 24: mov  [rax+8], ecx
    (byte) 0x89,
    (byte) 0x50,
    (byte) 0x0c, // 27: mov  [rax+12], edx
    (byte) 0x89,
    (byte) 0x70,
    (byte) 0x10, // 2a: mov  [rax+16], esi
    (byte) 0x89,
    (byte) 0x78,
    (byte) 0x14, // 2d: mov  [rax+20], edi
    (byte) 0x89,
    (byte) 0x68,
    (byte) 0x18, // 30: mov  [rax+24], ebp
    (byte) 0x59, // 33: pop  rcx              ; returned eax
    (byte) 0x89,
    (byte) 0x08, // 34: mov  [rax], ecx
    (byte) 0x5d, // 36: pop  rbp
    (byte) 0x5b, // 37: pop  rbx
    (byte) 0xc3, // 38: ret
  };

  /** The CPUID stub's bytes (a copy). */
  static byte[] cpuid() {
    return CPUID.clone();
  }

  /** The {@code in eax, dx} stub's bytes (a copy). */
  static byte[] portIn() {
    return PORT_IN.clone();
  }

  /** The {@code rep outsb} stub's bytes (a copy). */
  static byte[] portOuts() {
    return PORT_OUTS.clone();
  }

  /** The {@code rep insb} stub's bytes (a copy). */
  static byte[] portIns() {
    return PORT_INS.clone();
  }
}
