package io.github.vmbackdoor.core;

import java.util.Optional;

/**
 * The numbered commands of the command port (0x5658): the value a guest puts in the low word of ecx
 * before {@code in eax, dx}.
 *
 * <p>Every number the host's header defines, 1 to 104, is here under the protocol's own name (the
 * header's {@code BDOOR_CMD_} prefix dropped), including numbers that are retired ({@link
 * #retired()}), deprecated ({@link #deprecated()}) or answered only from kernel mode ({@link
 * #kernelOnly()}). The sub-commands of {@link #MESSAGE} and the other message-layer constants live
 * in {@link BackdoorProtocol}.
 *
 * <p>{@link #registers(int)} and {@link #registers(int, int)} build the registers of a plain
 * command-port call: eax = {@link BackdoorProtocol#MAGIC}, ebx = the argument, ecx = sub-command
 * and command, edx = {@link BackdoorProtocol#COMMAND_PORT}, esi, edi and ebp zero.
 */
public enum BackdoorCommand {
  /** 1: The processor speed in MHz, in eax. */
  GETMHZ(1, Kind.ACTIVE),

  /** 2: Kernel only (CPL0): the host ignores it from user mode. */
  APMFUNCTION(2, Kind.KERNEL_ONLY),

  /** 3: Command 3. */
  GETDISKGEO(3, Kind.ACTIVE),

  /** 4: Command 4. */
  GETPTRLOCATION(4, Kind.ACTIVE),

  /** 5: Command 5. */
  SETPTRLOCATION(5, Kind.ACTIVE),

  /** 6: Command 6. */
  GETSELLENGTH(6, Kind.ACTIVE),

  /** 7: Command 7. */
  GETNEXTPIECE(7, Kind.ACTIVE),

  /** 8: Command 8. */
  SETSELLENGTH(8, Kind.ACTIVE),

  /** 9: Command 9. */
  SETNEXTPIECE(9, Kind.ACTIVE),

  /** 10: The VMX version (eax), the magic echoed (ebx) and the product type (ecx). */
  GETVERSION(10, Kind.ACTIVE),

  /** 11: Command 11. */
  GETDEVICELISTELEMENT(11, Kind.ACTIVE),

  /** 12: Command 12. */
  TOGGLEDEVICE(12, Kind.ACTIVE),

  /** 13: Command 13. */
  GETGUIOPTIONS(13, Kind.ACTIVE),

  /** 14: Command 14. */
  SETGUIOPTIONS(14, Kind.ACTIVE),

  /** 15: Command 15. */
  GETSCREENSIZE(15, Kind.ACTIVE),

  /** 16: Disabled by default on the host. */
  MONITOR_CONTROL(16, Kind.ACTIVE),

  /** 17: The virtual hardware version, in eax. */
  GETHWVERSION(17, Kind.ACTIVE),

  /** 18: Kernel only (CPL0): the host ignores it from user mode. */
  OSNOTFOUND(18, Kind.KERNEL_ONLY),

  /** 19: The BIOS UUID, 16 bytes across eax, ebx, ecx and edx. */
  GETUUID(19, Kind.ACTIVE),

  /** 20: The guest memory size in MB, in eax. */
  GETMEMSIZE(20, Kind.ACTIVE),

  /** 21: Retired: commented out in the host's header, no longer answered. */
  HOSTCOPY(21, Kind.RETIRED),

  /** 22: Reads pseudo performance counters; older headers called this number SERVICE_VM. */
  PMC(22, Kind.ACTIVE),

  /** 23: Host time, seconds in eax; superseded by {@link #GETTIMEFULL}. */
  GETTIME(23, Kind.DEPRECATED),

  /** 24: Tells the host the guest stepped its clock; no arguments. */
  STOPCATCHUP(24, Kind.ACTIVE),

  /** 25: Disabled by default on the host. */
  PUTCHR(25, Kind.ACTIVE),

  /** 26: Retired: commented out in the host's header, no longer answered. */
  ENABLE_MSG(26, Kind.RETIRED),

  /** 27: Retired: commented out in the host's header, no longer answered. */
  GOTO_TCL(27, Kind.RETIRED),

  /** 28: Kernel only (CPL0): the host ignores it from user mode. */
  INITPCIOPROM(28, Kind.KERNEL_ONLY),

