package io.github.vmbackdoor.core;

import com.sun.jna.Memory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The real backdoor: executes {@code in eax, dx}, {@code rep outsb} and {@code rep insb} on the
 * VMware ports from inside a VMware guest, through small machine-code stubs called with JNA.
 *
 * <p><b>The gate.</b> Outside a VMware VM these instructions fault and the process dies, so no port
 * instruction can run before {@link #open()} has checked where it is:
 *
 * <ol>
 *   <li>the platform must be Linux on x86-64 ({@code os.name} and {@code os.arch}); anywhere else
 *       {@link UnsupportedPlatformException} is thrown and no machine code is loaded;
 *   <li>only the CPUID stub is mapped and run: leaf 1 must have the hypervisor-present bit (ecx bit
 *       31), and leaf 0x40000000 must name the vendor {@code "VMwareVMware"} in ebx, ecx and edx;
 *       otherwise {@link NotVmwareException} names the vendor found (or none).
 * </ol>
 *
 * Only after both checks does the private constructor map the three port stubs, and the only way to
 * reach them is through the instance {@code open()} returns. {@link #hypervisorVendor()} runs the
 * CPUID part alone and never touches a port.
 *
 * <p>The one exception is an explicit opt-in, {@link #openWithoutHypervisorCheck()}, which skips
 * the CPUID check for VMware VMs that hide the hypervisor leaf and for QEMU's emulated port; read
 * its warning first.
 *
 * <p>Calls are checked before they reach a stub: eax must hold the magic and dx the right port
 * (another port would fault even inside VMware), and ecx must equal the buffer's length for the
 * string calls. For those calls the pointer register (esi for {@code outs}, edi for {@code ins}) is
 * replaced by the address of a native copy of the buffer; the value the caller put there is
 * ignored, and the value returned is the low half of the advanced native pointer. All other
 * registers, including the cookie halves, go to the host as given.
 *
 * <p>Not covered: guests where the host allows only the hypercall form of the backdoor
 * (VMCALL/VMMCALL, e.g. encrypted-memory guests), and hosts that restrict the backdoor to kernel
 * mode; in the latter the first {@code in} faults despite the gate.
 *
 * <p>Thread-safe: the stubs keep their state on the stack and every call has its own native
 * buffers.
 */
public final class NativeBackdoor implements Backdoor {

  private static final int LEAF_FEATURES = 1;
  private static final int HYPERVISOR_PRESENT_BIT = 1 << 31;
  private static final int LEAF_HYPERVISOR_VENDOR = 0x40000000;

  /** The instance {@link #open()} returns once the gate passed. */
  private static NativeBackdoor instance;

  /** The instance {@link #openWithoutHypervisorCheck()} returns. */
  private static NativeBackdoor uncheckedInstance;

  private final Admission admission;
  private final NativeStub portIn;
  private final NativeStub portOuts;
  private final NativeStub portIns;

  /**
   * How an instance came to exist: past the gate, or by the explicit opt-in that skips its CPUID
   * half. The port stubs are mapped only through one of these.
   */
  private sealed interface Admission {

    /** What {@link #toString()} shows in brackets. */
    String describe();

    /** The gate passed: CPUID named VMware. */
    record Gated(String vendor) implements Admission {
      public Gated {
        if (!BackdoorProtocol.CPUID_VENDOR_VMWARE.equals(vendor)) {
          throw new IllegalStateException("not a VMware CPU: " + vendor);
        }
      }

      @Override
      public String describe() {
        return vendor;
      }
    }

    /** The caller skipped the CPUID check; {@code vendor} is what CPUID said (empty: none). */
    record Unchecked(Optional<String> vendor) implements Admission {
      @Override
      public String describe() {
        return "without hypervisor check, CPUID vendor "
            + vendor.map(v -> '"' + v + '"').orElse("none");
      }
    }
  }

  /** Maps the port stubs; reached only from {@link #open()} and the opt-in, never before them. */
  private NativeBackdoor(Admission admission) {
    this.admission = Objects.requireNonNull(admission);
    this.portIn = PortStubs.IN;
    this.portOuts = PortStubs.OUTS;
    this.portIns = PortStubs.INS;
  }

  /** The three port stubs, mapped once per process when the first instance is made. */
  private static final class PortStubs {
    private PortStubs() {}

    static final NativeStub IN = NativeStub.map(MachineCode.portIn());
    static final NativeStub OUTS = NativeStub.map(MachineCode.portOuts());
    static final NativeStub INS = NativeStub.map(MachineCode.portIns());
  }

  /**
   * The backdoor of this VMware VM, after checking that it is one (see the class description).
   * Returns the same instance on every successful call.
   *
   * @throws UnsupportedPlatformException when not on Linux on x86-64
   * @throws NotVmwareException when CPUID shows no hypervisor or one that is not VMware
   * @throws BackdoorException when the stubs cannot be placed in executable memory
   */
  public static synchronized NativeBackdoor open() {
    if (instance == null) {
      checkPlatform(System.getProperty("os.name"), System.getProperty("os.arch"));
      instance = new NativeBackdoor(new Admission.Gated(requireVmware(Cpuid.instruction())));
    }
    return instance;
  }

  /**
   * The backdoor without the CPUID half of the gate: for VMware VMs configured to hide the
   * hypervisor CPUID leaf ({@code hypervisor.cpuid.v0 = "FALSE"} in the .vmx file), where CPUID
   * looks like bare metal but the port still answers, and for QEMU's emulation of the port ({@code
   * -machine vmport=on}), whose CPUID vendor is not VMware's.
   *
   * <p><b>Warning: nothing checks that a backdoor is there.</b> Where none is (bare metal, KVM or
   * QEMU without vmport, Hyper-V, Xen, a container on any of them), the first call of {@link #in},
   * {@link #outs} or {@link #ins} executes a port instruction that faults in user mode, and the JVM
   * dies at once with SIGSEGV: no exception, no finally block, no shutdown hook. Under QEMU even
   * its port answers only a process with I/O privilege ({@code iopl(3)}, root). Call this only when
   * the VM's configuration is known, never as a fallback after {@link #open()} refused; {@link
   * #open()} stays the way to find out whether the backdoor is there.
   *
   * <p>Still refuses off Linux on x86-64. CPUID is read (it is safe everywhere on x86-64) only so
   * that {@link #toString()} can name the vendor; it decides nothing. Maps the same stubs as {@link
   * #open()} and returns the same instance on every call; {@link #open()} keeps running the full
   * gate.
   *
   * @throws UnsupportedPlatformException when not on Linux on x86-64
   * @throws BackdoorException when the stubs cannot be placed in executable memory
   */
  public static synchronized NativeBackdoor openWithoutHypervisorCheck() {
    if (uncheckedInstance == null) {
      checkPlatform(System.getProperty("os.name"), System.getProperty("os.arch"));
      uncheckedInstance =
          new NativeBackdoor(new Admission.Unchecked(hypervisorVendor(Cpuid.instruction())));
    }
    return uncheckedInstance;
  }

  /**
   * The hypervisor vendor CPUID leaf 0x40000000 reports (ebx, ecx, edx as twelve ASCII characters,
   * trailing NULs dropped), e.g. {@code VMwareVMware} or {@code KVMKVMKVM}; empty when leaf 1 says
   * no hypervisor is present. Runs CPUID only, never a port instruction.
   *
   * @throws UnsupportedPlatformException when not on Linux on x86-64
   */
  public static Optional<String> hypervisorVendor() {
    checkPlatform(System.getProperty("os.name"), System.getProperty("os.arch"));
    return hypervisorVendor(Cpuid.instruction());
  }

  /** The gate's first half: Linux on amd64/x86_64, or {@link UnsupportedPlatformException}. */
  static void checkPlatform(String osName, String osArch) {
    String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
    boolean linux = os.startsWith("linux");
    boolean x86x64 = "amd64".equals(osArch) || "x86_64".equals(osArch);
    if (!linux || !x86x64) {
      throw new UnsupportedPlatformException(osName, osArch);
    }
  }

  /** The vendor through {@code cpuid}, or empty when the hypervisor-present bit is clear. */
  static Optional<String> hypervisorVendor(Cpuid cpuid) {
    Registers features = cpuid.query(LEAF_FEATURES, 0);
    if ((features.ecx() & HYPERVISOR_PRESENT_BIT) == 0) {
      return Optional.empty();
    }
    Registers vendor = cpuid.query(LEAF_HYPERVISOR_VENDOR, 0);
    return Optional.of(vendorString(vendor.ebx(), vendor.ecx(), vendor.edx()));
  }

  /** The gate's second half: returns the vendor when it is VMware, else throws. */
  static String requireVmware(Cpuid cpuid) {
    Optional<String> vendor = hypervisorVendor(cpuid);
    if (vendor.isEmpty() || !vendor.get().equals(BackdoorProtocol.CPUID_VENDOR_VMWARE)) {
      throw new NotVmwareException(vendor.orElse(null));
    }
    return vendor.get();
  }

  /** Twelve bytes, four per register little-endian, up to the first NUL, as ASCII. */
  static String vendorString(int ebx, int ecx, int edx) {
    byte[] b =
        ByteBuffer.allocate(12)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(ebx)
            .putInt(ecx)
            .putInt(edx)
            .array();
    int end = 0;
    while (end < b.length && b[end] != 0) {
      end++;
    }
    return new String(b, 0, end, StandardCharsets.US_ASCII);
  }

  @Override
  public Registers in(Registers registers) {
    checkCall(registers, BackdoorProtocol.COMMAND_PORT);
    return portIn.call(registers);
  }

  @Override
  public Registers outs(Registers registers, byte[] bytes) {
    checkCall(registers, BackdoorProtocol.HB_PORT);
    checkCount(registers, bytes.length);
    Memory buffer = new Memory(Math.max(1, bytes.length));
    buffer.write(0, bytes, 0, bytes.length);
    return portOuts.call(registers, buffer);
  }

  @Override
  public Registers ins(Registers registers, byte[] into) {
    checkCall(registers, BackdoorProtocol.HB_PORT);
    checkCount(registers, into.length);
    Memory buffer = new Memory(Math.max(1, into.length));
    Registers out = portIns.call(registers, buffer);
    buffer.read(0, into, 0, into.length);
    return out;
  }

  static void checkCall(Registers r, int port) {
    if (r.eax() != BackdoorProtocol.MAGIC) {
      throw new IllegalArgumentException(
          String.format(
              "eax must hold the magic %s, got %s",
              Registers.hex(BackdoorProtocol.MAGIC), Registers.hex(r.eax())));
    }
    if (r.edxLow() != port) {
      throw new IllegalArgumentException(
          String.format(
              "dx must hold port %s, got %s", Integer.toHexString(port), Registers.hex(r.edx())));
    }
  }

  static void checkCount(Registers r, int length) {
    if (r.ecx() != length) {
      throw new IllegalArgumentException(
          String.format("ecx (%s) must equal the buffer length (%s)", r.ecx(), length));
    }
  }

  @Override
  public String toString() {
    return "NativeBackdoor[" + admission.describe() + "]";
  }
}
