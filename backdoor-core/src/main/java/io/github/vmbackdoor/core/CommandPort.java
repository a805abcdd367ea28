package io.github.vmbackdoor.core;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Typed guest calls of the numbered commands on the command port (0x5658), over any {@link
 * Backdoor}.
 *
 * <p>Every call loads eax = {@link BackdoorProtocol#MAGIC}, the command number in ecx's low word,
 * {@link BackdoorProtocol#COMMAND_PORT} in edx (high word zero) and zero in esi, edi and ebp; ebx
 * and ecx's high word carry what the command asks for. The answers are decoded the way the guest
 * tools and the Linux kernel decode them, into immutable values.
 *
 * <p>Only {@link #version()} decides whether a VMware backdoor is there at all and throws {@link
 * NoBackdoorException} when it is not; the other calls report a command the host does not answer as
 * an empty result. Call {@code version()} first to detect the host.
 *
 * <p>Thread-safe when the backdoor is.
 */
public final class CommandPort {

  /** What GETHZ primes ebx with and what the host leaves there when it does not answer. */
  private static final int ALL_ONES = 0xFFFFFFFF;

  private final Backdoor backdoor;

  /**
   * @param backdoor the transport every call goes through
   */
  public CommandPort(Backdoor backdoor) {
    this.backdoor = Objects.requireNonNull(backdoor);
  }

  /**
   * A call of {@code command} with {@code ebx} as its argument and no sub-command; returns the
   * registers the host returned, undecoded.
   */
  public Registers call(BackdoorCommand command, int ebx) {
    return call(command, 0, ebx);
  }

  /**
   * A call of {@code command} with {@code subCommand} in ecx's high word and {@code ebx} as its
   * argument; returns the registers the host returned, undecoded.
   */
  public Registers call(BackdoorCommand command, int subCommand, int ebx) {
    Objects.requireNonNull(command);
    if ((subCommand & ~0xFFFF) != 0) {
      throw new IllegalArgumentException(
          String.format("sub-command %s does not fit ecx's high word", subCommand));
    }
    return backdoor.in(command.registers(subCommand, ebx));
  }

  /**
   * The registers {@link #version()} loads: GETVERSION with ebx primed with the complement of the
   * magic and ecx's high word with 0xFFFF, on the command port.
   */
  public static Registers versionProbe() {
    return BackdoorCommand.GETVERSION.registers(0xFFFF, ~BackdoorProtocol.MAGIC);
  }

  /**
   * GETVERSION (10): the VMX version and product type, and the test whether a VMware backdoor
   * answers at all.
   *
   * <p>Primes ebx with the complement of the magic and ecx's high word with 0xFFFF, so that an
   * answer can be told from registers nobody touched.
   *
   * @throws NoBackdoorException when eax comes back all ones (nothing answered, or an emulation
   *     that does not know the command) or ebx does not echo the magic
   */
  public VmxVersion version() {
    Registers r = backdoor.in(versionProbe());
    if (r.eax() == BackdoorProtocol.NO_BACKDOOR) {
      throw new NoBackdoorException(
          "no backdoor: GETVERSION returned eax=" + Registers.hex(r.eax()));
    }
    if (r.ebx() != BackdoorProtocol.MAGIC) {
      throw new NoBackdoorException(
          "no VMware backdoor: GETVERSION returned ebx="
              + Registers.hex(r.ebx())
              + ", not the magic "
              + Registers.hex(BackdoorProtocol.MAGIC)
              + " (eax="
              + Registers.hex(r.eax())
              + ")");
    }
    return new VmxVersion(r.eax(), VmxVersion.ProductType.fromEcx(r.ecx()), r.ecx());
  }

  /**
   * GETHWVERSION (17): the virtual hardware version; empty when the host does not answer (eax all
   * ones, or ebx not the magic echo).
   */
  public OptionalInt hardwareVersion() {
    Registers r = call(BackdoorCommand.GETHWVERSION, ~BackdoorProtocol.MAGIC);
    if (r.eax() == BackdoorProtocol.NO_BACKDOOR || r.ebx() != BackdoorProtocol.MAGIC) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(r.eax());
  }

  /** GETMHZ (1): the processor speed in MHz; empty when eax, read signed, is zero or less. */
  public OptionalInt mhz() {
    Registers r = call(BackdoorCommand.GETMHZ, 0);
    return r.eax() > 0 ? OptionalInt.of(r.eax()) : OptionalInt.empty();
  }

  /**
   * GETMEMSIZE (20): the guest memory size in MB (eax, unsigned); empty when eax comes back all
   * ones.
   */
  public OptionalLong memorySizeMb() {
    Registers r = call(BackdoorCommand.GETMEMSIZE, 0);
    if (r.eax() == BackdoorProtocol.NO_BACKDOOR) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Integer.toUnsignedLong(r.eax()));
  }

  /**
   * GETUUID (19): the BIOS UUID from eax, ebx, ecx and edx. Every register value is a valid answer,
   * so a host that does not know the command cannot be told apart here.
   */
  public BiosUuid uuid() {
    return BiosUuid.fromRegisters(call(BackdoorCommand.GETUUID, 0));
  }

  /**
   * GETHZ (45): the TSC and APIC bus frequencies; empty when ebx, primed with all ones, comes back
   * unchanged (the host does not offer them).
   */
  public Optional<HostHz> hz() {
    Registers r = call(BackdoorCommand.GETHZ, ALL_ONES);
    if (r.ebx() == ALL_ONES) {
      return Optional.empty();
    }
    long tsc = ((long) r.ebx() << 32) | Integer.toUnsignedLong(r.eax());
    return Optional.of(new HostHz(tsc, Integer.toUnsignedLong(r.ecx())));
  }

  /**
   * GETTIME (23, deprecated in favour of {@link #timeFull()}): seconds (eax, 32 bits), microseconds
   * (ebx) and the maximum time lag (ecx); empty when eax comes back all ones.
   */
  public Optional<HostTime> time() {
    Registers r = call(BackdoorCommand.GETTIME, 0);
    if (r.eax() == BackdoorProtocol.NO_BACKDOOR) {
      return Optional.empty();
    }
    return Optional.of(
        new HostTime(
            BackdoorCommand.GETTIME,
            Integer.toUnsignedLong(r.eax()),
            Integer.toUnsignedLong(r.ebx()),
            Integer.toUnsignedLong(r.ecx()),
            OptionalLong.empty()));
  }

  /**
   * GETTIMEFULL (46): seconds ((esi &lt;&lt; 32) | edx), microseconds (ebx) and the maximum time
   * lag (ecx); empty unless the host left eax at the magic, which is how it signals success.
   */
  public Optional<HostTime> timeFull() {
    Registers r = call(BackdoorCommand.GETTIMEFULL, 0);
    if (r.eax() != BackdoorProtocol.MAGIC) {
      return Optional.empty();
    }
    return Optional.of(fullTime(BackdoorCommand.GETTIMEFULL, r, OptionalLong.empty()));
  }

  /**
   * GETTIMEFULL_WITH_LAG (55): as {@link #timeFull()}, plus the interrupt lag (edi); ecx is then
   * the configured maximum lag only. Empty unless eax comes back as the magic.
   */
  public Optional<HostTime> timeFullWithLag() {
    Registers r = call(BackdoorCommand.GETTIMEFULL_WITH_LAG, 0);
    if (r.eax() != BackdoorProtocol.MAGIC) {
      return Optional.empty();
    }
    return Optional.of(
        fullTime(
            BackdoorCommand.GETTIMEFULL_WITH_LAG,
            r,
            OptionalLong.of(Integer.toUnsignedLong(r.edi()))));
  }

  private static HostTime fullTime(BackdoorCommand command, Registers r, OptionalLong lag) {
    long seconds = ((long) r.esi() << 32) | Integer.toUnsignedLong(r.edx());
    return new HostTime(
        command, seconds, Integer.toUnsignedLong(r.ebx()), Integer.toUnsignedLong(r.ecx()), lag);
  }
}
