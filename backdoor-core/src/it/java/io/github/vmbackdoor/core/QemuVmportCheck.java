package io.github.vmbackdoor.core;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The guest half of {@code backdoor-core/src/it/qemu-vmport.sh}: runs as root inside a QEMU guest
 * booted with {@code -machine pc,vmport=on} under TCG and checks {@link NativeBackdoor}'s real port
 * instructions against what QEMU's emulated VMware port answers.
 *
 * <p>Usage: {@code QemuVmportCheck <uuid> <memory-mb> <cpuid-vendor> [broken-variant]}. Prints one
 * {@code CHECK PASS|FAIL <name>: <detail>} line per expectation and a last line {@code RESULT
 * PASS|FAIL ...}; exits 0 only when every check passed. With a {@link BrokenStub} variant the port
 * checks run through that deliberately wrong stub instead, and are expected to fail (or the JVM to
 * crash).
 *
 * <p>Expectations (QEMU's {@code hw/i386/vmport.c}): GETVERSION answers eax 6, ebx the magic, ecx
 * 2; GETBIOSUUID the {@code -uuid} bytes in order; GETRAMSIZE the memory in bytes (VMware: MB);
 * commands without a handler, such as the message command 30, answer eax all ones; port 0x5659 does
 * not exist, so {@code rep insb} stores 0xFF bytes, {@code rep outsb} is discarded, and both count
 * ecx down to 0 while advancing the pointer.
 */
public final class QemuVmportCheck {

  /** glibc's {@code iopl(2)}: QEMU only lets ring 3 execute {@code in} with I/O privilege 3. */
  interface LibC extends Library {
    int iopl(int level);
  }

  private static final int HB_BYTES = 16;

  private final Checks checks = new Checks();

  private QemuVmportCheck() {}

  public static void main(String[] args) {
    if (args.length < 3 || args.length > 4) {
      System.out.println(
          "usage: QemuVmportCheck <uuid> <memory-mb> <cpuid-vendor> ["
              + String.join("|", BrokenStub.names())
              + "]");
      System.exit(2);
    }
    UUID uuid = UUID.fromString(args[0]);
    long memoryMb = Long.parseLong(args[1]);
    String vendor = args[2];
    Optional<BrokenStub> broken =
        args.length == 4 ? Optional.of(BrokenStub.named(args[3])) : Optional.empty();
    QemuVmportCheck run = new QemuVmportCheck();
    run.run(uuid, memoryMb, vendor, broken);
    System.exit(run.checks.finish());
  }

  private void run(UUID uuid, long memoryMb, String vendor, Optional<BrokenStub> broken) {
    checks.check(
        "iopl(3)",
        () -> {
          int rc = Native.load("c", LibC.class).iopl(3);
          Checks.expect("return value", rc, 0);
          return "I/O privilege 3 for this thread";
        });
    checks.check(
        "gate refuses",
        () -> {
          try {
            NativeBackdoor.open();
            throw new AssertionError("open() returned an instance under " + vendor);
          } catch (NotVmwareException e) {
            Checks.expect("vendor", e.vendor(), Optional.of(vendor));
            return e.getMessage();
          }
        });
    NativeBackdoor unchecked = NativeBackdoor.openWithoutHypervisorCheck();
    checks.check(
        "opt-in",
        () -> {
          Checks.expect(
              "toString",
              unchecked.toString(),
              "NativeBackdoor[without hypervisor check, CPUID vendor \"" + vendor + "\"]");
          return unchecked.toString();
        });
    Backdoor backdoor = unchecked;
    if (broken.isPresent()) {
      System.out.println("BROKEN STUB " + broken.get().describe());
      backdoor = broken.get().around(unchecked);
    }
    commandPort(backdoor, uuid, memoryMb);
    highBandwidth(backdoor);
    if (broken.isEmpty()) {
      stubPointers();
    }
  }

  private void commandPort(Backdoor backdoor, UUID uuid, long memoryMb) {
    CommandPort port = new CommandPort(backdoor);
    checks.check(
        "GETVERSION",
        () -> {
          VmxVersion v = port.version();
          Checks.expect("version (eax)", v.version(), BackdoorProtocol.VERSION_MAGIC);
          Checks.expect("product type (ecx)", v.productTypeCode(), 2);
          return v.toString();
        });
    checks.check(
        "registers round trip",
        () -> {
          Registers given =
              Registers.of(
                  BackdoorProtocol.MAGIC,
                  ~BackdoorProtocol.MAGIC,
                  BackdoorCommand.GETVERSION.ecx(0xFFFF),
                  BackdoorProtocol.COMMAND_PORT,
                  0x11223344,
                  0x55667788,
                  0x99AABBCC);
          Registers r = port.call(BackdoorCommand.GETVERSION, 0xFFFF, ~BackdoorProtocol.MAGIC);
          Checks.expect("ebx", r.ebx(), BackdoorProtocol.MAGIC);
          Registers back = backdoor.in(given);
          Checks.expect("eax", back.eax(), BackdoorProtocol.VERSION_MAGIC);
          Checks.expect("ebx", back.ebx(), BackdoorProtocol.MAGIC);
          Checks.expect("ecx", back.ecx(), 2);
          Checks.expect("edx (untouched)", back.edx(), given.edx());
          Checks.expect("esi (untouched)", back.esi(), given.esi());
          Checks.expect("edi (untouched)", back.edi(), given.edi());
          Checks.expect("ebp (untouched)", back.ebp(), given.ebp());
          return back.toString();
        });
    checks.check(
        "GETUUID",
        () -> {
          BiosUuid got = port.uuid();
          Checks.expect("uuid", got.uuid(), uuid);
          return got + " (bytes in -uuid order)";
        });
    checks.check(
        "GETMEMSIZE",
        () -> {
          OptionalLong eax = port.memorySizeMb();
          // QEMU answers ram_size in bytes; a VMware host answers megabytes.
          Checks.expect("eax", eax, OptionalLong.of(memoryMb * 1024 * 1024));
          return "eax=" + eax.getAsLong() + " bytes = " + memoryMb + " MB (VMware would say MB)";
        });
    checks.check(
        "unimplemented commands",
        () -> {
          Checks.expect("GETTIME", port.time(), Optional.empty());
          Checks.expect("GETTIMEFULL", port.timeFull(), Optional.empty());
          Checks.expect("GETHWVERSION", port.hardwareVersion().isPresent(), false);
          StringBuilder eax = new StringBuilder("no answer:");
          for (BackdoorCommand c :
              List.of(
                  BackdoorCommand.GETTIME,
                  BackdoorCommand.GETTIMEFULL,
                  BackdoorCommand.GETHWVERSION)) {
            eax.append(' ').append(c).append(" eax=").append(Registers.hex(port.call(c, 0).eax()));
          }
          return eax.toString();
        });
    checks.check(
        "message channel refused",
        () -> {
          try {
            MessageChannel.open(backdoor, BackdoorProtocol.PROTOCOL_RPCI).close();
            throw new AssertionError("OPEN succeeded");
          } catch (MessageException e) {
            Checks.expect("step", e.step(), MessageException.Step.OPEN);
            Checks.expect("eax", e.registers().eax(), BackdoorProtocol.NO_BACKDOOR);
            return e.getMessage();
          }
        });
  }

  private void highBandwidth(Backdoor backdoor) {
    Registers given =
        Registers.of(
            BackdoorProtocol.MAGIC,
            BackdoorProtocol.HB_CMD_MESSAGE | 0x00010000,
            HB_BYTES,
            BackdoorProtocol.HB_PORT,
            0x0BADC0DE,
            0x5EED5EED,
            0xC00C1E00);
    checks.check(
        "HB ins from the absent port 0x5659",
        () -> {
          byte[] into = new byte[HB_BYTES];
          Registers r = backdoor.ins(given, into);
          byte[] ones = new byte[HB_BYTES];
          Arrays.fill(ones, (byte) 0xFF);
          Checks.expect("bytes", Arrays.toString(into), Arrays.toString(ones));
          Checks.expect("ecx", r.ecx(), 0);
          expectUntouched(given, r, "edi");
          return HB_BYTES + " bytes of 0xFF, " + r;
        });
    checks.check(
        "HB outs to the absent port 0x5659",
        () -> {
          byte[] bytes = new byte[HB_BYTES];
          Arrays.fill(bytes, (byte) 'x');
          Registers r = backdoor.outs(given, bytes);
          Checks.expect("ecx", r.ecx(), 0);
          expectUntouched(given, r, "esi");
          return "discarded, " + r;
        });
  }

  /** Every register but ecx and {@code pointer} comes back as given. */
  private static void expectUntouched(Registers given, Registers r, String pointer) {
    Checks.expect("eax", r.eax(), given.eax());
    Checks.expect("ebx", r.ebx(), given.ebx());
    Checks.expect("edx", r.edx(), given.edx());
    Checks.expect("ebp", r.ebp(), given.ebp());
    if (!pointer.equals("esi")) {
      Checks.expect("esi", r.esi(), given.esi());
    }
    if (!pointer.equals("edi")) {
      Checks.expect("edi", r.edi(), given.edi());
    }
  }

  /** The string stubs' pointer, seen directly: it must end {@code HB_BYTES} past the buffer. */
  private void stubPointers() {
    Registers given =
        Registers.of(
            BackdoorProtocol.MAGIC, 0, HB_BYTES, BackdoorProtocol.HB_PORT, 0x1111, 0x2222, 0x3333);
    checks.check(
        "rep insb advances rdi",
        () -> {
          Memory buffer = new Memory(HB_BYTES);
          Registers r = NativeStub.map(MachineCode.portIns()).call(given, buffer);
          Checks.expect("edi", r.edi(), (int) (Pointer.nativeValue(buffer) + HB_BYTES));
          return "edi = low half of buffer + " + HB_BYTES;
        });
    checks.check(
        "rep outsb advances rsi",
        () -> {
          Memory buffer = new Memory(HB_BYTES);
          buffer.clear();
          Registers r = NativeStub.map(MachineCode.portOuts()).call(given, buffer);
          Checks.expect("esi", r.esi(), (int) (Pointer.nativeValue(buffer) + HB_BYTES));
          return "esi = low half of buffer + " + HB_BYTES;
        });
  }
}
