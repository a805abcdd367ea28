package io.github.vmbackdoor.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class NativeBackdoorTest {

  private static final int HYPERVISOR_BIT = 1 << 31;

  /**
   * A CPUID that answers leaf 1 and leaf 0x40000000 from fixed values and records the leaves asked.
   */
  private static final class FakeCpuid implements Cpuid {
    final List<Integer> leaves = new ArrayList<>();
    private final boolean hypervisorPresent;
    private final byte[] vendor;

    FakeCpuid(boolean hypervisorPresent, String vendor) {
      this.hypervisorPresent = hypervisorPresent;
      this.vendor = Arrays.copyOf(vendor.getBytes(StandardCharsets.US_ASCII), 12);
    }

    @Override
    public Registers query(int leaf, int subLeaf) {
      leaves.add(leaf);
      if (leaf == 1) {
        return Registers.zero().withEcx(hypervisorPresent ? HYPERVISOR_BIT | 0x1234 : 0x1234);
      }
      if (leaf == 0x40000000) {
        return Registers.of(0x40000010, le(0), le(4), le(8), 0, 0);
      }
      throw new AssertionError("unexpected leaf " + Integer.toHexString(leaf));
    }

    private int le(int at) {
      return (vendor[at] & 0xFF)
          | (vendor[at + 1] & 0xFF) << 8
          | (vendor[at + 2] & 0xFF) << 16
          | (vendor[at + 3] & 0xFF) << 24;
    }
  }

  @Nested
  class Gate {

    @Test
    void acceptsOnlyVmwareVmware() {
      FakeCpuid vmware = new FakeCpuid(true, "VMwareVMware");

      assertThat(NativeBackdoor.requireVmware(vmware)).isEqualTo("VMwareVMware");
      assertThat(vmware.leaves).containsExactly(1, 0x40000000);
    }

    @Test
    void refusesKvmNamingTheVendor() {
      FakeCpuid kvm = new FakeCpuid(true, "KVMKVMKVM");

      assertThat(NativeBackdoor.hypervisorVendor(kvm)).contains("KVMKVMKVM");
      assertThatThrownBy(() -> NativeBackdoor.requireVmware(kvm))
          .isInstanceOfSatisfying(
              NotVmwareException.class, e -> assertThat(e.vendor()).contains("KVMKVMKVM"))
          .isInstanceOf(NoBackdoorException.class)
          .hasMessage(
              "refusing the VMware backdoor: CPUID hypervisor vendor is \"KVMKVMKVM\", "
                  + "not \"VMwareVMware\"");
    }

    @Test
    void refusesOtherVendorsAndNearMisses() {
      for (String vendor :
          List.of(
              "Microsoft Hv",
              "XenVMMXenVMM",
              "TCGTCGTCGTCG",
              "VMwareVMwarX",
              "VMware",
              "vmwarevmware",
              "")) {
        assertThatThrownBy(() -> NativeBackdoor.requireVmware(new FakeCpuid(true, vendor)))
            .as(vendor)
            .isInstanceOf(NotVmwareException.class);
      }
    }

    @Test
    void refusesWhenNoHypervisorIsPresentWithoutAskingForTheVendor() {
      FakeCpuid bareMetal = new FakeCpuid(false, "VMwareVMware");

      assertThat(NativeBackdoor.hypervisorVendor(bareMetal)).isEmpty();
      assertThatThrownBy(() -> NativeBackdoor.requireVmware(bareMetal))
          .isInstanceOfSatisfying(NotVmwareException.class, e -> assertThat(e.vendor()).isEmpty())
          .hasMessageContaining("vendor is none (no hypervisor present)");
      assertThat(bareMetal.leaves).containsOnly(1);
    }

    @Test
    void vendorStringIsLittleEndianEbxEcxEdxUpToTheFirstNul() {
      // "KVMK" "VMKV" "M\0\0\0"
      assertThat(NativeBackdoor.vendorString(0x4b4d564b, 0x564b4d56, 0x0000004d))
          .isEqualTo("KVMKVMKVM");
      // "VMwa" "reVM" "ware"
      assertThat(NativeBackdoor.vendorString(0x61774d56, 0x4d566572, 0x65726177))
          .isEqualTo("VMwareVMware");
      assertThat(NativeBackdoor.vendorString(0, 0, 0)).isEmpty();
    }

    @Test
    void supportsLinuxOnX8664Only() {
      assertThatCode(() -> NativeBackdoor.checkPlatform("Linux", "amd64"))
          .doesNotThrowAnyException();
      assertThatCode(() -> NativeBackdoor.checkPlatform("Linux", "x86_64"))
          .doesNotThrowAnyException();
      for (String[] p :
          new String[][] {
            {"Linux", "aarch64"},
            {"Linux", "x86"},
            {"Linux", "i386"},
            {"Mac OS X", "x86_64"},
            {"Windows 11", "amd64"},
            {"FreeBSD", "amd64"},
            {null, null}
          }) {
        assertThatThrownBy(() -> NativeBackdoor.checkPlatform(p[0], p[1]))
            .as(Arrays.toString(p))
            .isInstanceOf(UnsupportedPlatformException.class)
            .isInstanceOf(NoBackdoorException.class)
            .hasMessageStartingWith(
                "unsupported platform for the native backdoor: os.name="
                    + p[0]
                    + ", os.arch="
                    + p[1]);
      }
    }

    @Test
    void callsAreCheckedBeforeReachingAStub() {
      Registers in = BackdoorCommand.GETVERSION.registers(0);
      Registers hb = Registers.of(BackdoorProtocol.MAGIC, 0x10000, 3, 0x0001_5659, 0, 0, 0);

      assertThatCode(() -> NativeBackdoor.checkCall(in, BackdoorProtocol.COMMAND_PORT))
          .doesNotThrowAnyException();
      assertThatCode(() -> NativeBackdoor.checkCall(hb, BackdoorProtocol.HB_PORT))
          .doesNotThrowAnyException();
      assertThatThrownBy(
              () -> NativeBackdoor.checkCall(in.withEax(0), BackdoorProtocol.COMMAND_PORT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("magic");
      assertThatThrownBy(() -> NativeBackdoor.checkCall(in, BackdoorProtocol.HB_PORT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("port 5659");
      assertThatThrownBy(
              () -> NativeBackdoor.checkCall(in.withEdx(0x80), BackdoorProtocol.COMMAND_PORT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("port 5658");
      assertThatCode(() -> NativeBackdoor.checkCount(hb, 3)).doesNotThrowAnyException();
      assertThatThrownBy(() -> NativeBackdoor.checkCount(hb, 4))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** On the machine running the tests: only CPUID is executed, never a port instruction. */
  @Nested
  class OnThisMachine {

    private void assumeLinuxX8664() {
      assumeTrue(System.getProperty("os.name").startsWith("Linux"));
      assumeTrue(List.of("amd64", "x86_64").contains(System.getProperty("os.arch")));
    }

    private List<String> cpuinfoFirstProcessor() throws IOException {
      List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
      int end = lines.indexOf("");
      return end < 0 ? lines : lines.subList(0, end);
    }

    private String cpuinfoField(String name) throws IOException {
      return cpuinfoFirstProcessor().stream()
          .filter(l -> l.startsWith(name + "\t") || l.startsWith(name + " "))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElseThrow(() -> new AssertionError("/proc/cpuinfo has no " + name));
    }

    @Test
    void elsewhereEveryEntryPointRefusesAsUnsupportedPlatform() {
      boolean supported =
          System.getProperty("os.name").startsWith("Linux")
              && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
      assumeFalse(supported, "this machine is a supported platform");

      assertThatThrownBy(NativeBackdoor::open).isInstanceOf(UnsupportedPlatformException.class);
      assertThatThrownBy(NativeBackdoor::hypervisorVendor)
          .isInstanceOf(UnsupportedPlatformException.class);
      assertThatThrownBy(NativeBackdoor::openWithoutHypervisorCheck)
          .isInstanceOf(UnsupportedPlatformException.class);
    }

    @Test
    void theCpuidStubReadsTheSameProcessorVendorAsTheKernel() throws IOException {
      assumeLinuxX8664();
      Registers leaf0 = Cpuid.instruction().query(0, 0);

      // Leaf 0 spells the processor vendor in ebx, edx, ecx (in that order).
      assertThat(NativeBackdoor.vendorString(leaf0.ebx(), leaf0.edx(), leaf0.ecx()))
          .isEqualTo(cpuinfoField("vendor_id"));
    }

    @Test
    void probeFindsAHypervisorExactlyWhenTheKernelDoes() throws IOException {
      assumeLinuxX8664();
      boolean kernelSeesHypervisor =
          Arrays.asList(cpuinfoField("flags").split(" ")).contains("hypervisor");

      Optional<String> vendor = NativeBackdoor.hypervisorVendor();

      assertThat(vendor.isPresent()).isEqualTo(kernelSeesHypervisor);
      vendor.ifPresent(v -> assertThat(v).isNotBlank());
    }

    @Test
    void openRefusesOutsideVmwareNamingTheVendorAndKeepsRefusing() {
      assumeLinuxX8664();
      Optional<String> vendor = NativeBackdoor.hypervisorVendor();
      assumeFalse(vendor.equals(Optional.of("VMwareVMware")), "running inside VMware");

      for (int attempt = 0; attempt < 2; attempt++) {
        assertThatThrownBy(NativeBackdoor::open)
            .isInstanceOfSatisfying(
                NotVmwareException.class, e -> assertThat(e.vendor()).isEqualTo(vendor))
            .hasMessageContaining(vendor.map(v -> '"' + v + '"').orElse("none"));
      }
    }

    @Test
    void everyWayToObtainAnInstanceRefusesOutsideVmware() throws Exception {
      assumeLinuxX8664();
      assumeFalse(NativeBackdoor.hypervisorVendor().equals(Optional.of("VMwareVMware")));

      assertThat(NativeBackdoor.class.getConstructors()).isEmpty();
      List<Method> publicStatics =
          Arrays.stream(NativeBackdoor.class.getDeclaredMethods())
              .filter(
                  m -> Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers()))
              .collect(Collectors.toList());
      // A new public entry point must be added here, and to the refusal below. The opt-in that
      // skips the CPUID check is the one named exception; see theOptInLeavesTheGateInPlace.
      assertThat(publicStatics)
          .extracting(Method::getName)
          .containsExactlyInAnyOrder("open", "hypervisorVendor", "openWithoutHypervisorCheck");
      for (Method m : publicStatics) {
        if (m.getName().equals("openWithoutHypervisorCheck")) {
          continue;
        }
        if (Backdoor.class.isAssignableFrom(m.getReturnType())) {
          assertThatThrownBy(() -> invoke(m))
              .as(m.getName())
              .isInstanceOf(NotVmwareException.class);
        } else {
          assertThat(m.getReturnType()).isEqualTo(Optional.class);
        }
      }
    }

    @Test
    void theOptInLeavesTheGateInPlace() {
      assumeLinuxX8664();
      Optional<String> vendor = NativeBackdoor.hypervisorVendor();
      assumeFalse(vendor.equals(Optional.of("VMwareVMware")), "running inside VMware");

      // Mapping the stubs runs no port instruction; only a call on the instance would.
      NativeBackdoor unchecked = NativeBackdoor.openWithoutHypervisorCheck();

      assertThat(NativeBackdoor.openWithoutHypervisorCheck()).isSameAs(unchecked);
      assertThat(unchecked)
          .hasToString(
              "NativeBackdoor[without hypervisor check, CPUID vendor "
                  + vendor.map(v -> '"' + v + '"').orElse("none")
                  + "]");
      assertThatThrownBy(NativeBackdoor::open).isInstanceOf(NotVmwareException.class);
    }

    private Object invoke(Method m) throws Throwable {
      try {
        return m.invoke(null);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }

    @Test
    void aSeparateJvmThatCallsOpenExitsNormallyWithTheRefusal() throws Exception {
      assumeLinuxX8664();
      Optional<String> vendor = NativeBackdoor.hypervisorVendor();
      assumeFalse(vendor.equals(Optional.of("VMwareVMware")));
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      Process p =
          new ProcessBuilder(
                  java.toString(),
                  "-Xshare:off",
                  "-cp",
                  System.getProperty("java.class.path"),
                  NativeBackdoorRefusalMain.class.getName())
              .redirectErrorStream(true)
              .start();
      String out;
      try (var stdout = p.getInputStream()) {
        out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out)
          .startsWith(
              "REFUSED NotVmwareException: refusing the VMware backdoor: "
                  + "CPUID hypervisor vendor is "
                  + vendor.map(v -> '"' + v + '"').orElse("none"));
    }
  }

  /** The stubs' bytes, disassembled by binutils when it is installed. */
  @Nested
  class MachineCodeListing {

    private List<String> disassemble(byte[] code) throws Exception {
      Path objdump = Path.of("/usr/bin/objdump");
      assumeTrue(Files.isExecutable(objdump), "objdump not installed");
      Path bin = Files.createTempFile("stub", ".bin");
      try {
        Files.write(bin, code);
        Process p =
            new ProcessBuilder(
                    objdump.toString(),
                    "-D",
                    "-b",
                    "binary",
                    "-mi386:x86-64",
                    "-M",
                    "intel",
                    bin.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        // Lines look like "   1a:\ted                   \tin     eax,dx".
        return out.lines()
            .filter(l -> l.matches("\\s+[0-9a-f]+:\t.*\t.*"))
            .map(l -> l.substring(l.lastIndexOf('\t') + 1).replaceAll("\\s+", " ").trim())
            .map(l -> l.toLowerCase(Locale.ROOT))
            .collect(Collectors.toList());
      } finally {
        Files.delete(bin);
      }
    }

    private List<String> portInstructions(List<String> listing) {
      return listing.stream()
          .filter(l -> l.matches("(rep )?(in|ins|insb|out|outs|outsb)\\b.*"))
          .collect(Collectors.toList());
    }

    @Test
    void cpuidStubHasNoPortInstruction() throws Exception {
      List<String> listing = disassemble(MachineCode.cpuid());

      assertThat(listing).contains("cpuid").endsWith("ret");
      assertThat(portInstructions(listing)).isEmpty();
      assertThat(listing).noneMatch(l -> l.startsWith("(bad)"));
    }

    @Test
    void eachPortStubHasExactlyItsOneInstruction() throws Exception {
      List<String> in = disassemble(MachineCode.portIn());
      List<String> outs = disassemble(MachineCode.portOuts());
      List<String> ins = disassemble(MachineCode.portIns());

      assertThat(portInstructions(in)).containsExactly("in eax,dx");
      assertThat(portInstructions(outs)).containsExactly("rep outs dx,byte ptr ds:[rsi]");
      assertThat(portInstructions(ins)).containsExactly("rep ins byte ptr es:[rdi],dx");
      for (List<String> l : List.of(in, outs, ins)) {
        assertThat(l)
            .startsWith("push rbx", "push rbp", "push rdi")
            .endsWith("pop rbp", "pop rbx", "ret");
        assertThat(l).noneMatch(s -> s.startsWith("(bad)"));
      }
      assertThat(outs).contains("cld").doesNotContain("mov esi,dword ptr [rax+0x10]");
      assertThat(ins).contains("cld", "mov rdi,rsi").doesNotContain("mov edi,dword ptr [rax+0x14]");
    }
  }
}
