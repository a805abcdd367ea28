package io.github.vmbackdoor.core;

/**
 * The CPUID instruction: eax, ebx, ecx and edx for a leaf and sub-leaf, in {@link Registers} (esi,
 * edi and ebp zero). A seam so the VMware gate can be tested with any vendor.
 */
@FunctionalInterface
interface Cpuid {

  /** CPUID with eax = {@code leaf} and ecx = {@code subLeaf}. */
  Registers query(int leaf, int subLeaf);

  /** The real instruction, through a mapped stub made on first use. */
  static Cpuid instruction() {
    return (leaf, subLeaf) -> Stub.CPUID.call(Registers.zero().withEax(leaf).withEcx(subLeaf));
  }

  /** Maps the CPUID stub on first use only; it holds no port instruction. */
  final class Stub {
    private Stub() {}

    static final NativeStub CPUID = NativeStub.map(MachineCode.cpuid());
  }
}