  /** 29: Retired: commented out in the host's header, no longer answered. */
  INT13(29, Kind.RETIRED),

  /**
   * 30: The message (GuestMsg) layer: sub-command in the high word of ecx, see {@link
   * BackdoorProtocol}.
   */
  MESSAGE(BackdoorProtocol.CMD_MESSAGE, Kind.ACTIVE),

  /** 31: Command 31. */
  SIDT(31, Kind.ACTIVE),

  /** 32: Command 32. */
  SGDT(32, Kind.ACTIVE),

  /** 33: Command 33. */
  SLDT_STR(33, Kind.ACTIVE),

  /** 34: Command 34. */
  ISACPIDISABLED(34, Kind.ACTIVE),

  /** 35: Retired: commented out in the host's header, no longer answered. */
  TOE(35, Kind.RETIRED),

  /** 36: Command 36. */
  ISMOUSEABSOLUTE(36, Kind.ACTIVE),

  /** 37: Kernel only (CPL0): the host ignores it from user mode. */
  PATCH_SMBIOS_STRUCTS(37, Kind.KERNEL_ONLY),

  /** 38: Development builds of the host only. */
  MAPMEM(38, Kind.ACTIVE),

  /** 39: Command 39. */
  ABSPOINTER_DATA(39, Kind.ACTIVE),

  /** 40: Command 40. */
  ABSPOINTER_STATUS(40, Kind.ACTIVE),

  /** 41: Command 41. */
  ABSPOINTER_COMMAND(41, Kind.ACTIVE),

  /** 42: Retired: commented out in the host's header, no longer answered. */
  TIMER_SPONGE(42, Kind.RETIRED),

  /** 43: Retired: commented out in the host's header, no longer answered. */
  PATCH_ACPI_TABLES(43, Kind.RETIRED),

  /** 44: Retired: commented out in the host's header, no longer answered. */
  DEVEL_FAKEHARDWARE(44, Kind.RETIRED),

  /** 45: TSC frequency (ebx:eax) and APIC bus frequency (ecx). */
  GETHZ(45, Kind.ACTIVE),

  /** 46: Host time with 64-bit seconds (esi:edx) and microseconds (ebx). */
  GETTIMEFULL(46, Kind.ACTIVE),

  /** 47: Retired: commented out in the host's header, no longer answered. */
  STATELOGGER(47, Kind.RETIRED),

  /** 48: Kernel only (CPL0): the host ignores it from user mode. */
  CHECKFORCEBIOSSETUP(48, Kind.KERNEL_ONLY),

  /** 49: Kernel only (CPL0): the host ignores it from user mode. */
  LAZYTIMEREMULATION(49, Kind.KERNEL_ONLY),

  /** 50: Kernel only (CPL0): the host ignores it from user mode. */
  BIOSBBS(50, Kind.KERNEL_ONLY),

  /** 51: Retired: commented out in the host's header, no longer answered. */
  VASSERT(51, Kind.RETIRED),

  /** 52: Command 52. */
  ISGOSDARWIN(52, Kind.ACTIVE),

  /** 53: Command 53. */
  DEBUGEVENT(53, Kind.ACTIVE),

  /** 54: Kernel only (CPL0): the host ignores it from user mode. */
  OSNOTMACOSXSERVER(54, Kind.KERNEL_ONLY),

  /** 55: As {@link #GETTIMEFULL}, plus the interrupt lag in edi. */
  GETTIMEFULL_WITH_LAG(55, Kind.ACTIVE),

  /** 56: Development builds of the host only. */
  ACPI_HOTPLUG_DEVICE(56, Kind.ACTIVE),

  /** 57: Development builds of the host only. */
  ACPI_HOTPLUG_MEMORY(57, Kind.ACTIVE),

  /** 58: Development builds of the host only. */
  ACPI_HOTPLUG_CBRET(58, Kind.ACTIVE),

  /** 59: Retired: commented out in the host's header, no longer answered. */
  GET_HOST_VIDEO_MODES(59, Kind.RETIRED),

  /** 60: Development builds of the host only. */
  ACPI_HOTPLUG_CPU(60, Kind.ACTIVE),

  /** 61: Retired: commented out in the host's header, no longer answered. */
  USB_HOTPLUG_MOUSE(61, Kind.RETIRED),

