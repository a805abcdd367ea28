package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.Registers;
import java.time.Duration;

/**
 * Which vmt(4) version family the legacy and proposed-patch machines imitate, and how every machine
 * prints registers in its log lines. Everything that differs between the families is a property of
 * the constant: the buffer, the register format, the words of the command handlers and the
 * rescheduling of the TCLO tick.
 *
 * <ul>
 *   <li>{@link #NETBSD} (NetBSD 10 and later, {@code sys/dev/vmt/vmt_subr.c} 1.3.16.1): registers
 *       as {@code %#x}, so {@code 0x100000} and a bare {@code 0} for zero; a 256-byte message
 *       buffer; a command table that prints {@code unknown command}; the tick's {@code delay}
 *       variable (1 s, 0 after a handled message, 1 s again while the error flag is set).
 *   <li>{@link #NETBSD_6_9} (NetBSD 6 to 9, {@code sys/arch/x86/x86/vmt.c} 1.7.12.2 and 1.7.12.3):
 *       registers as {@code %08x}; a 256-byte buffer; an inline {@code strcmp} chain that answers
 *       an unknown command without printing it; the tick rescheduled after {@code tclo_ping ? hz :
 *       1}, so one clock tick after a handled message, failures included.
 *   <li>{@link #OPENBSD} (OpenBSD {@code sys/dev/pv/vmt.c} 1.32, 2024/05/24, with VMT_DEBUG so the
 *       lines exist at all): registers as {@code %08x}, so {@code 00100000}; a 4096-byte buffer;
 *       {@code ping} only replies; the reset handler sets the error flag again after closing; the
 *       {@code delay} variable as NetBSD 10; the power lines are pvbus's ({@code ... from vmt0
 *       host}); NIC info ({@code SetGuestInfo 10} with XDR data) after every guest-info update;
 *       {@code vmbackup.*} handled; {@code Capabilities_Register} clears the cached guest info.
 *   <li>{@link #OPENBSD_1_8} (OpenBSD {@code sys/dev/pv/vmt.c} 1.8, 2016/01/27, the first years in
 *       {@code dev/pv}, VMT_DEBUG): a 1024-byte buffer; {@code ping} refreshes the guest info;
 *       {@code ... request from VMware host} printed by vmt itself; no NIC info, no backup
 *       commands; the command table prints {@code unknown command}; the {@code delay} variable.
 *   <li>{@link #OPENBSD_1_17} (OpenBSD {@code sys/dev/vmt.c} 1.17, 2014/03/29, attached at {@code
 *       mainbus0}, every message a plain {@code printf}; modelled from 1.20, 2014/12/05, the
 *       nearest revision whose text was at hand, so where 1.18 to 1.20 changed the TCLO code this
 *       family follows 1.20): a 256-byte buffer; an inline {@code strcmp} chain that answers an
 *       unknown command without printing it; no {@code delay}: the tick is rescheduled one second
 *       later after every tick, a handled message included.
 * </ul>
 *
 * <p>In every OpenBSD family vmt_tick (host name, OS names, uptime; NIC info in 1.32) runs on a
 * timer of its own, every 15 s from the mountroot hook, apart from the TCLO tick; a failed HGFS
 * capability at attach prints {@code : failed to set HGFS server capability} without the device
 * name; the guest-info lines have no newline, so the next console line runs into them.
 *
 * <p>In every family a failed reopen waits 15 s before the next tick.
 */
public enum VmtFlavor {
  NETBSD(256, RegisterFormat.ALTERNATE_HEX, new Dialect.NetBsd(true), new Rescheduling.Delay()),
  NETBSD_6_9(
      256,
      RegisterFormat.ZERO_PADDED,
      new Dialect.NetBsd(false),
      new Rescheduling.PingOrClockTick()),
  OPENBSD(
      4096,
      RegisterFormat.ZERO_PADDED,
      new Dialect.OpenBsd(OpenBsdRevision.PV_1_32),
      new Rescheduling.Delay()),
  OPENBSD_1_8(
      1024,
      RegisterFormat.ZERO_PADDED,
      new Dialect.OpenBsd(OpenBsdRevision.PV_1_8),
      new Rescheduling.Delay()),
  OPENBSD_1_17(
      256,
      RegisterFormat.ZERO_PADDED,
      new Dialect.OpenBsd(OpenBsdRevision.DEV_1_17),
      new Rescheduling.EverySecond());

  /**
   * One clock tick at NetBSD's default {@code hz} of 100 on x86: what {@code callout_schedule(...,
   * 1)} waits.
   */
  static final Duration CLOCK_TICK = Duration.ofMillis(10);

  /** {@code callout_schedule(..., hz)}: the tick's usual period, and its delay after an error. */
  static final Duration ONE_SECOND = Duration.ofSeconds(1);

