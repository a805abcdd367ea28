package io.github.vmbackdoor.core;

import com.sun.jna.Memory;
import java.util.Arrays;
import java.util.List;

/**
 * A deliberately wrong copy of one of {@link MachineCode}'s port stubs, one byte changed, for
 * proving that {@link QemuVmportCheck} notices a broken stub: with it the guest program must report
 * a mismatch or crash, never pass. Test-only; nothing outside {@code src/it} uses it.
 */
sealed interface BrokenStub {

  /** What is wrong, in one line. */
  String describe();

  /** A backdoor that runs the broken stub for its instruction and {@code real} for the others. */
  Backdoor around(NativeBackdoor real);

  /** The names of all variants. */
  static List<String> names() {
    return List.of(InStoresEbxInEcxSlot.NAME, InsRunsBackwards.NAME);
  }

  /** The variant called {@code name}. */
  static BrokenStub named(String name) {
    return switch (name) {
      case InStoresEbxInEcxSlot.NAME -> new InStoresEbxInEcxSlot();
      case InsRunsBackwards.NAME -> new InsRunsBackwards();
      default ->
          throw new IllegalArgumentException(
              "no broken stub named " + name + "; known: " + names());
    };
  }

  /**
   * {@code in eax, dx} whose store of ebx after the instruction has displacement 8 instead of 4:
   * ebx is written to ecx's slot (then overwritten), and ebx's slot keeps what went in.
   */
  record InStoresEbxInEcxSlot() implements BrokenStub {
    static final String NAME = "in-ebx-slot";

    @Override
    public String describe() {
      return NAME + ": in stub stores ebx at [rax+8] instead of [rax+4] (one byte)";
    }

    @Override
    public Backdoor around(NativeBackdoor real) {
      byte[] code = MachineCode.portIn();
      int at = after(code, new byte[] {(byte) 0xED}, new byte[] {(byte) 0x89, 0x58, 0x04}) + 2;
      NativeStub stub = NativeStub.map(oneByteChanged(code, at, (byte) 0x08));
      return new Delegating(real) {
        @Override
        public Registers in(Registers registers) {
          NativeBackdoor.checkCall(registers, BackdoorProtocol.COMMAND_PORT);
          return stub.call(registers);
        }
      };
    }
  }

  /** {@code rep insb} after {@code std} instead of {@code cld}: it writes downwards from rdi. */
  record InsRunsBackwards() implements BrokenStub {
    static final String NAME = "ins-std";

    @Override
    public String describe() {
      return NAME + ": ins stub sets the direction flag (std) instead of clearing it (one byte)";
    }

    @Override
    public Backdoor around(NativeBackdoor real) {
      byte[] code = MachineCode.portIns();
      int at = after(code, new byte[0], new byte[] {(byte) 0xFC, (byte) 0xF3, 0x6C});
      NativeStub stub = NativeStub.map(oneByteChanged(code, at, (byte) 0xFD));
      return new Delegating(real) {
        @Override
        public Registers ins(Registers registers, byte[] into) {
          NativeBackdoor.checkCall(registers, BackdoorProtocol.HB_PORT);
          NativeBackdoor.checkCount(registers, into.length);
          Memory buffer = new Memory(Math.max(1, into.length));
          Registers out = stub.call(registers, buffer);
          buffer.read(0, into, 0, into.length);
          return out;
        }
      };
    }
  }

  /** The index where {@code pattern} first occurs after the first occurrence of {@code anchor}. */
  private static int after(byte[] code, byte[] anchor, byte[] pattern) {
    int from = anchor.length == 0 ? 0 : indexOf(code, anchor, 0) + anchor.length;
    int at = indexOf(code, pattern, from);
    if (from < anchor.length || at < 0) {
      throw new IllegalStateException("stub bytes changed; " + Arrays.toString(pattern) + " gone");
    }
    return at;
  }

  private static int indexOf(byte[] code, byte[] pattern, int from) {
    for (int i = from; i + pattern.length <= code.length; i++) {
      if (Arrays.equals(code, i, i + pattern.length, pattern, 0, pattern.length)) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] oneByteChanged(byte[] code, int at, byte value) {
    byte[] broken = code.clone();
    if (broken[at] == value) {
      throw new IllegalStateException("byte " + at + " already " + value);
    }
    broken[at] = value;
    return broken;
  }

  /** Passes every call to the real backdoor; a variant overrides the one it breaks. */
  class Delegating implements Backdoor {
    private final Backdoor real;

    Delegating(Backdoor real) {
      this.real = real;
    }

    @Override
    public Registers in(Registers registers) {
      return real.in(registers);
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      return real.outs(registers, bytes);
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      return real.ins(registers, into);
    }
  }
}