  /** 62: Retired: commented out in the host's header, no longer answered. */
  XPMODE(62, Kind.RETIRED),

  /**
   * 63: Queries or restricts the backdoor inside nested guests (sub-command in the high word of
   * ecx).
   */
  NESTING_CONTROL(63, Kind.ACTIVE),

  /** 64: Kernel only (CPL0): the host ignores it from user mode. */
  FIRMWARE_INIT(64, Kind.KERNEL_ONLY),

  /** 65: Kernel only (CPL0): the host ignores it from user mode. */
  FIRMWARE_ACPI_SERVICES(65, Kind.KERNEL_ONLY),

  /** 66: Deprecated on the host. */
  SENDPSHAREHINTS(66, Kind.DEPRECATED),

  /** 67: Command 67. */
  ENABLE_USB_MOUSE(67, Kind.ACTIVE),

  /** 68: A bit mask about the virtual CPU in eax; bit 31 set means the host lacks the command. */
  GET_VCPU_INFO(68, Kind.ACTIVE),

  /** 69: Kernel only (CPL0): the host ignores it from user mode. */
  EFI_SERIALCON_CONFIG(69, Kind.KERNEL_ONLY),

  /** 70: Retired: commented out in the host's header, no longer answered. */
  BUG328986(70, Kind.RETIRED),

  /** 71: Kernel only (CPL0): the host ignores it from user mode. */
  FIRMWARE_ERROR(71, Kind.KERNEL_ONLY),

  /** 72: Command 72. */
  VMK_INFO(72, Kind.ACTIVE),

  /** 73: Kernel only (CPL0): the host ignores it from user mode. */
  EFI_BOOT_CONFIG(73, Kind.KERNEL_ONLY),

  /** 74: Kernel only (CPL0): the host ignores it from user mode. */
  GET_HW_MODEL(74, Kind.KERNEL_ONLY),

  /** 75: Kernel only (CPL0): the host ignores it from user mode. */
  GET_SVGA_CAPABILITIES(75, Kind.KERNEL_ONLY),

  /** 76: Kernel only (CPL0): the host ignores it from user mode. */
  GET_FORCE_X2APIC(76, Kind.KERNEL_ONLY),

  /** 77: Kernel only (CPL0): the host ignores it from user mode. */
  SET_PCI_HOLE(77, Kind.KERNEL_ONLY),

  /** 78: Kernel only (CPL0): the host ignores it from user mode. */
  GET_PCI_HOLE(78, Kind.KERNEL_ONLY),

  /** 79: Kernel only (CPL0): the host ignores it from user mode. */
  GET_PCI_BAR(79, Kind.KERNEL_ONLY),

  /** 80: Kernel only (CPL0): the host ignores it from user mode. */
  SHOULD_GENERATE_SYSTEMID(80, Kind.KERNEL_ONLY),

  /** 81: Development builds of the host only. */
  READ_DEBUG_FILE(81, Kind.ACTIVE),

  /** 82: Development builds of the host only. */
  SCREENSHOT(82, Kind.ACTIVE),

  /** 83: Development builds of the host only. */
  INJECT_KEY(83, Kind.ACTIVE),

  /** 84: Development builds of the host only. */
  INJECT_MOUSE(84, Kind.ACTIVE),

  /** 85: Kernel only (CPL0): the host ignores it from user mode. */
  MKS_GUEST_STATS(85, Kind.KERNEL_ONLY),

  /** 86: Command 86. */
  ABSPOINTER_RESTRICT(86, Kind.ACTIVE),

  /** 87: Retired: commented out in the host's header, no longer answered. */
  GUEST_INTEGRITY(87, Kind.RETIRED),

  /** 88: Development builds of the host only. */
  MKSTEST(88, Kind.ACTIVE),

  /** 89: Command 89. */
  SECUREBOOT(89, Kind.ACTIVE),

  /** 90: Development builds of the host only. */
  COPY_PHYSMEM(90, Kind.ACTIVE),

  /** 91: Kernel only (CPL0): the host ignores it from user mode. */
  STEALCLOCK(91, Kind.KERNEL_ONLY),

  /** 92: Kernel only (CPL0): the host ignores it from user mode. */
  GUEST_PAGE_HINTS(92, Kind.KERNEL_ONLY),