  private final int bufferLength;
  private final RegisterFormat registerFormat;
  private final Dialect dialect;
  private final Rescheduling rescheduling;

  VmtFlavor(
      int bufferLength, RegisterFormat registerFormat, Dialect dialect, Rescheduling rescheduling) {
    this.bufferLength = bufferLength;
    this.registerFormat = registerFormat;
    this.dialect = dialect;
    this.rescheduling = rescheduling;
  }

  /** The driver's message buffer (VMT_RPC_BUFLEN): longer messages are cut to one byte less. */
  public int bufferLength() {
    return bufferLength;
  }

  /** One register value as this flavor prints it. */
  public String register(int value) {
    return registerFormat.format(value);
  }

  Dialect dialect() {
    return dialect;
  }

  /**
   * Whether vmt_tick (guest info, uptime) runs on a 15 s timer of its own from attach (every
   * OpenBSD family) rather than at the start of the first TCLO tick due after it.
   */
  public boolean guestInfoOnOwnTimer() {
    return dialect.guestInfoOnOwnTimer();
  }

  /**
   * When the TCLO tick runs next, after a tick that got past the reopen.
   *
   * @param handled whether the tick received and handled a message
   * @param rpcError the sticky error flag at the end of the tick
   * @param tcloPing whether the next tick pings first
   */
  Duration nextTick(boolean handled, boolean rpcError, boolean tcloPing) {
    return rescheduling.next(handled, rpcError, tcloPing);
  }

  /** How a family prints a 32-bit register. */
  private enum RegisterFormat {
    /** {@code %#x}: {@code 0x} before non-zero values, a bare {@code 0}. */
    ALTERNATE_HEX {
      @Override
      String format(int value) {
        return value == 0 ? "0" : "0x" + Integer.toHexString(value);
      }
    },
    /** {@code %08x}: eight digits, no prefix. */
    ZERO_PADDED {
      @Override
      String format(int value) {
        return Registers.hex(value);
      }
    };

    abstract String format(int value);
  }

  /** How a family's tick picks the time of the next one. */
  private sealed interface Rescheduling {

    Duration next(boolean handled, boolean rpcError, boolean tcloPing);

    /**
     * The {@code delay} variable (NetBSD vmt_subr.c 1.3.16.1, OpenBSD vmt.c 1.23 and 1.32): one
     * second, none after a handled message (the host may have queued more), one second again when
     * the error flag is set at the end.
     */
    record Delay() implements Rescheduling {
      @Override
      public Duration next(boolean handled, boolean rpcError, boolean tcloPing) {
        return handled && !rpcError ? Duration.ZERO : ONE_SECOND;
      }
    }

    /**
     * {@code timeout_add_sec(..., 1)} at the end of every tick (OpenBSD vmt.c 1.17 to 1.20): no
     * {@code delay} variable, so one second after a handled message too, and a channel that dies
     * right after one is polled (and fails) once a second.
     */
    record EverySecond() implements Rescheduling {
      @Override
      public Duration next(boolean handled, boolean rpcError, boolean tcloPing) {
        return ONE_SECOND;
      }
    }

    /**
     * {@code callout_schedule(&sc->sc_tclo_tick, sc->sc_tclo_ping ? hz : 1)} (NetBSD vmt.c
     * 1.7.12.2, 1.7.12.3): one second while polling an empty channel, one clock tick while {@code
     * tclo_ping} is 0, that is after a handled message, and also after every failure that follows
     * one without a ping in between.
     */
    record PingOrClockTick() implements Rescheduling {
      @Override
      public Duration next(boolean handled, boolean rpcError, boolean tcloPing) {
        return tcloPing ? ONE_SECOND : CLOCK_TICK;
      }
    }
  }

  /** The OpenBSD revisions the OpenBSD families were read from. */
  enum OpenBsdRevision {
    /** {@code sys/dev/vmt.c} 1.17: printf everywhere, strcmp chain, no delay. */
    DEV_1_17,
    /** {@code sys/dev/pv/vmt.c} 1.8: DPRINTF, the command table, the delay variable. */
    PV_1_8,
    /** {@code sys/dev/pv/vmt.c} 1.32: pvbus power lines, NIC info, vmbackup, cleared guest info. */
    PV_1_32
  }

  /** What a family's command handlers print and do where the families differ. */
  sealed interface Dialect {

    /** Whether the {@code ping} handler refreshes the guest info before replying. */
    boolean pingUpdatesGuestInfo();

    /** The line of {@code OS_Resume}. */
    void resuming(DriverConsole log);

    /** The line after the reply to {@code OS_Halt} or {@code OS_Reboot}. */
    void poweringOff(DriverConsole log, String deviceName, boolean halt);

    /** The line for a command the driver does not know, if any. */
    void unknownCommand(DriverConsole log, String message);

    /** The line when the HGFS capability RPCI at attach failed (the driver then gives up). */
    void hgfsCapabilityFailed(DriverConsole log);