  /** 93: Kernel only (CPL0): the host ignores it from user mode. */
  FIRMWARE_UPDATE(93, Kind.KERNEL_ONLY),

  /** 94: Development builds of the host only. */
  FUZZER_HELPER(94, Kind.ACTIVE),

  /** 95: Command 95. */
  PUTCHR12(95, Kind.ACTIVE),

  /** 96: Retired: commented out in the host's header, no longer answered. */
  GMM(96, Kind.RETIRED),

  /** 97: Precision clock; sub-commands 0 to 3 are GETTIME, SETTIME, ADJTIME and ADJFREQ. */
  PRECISIONCLOCK(97, Kind.ACTIVE),

  /** 98: Retired: commented out in the host's header, no longer answered. */
  COREDUMP_UNSYNC(98, Kind.RETIRED),

  /** 99: Command 99. */
  APPLE_GPU_RES_SET(99, Kind.ACTIVE),

  /** 100: The host build number, in eax. */
  GETBUILDNUM(100, Kind.ACTIVE),

  /** 101: Off by default on the host. */
  GETENTROPY(101, Kind.ACTIVE),

  /** 102: Command 102. */
  REPORTGUESTCRASH(102, Kind.ACTIVE),

  /** 103: Kernel only (CPL0): the host ignores it from user mode. */
  PK_UPDATE(103, Kind.KERNEL_ONLY),

  /** 104: Command 104. */
  GET_FWTRCLOG_MASK(104, Kind.ACTIVE);

  private enum Kind {
    ACTIVE,
    RETIRED,
    DEPRECATED,
    KERNEL_ONLY
  }

  /** The last number plus one (the header's BDOOR_CMD_MAX). */
  private static final int MAX = 105;

  private static final BackdoorCommand[] BY_NUMBER = new BackdoorCommand[MAX];

  static {
    for (BackdoorCommand c : values()) {
      if (BY_NUMBER[c.number] != null) {
        throw new AssertionError("two commands numbered " + c.number);
      }
      BY_NUMBER[c.number] = c;
    }
  }

  private final int number;
  private final Kind kind;

  BackdoorCommand(int number, Kind kind) {
    this.number = number;
    this.kind = kind;
  }

  /**
   * The command with this number, or empty when the protocol defines none (0, negative, or beyond
   * the last command).
   */
  public static Optional<BackdoorCommand> of(int number) {
    if (number <= 0 || number >= MAX) {
      return Optional.empty();
    }
    return Optional.ofNullable(BY_NUMBER[number]);
  }

  /** The command number, the low word of ecx. */
  public int number() {
    return number;
  }

  /** The protocol's name for the command, e.g. {@code GETVERSION}; the same as {@link #name()}. */
  public String protocolName() {
    return name();
  }

  /** Whether the number is retired: commented out in the host's header and no longer answered. */
  public boolean retired() {
    return kind == Kind.RETIRED;
  }

  /**
   * Whether the host marks the command deprecated in favour of a newer one (GETTIME,
   * SENDPSHAREHINTS).
   */
  public boolean deprecated() {
    return kind == Kind.DEPRECATED;
  }

  /** Whether the host answers the command only from kernel mode (CPL0). */
  public boolean kernelOnly() {
    return kind == Kind.KERNEL_ONLY;
  }

  /** ecx for this command without a sub-command: the number in the low word, zero in the high. */
  public int ecx() {
    return number;
  }

  /** ecx for this command with a sub-command in the high word. */
  public int ecx(int subCommand) {
    return Registers.words(subCommand, number);
  }

  /**
   * The registers of a call of this command with {@code ebx} as its argument and no sub-command.
   */
  public Registers registers(int ebx) {
    return registers(0, ebx);
  }

  /**
   * The registers of a call of this command with a sub-command in ecx's high word and {@code ebx}.
   */
  public Registers registers(int subCommand, int ebx) {
    return Registers.builder()
        .eax(BackdoorProtocol.MAGIC)
        .ebx(ebx)
        .ecx(ecx(subCommand))
        .edx(BackdoorProtocol.COMMAND_PORT)
        .build();
  }

  @Override
  public String toString() {
    return name() + "(" + number + ")";
  }
}