    /**
     * A guest-info failure line ({@code unable to set hostname}, {@code ... guest uptime}, ...):
     * NetBSD ends it, OpenBSD prints it without a newline, so the next line runs into it.
     */
    void guestInfoFailed(DriverConsole log, VmtMessage text);

    /**
     * Whether vmt_tick (guest info, uptime) runs on a 15 s timer of its own, started at attach by
     * the mountroot hook (OpenBSD); otherwise it runs at the start of the first TCLO tick that
     * falls due after its 15 s.
     */
    boolean guestInfoOnOwnTimer();

    /** Whether every guest-info update also sends the NIC info ({@code SetGuestInfo 10}). */
    boolean sendsNicInfo();

    /** Whether {@code Capabilities_Register} clears the cached guest info (and NIC info). */
    boolean capabilitiesClearGuestInfo();

    /**
     * Whether {@code vmbackup.start 1}, {@code vmbackup.abort}, {@code vmbackup.snapshotDone} are
     * known.
     */
    boolean handlesBackup();

    /**
     * NetBSD: {@code device_printf} lines; {@code unknownCommandLine} whether an unknown command is
     * printed (the command table of vmt_subr.c) or only answered (vmt.c's {@code strcmp} chain).
     */
    record NetBsd(boolean unknownCommandLine) implements Dialect {
      @Override
      public boolean pingUpdatesGuestInfo() {
        return true;
      }

      @Override
      public void resuming(DriverConsole log) {
        log.device(VmtMessage.GUEST_RESUMING);
      }

      @Override
      public void poweringOff(DriverConsole log, String deviceName, boolean halt) {
        log.device(halt ? VmtMessage.HOST_SHUTDOWN : VmtMessage.HOST_REBOOT);
      }

      @Override
      public void unknownCommand(DriverConsole log, String message) {
        if (unknownCommandLine) {
          log.device(VmtMessage.UNKNOWN_COMMAND, ": \"" + message + "\"");
        }
      }

      @Override
      public void hgfsCapabilityFailed(DriverConsole log) {
        log.device(VmtMessage.ATTACH_HGFS_FAILED);
      }

      @Override
      public void guestInfoFailed(DriverConsole log, VmtMessage text) {
        log.device(text);
      }

      @Override
      public boolean guestInfoOnOwnTimer() {
        return false;
      }

      @Override
      public boolean sendsNicInfo() {
        return false;
      }

      @Override
      public boolean capabilitiesClearGuestInfo() {
        return false;
      }

      @Override
      public boolean handlesBackup() {
        return false;
      }
    }

    /**
     * OpenBSD, by revision: {@code log()} lines for suspend, resume and (before pvbus) power
     * operations; the HGFS failure printed after the attach line's {@code ": "}; guest-info lines
     * without a newline.
     */
    record OpenBsd(OpenBsdRevision revision) implements Dialect {
      @Override
      public boolean pingUpdatesGuestInfo() {
        // 1.32's vmt_tclo_ping only replies; 1.17 and 1.8 call vmt_update_guest_info first.
        return revision != OpenBsdRevision.PV_1_32;
      }

      @Override
      public void resuming(DriverConsole log) {
        log.plain(VmtMessage.RESUMING_FROM_SUSPEND);
      }

      @Override
      public void poweringOff(DriverConsole log, String deviceName, boolean halt) {
        // 1.32 calls pvbus_shutdown/pvbus_reboot, which name the device; before, vmt's own log().
        String who = revision == OpenBsdRevision.PV_1_32 ? deviceName : "VMware";
        log.plain(
            (halt ? VmtMessage.SHUTTING_DOWN_ON_REQUEST : VmtMessage.REBOOTING_ON_REQUEST).words()
                + " "
                + who
                + " host");
      }

      @Override
      public void unknownCommand(DriverConsole log, String message) {
        if (revision != OpenBsdRevision.DEV_1_17) {
          log.device(VmtMessage.UNKNOWN_COMMAND, ": \"" + message + "\"");
        }
      }

      @Override
      public void hgfsCapabilityFailed(DriverConsole log) {
        log.plain(": " + VmtMessage.ATTACH_HGFS_FAILED.words());
      }

      @Override
      public void guestInfoFailed(DriverConsole log, VmtMessage text) {
        log.deviceWithoutNewline(text);
      }

      @Override
      public boolean guestInfoOnOwnTimer() {
        return true;
      }

      @Override
      public boolean sendsNicInfo() {
        return revision == OpenBsdRevision.PV_1_32;
      }

      @Override
      public boolean capabilitiesClearGuestInfo() {
        return revision == OpenBsdRevision.PV_1_32;
      }

      @Override
      public boolean handlesBackup() {
        return revision == OpenBsdRevision.PV_1_32;
      }
    }
  }
}
