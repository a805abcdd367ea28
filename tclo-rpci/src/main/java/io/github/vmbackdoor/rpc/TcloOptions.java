package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.MessageChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Settings shared by the TCLO state machines and {@link ToolsService}. An immutable value; start
 * from {@link #defaults()} and change what a test or an agent needs with the {@code with} methods.
 *
 * <p>Delays (fixed machine): {@link #idleDelay()} after a poll that brought nothing (1 s, or
 * open-vm-tools' back-off of 10, 20, 40, 80, 100 ms when {@link #idleBackoff()} is on), {@link
 * #restartDelay()} after a failure (1 s), {@link #openFailureDelay()} after a failed open (15 s),
 * and {@link #givingUpDelay()} once {@link #restartCap()} consecutive restarts have failed. The vmt
 * machines use vmt's own fixed delays (1 s, 15 s, 0) and ignore these.
 *
 * <p>The guest identity ({@link #hostname()}, {@link #osNameFull()}, {@link #osName()}, {@link
 * #uptime()}) is what the machines report over RPCI ({@code SetGuestInfo}). The uptime supplier is
 * the only clock the machines see; tests in virtual time pass the simulation's.
 */
public final class TcloOptions {

  private static final TcloOptions DEFAULTS = defaultOptions();

  private final String deviceName;
  private final VmtFlavor flavor;
  private final String appName;
  private final Duration idleDelay;
  private final boolean idleBackoff;
  private final Duration restartDelay;
  private final Duration openFailureDelay;
  private final int restartCap;
  private final Duration givingUpDelay;
  private final MessageChannel.Options channelOptions;
  private final String hostname;
  private final String osNameFull;
  private final String osName;
  private final Supplier<Duration> uptime;
  private final String guestIp;
  private final Duration guestInfoInterval;

  private TcloOptions(Fields f) {
    this.deviceName = f.deviceName;
    this.flavor = f.flavor;
    this.appName = f.appName;
    this.idleDelay = f.idleDelay;
    this.idleBackoff = f.idleBackoff;
    this.restartDelay = f.restartDelay;
    this.openFailureDelay = f.openFailureDelay;
    this.restartCap = f.restartCap;
    this.givingUpDelay = f.givingUpDelay;
    this.channelOptions = f.channelOptions;
    this.hostname = f.hostname;
    this.osNameFull = f.osNameFull;
    this.osName = f.osName;
    this.uptime = f.uptime;
    this.guestIp = f.guestIp;
    this.guestInfoInterval = f.guestInfoInterval;
  }

  private static TcloOptions defaultOptions() {
    Fields f = new Fields();
    f.deviceName = "vmt0";
    f.flavor = VmtFlavor.NETBSD;
    f.appName = "toolbox";
    f.idleDelay = Duration.ofSeconds(1);
    f.idleBackoff = false;
    f.restartDelay = Duration.ofSeconds(1);
    f.openFailureDelay = Duration.ofSeconds(15);
    f.restartCap = 60;
    f.givingUpDelay = Duration.ofSeconds(60);
    // The fixed machine's failures are its control flow: logged in vmt's words, never thrown on.
    f.channelOptions = MessageChannel.Options.defaults().withStackTraces(false);
    f.hostname = "vmbackdoor";
    f.osNameFull = "NetBSD 10.0 amd64";
    f.osName = "other-64";
    f.uptime = () -> Duration.ZERO;
    f.guestIp = null;
    f.guestInfoInterval = Duration.ofSeconds(15);
    return new TcloOptions(f);
  }

  /**
   * Device {@code vmt0}, NetBSD flavor, app name {@code toolbox}, idle delay 1 s without back-off,
   * restart delay 1 s, open-failure delay 15 s, restart cap 60 (open-vm-tools' RPCIN_MAX_RESTARTS),
   * giving-up delay 60 s, default channel options, hostname {@code vmbackdoor}, uptime always zero,
   * no guest IP address, vmt's guest-info tick every 15 s.
   */
  public static TcloOptions defaults() {
    return DEFAULTS;
  }

  /** The device name that starts vmt's log lines, e.g. {@code vmt0}. */
  public String deviceName() {
    return deviceName;
  }

  /** Which vmt the vmt machines imitate, and the register format of every machine's log lines. */
  public VmtFlavor flavor() {
    return flavor;
  }

  /** The application name in the reset reply {@code OK ATR <appName>} and the unified loop RPCI. */
  public String appName() {
    return appName;
  }

  /** Fixed machine: delay after a poll that brought no command (when back-off is off). */
  public Duration idleDelay() {
    return idleDelay;
  }

  /** Fixed machine: whether idle polls back off like open-vm-tools (10 ms doubling to 100 ms). */
  public boolean idleBackoff() {
    return idleBackoff;
  }

  /** Fixed machine: delay between a failure (after the close) and the reopen. */
  public Duration restartDelay() {
    return restartDelay;
  }

  /** Fixed machine: delay after a failed open. */
  public Duration openFailureDelay() {
    return openFailureDelay;
  }

  /** Fixed machine: consecutive restarts after which its health is {@link TcloHealth#GIVING_UP}. */
  public int restartCap() {
    return restartCap;
  }

  /** Fixed machine: the delay between attempts once the restart cap is reached. */
  public Duration givingUpDelay() {
    return givingUpDelay;
  }

  /**
   * Fixed machine: the options its TCLO channel is opened with; by default {@link
   * MessageChannel.Options#defaults()} without stack traces, as the machine logs a failure in vmt's
   * words and reopens, and no failure of that channel leaves it.
   */
  public MessageChannel.Options channelOptions() {
    return channelOptions;
  }

  /** The guest's host name ({@code SetGuestInfo 1}). */
  public String hostname() {
    return hostname;
  }

  /** The full OS name ({@code SetGuestInfo 5}). */
  public String osNameFull() {
    return osNameFull;
  }

  /** The short OS name ({@code SetGuestInfo 6}). */
  public String osName() {
    return osName;
  }

  /** The guest's uptime, reported as {@code SetGuestInfo 7 <seconds>00}. */
  public Supplier<Duration> uptime() {
    return uptime;
  }

  /** The guest's IPv4 address for {@code Set_Option broadcastIP 1}, or {@code null} for none. */
  public String guestIp() {
    return guestIp;
  }

  /**
   * vmt machines: how often vmt's own periodic tick ({@code vmt_tick}) reports the guest info and
   * uptime over RPCI (15 s); {@link Duration#ZERO} leaves it out. The machines have no clock: they
   * count the delays their ticks return.
   */
  public Duration guestInfoInterval() {
    return guestInfoInterval;
  }

  /** These options with another device name in the log lines. */
  public TcloOptions withDeviceName(String value) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException("empty device name");
    }
    return with(f -> f.deviceName = value);
  }

  /** These options imitating another vmt (and printing registers its way). */
  public TcloOptions withFlavor(VmtFlavor value) {
    Objects.requireNonNull(value);
    return with(f -> f.flavor = value);
  }

  /** These options with another application name (no spaces). */
  public TcloOptions withAppName(String value) {
    if (value.isEmpty() || value.indexOf(' ') >= 0) {
      throw new IllegalArgumentException("bad app name: " + value);
    }
    return with(f -> f.appName = value);
  }

  /** These options with another idle delay for the fixed machine. */
  public TcloOptions withIdleDelay(Duration value) {
    checkDelay(value);
    return with(f -> f.idleDelay = value);
  }

  /** These options with open-vm-tools' idle back-off on or off for the fixed machine. */
  public TcloOptions withIdleBackoff(boolean value) {
    return with(f -> f.idleBackoff = value);
  }

  /** These options with another delay between a failure and the reopen (fixed machine). */
  public TcloOptions withRestartDelay(Duration value) {
    checkDelay(value);
    return with(f -> f.restartDelay = value);
  }

  /** These options with another delay after a failed open (fixed machine). */
  public TcloOptions withOpenFailureDelay(Duration value) {
    checkDelay(value);
    return with(f -> f.openFailureDelay = value);
  }

  /** These options with another restart cap (fixed machine). */
  public TcloOptions withRestartCap(int value) {
    if (value < 0) {
      throw new IllegalArgumentException("restart cap must be >= 0: " + value);
    }
    return with(f -> f.restartCap = value);
  }

  /** These options with another delay once the restart cap is reached (fixed machine). */
  public TcloOptions withGivingUpDelay(Duration value) {
    checkDelay(value);
    return with(f -> f.givingUpDelay = value);
  }

  /** These options with other options for the fixed machine's TCLO channel. */
  public TcloOptions withChannelOptions(MessageChannel.Options value) {
    Objects.requireNonNull(value);
    return with(f -> f.channelOptions = value);
  }

  /** These options with another host name and OS names reported over RPCI. */
  public TcloOptions withGuestIdentity(String hostname, String osNameFull, String osName) {
    Objects.requireNonNull(hostname);
    Objects.requireNonNull(osNameFull);
    Objects.requireNonNull(osName);
    return with(
        f -> {
          f.hostname = hostname;
          f.osNameFull = osNameFull;
          f.osName = osName;
        });
  }

  /** These options with another uptime source (a simulation's elapsed time, say). */
  public TcloOptions withUptime(Supplier<Duration> value) {
    Objects.requireNonNull(value);
    return with(f -> f.uptime = value);
  }

  /** The guest IPv4 address, or {@code null} for a guest without one. */
  public TcloOptions withGuestIp(String value) {
    return with(f -> f.guestIp = value);
  }

  /** vmt's periodic guest-info interval; zero turns the periodic RPCIs off. */
  public TcloOptions withGuestInfoInterval(Duration value) {
    checkDelay(value);
    return with(f -> f.guestInfoInterval = value);
  }

  /** The reset reply, {@code OK ATR <appName>}. */
  String resetReply() {
    return "OK ATR " + appName;
  }

  /** Uptime in hundredths of a second as vmt prints it: whole seconds followed by "00". */
  String uptimeHundredths() {
    return uptime.get().getSeconds() + "00";
  }

  private static Duration checkDelay(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("negative delay: " + d);
    }
    return d;
  }

  /**
   * These options with one or more fields changed: the one way every {@code with} method copies.
   */
  private TcloOptions with(Consumer<Fields> change) {
    Fields copy = new Fields(this);
    change.accept(copy);
    return new TcloOptions(copy);
  }

  /** The fields of a {@link TcloOptions} while a copy is being changed. */
  private static final class Fields {
    String deviceName;
    VmtFlavor flavor;
    String appName;
    Duration idleDelay;
    boolean idleBackoff;
    Duration restartDelay;
    Duration openFailureDelay;
    int restartCap;
    Duration givingUpDelay;
    MessageChannel.Options channelOptions;
    String hostname;
    String osNameFull;
    String osName;
    Supplier<Duration> uptime;
    String guestIp;
    Duration guestInfoInterval;

    Fields() {}

    Fields(TcloOptions o) {
      deviceName = o.deviceName;
      flavor = o.flavor;
      appName = o.appName;
      idleDelay = o.idleDelay;
      idleBackoff = o.idleBackoff;
      restartDelay = o.restartDelay;
      openFailureDelay = o.openFailureDelay;
      restartCap = o.restartCap;
      givingUpDelay = o.givingUpDelay;
      channelOptions = o.channelOptions;
      hostname = o.hostname;
      osNameFull = o.osNameFull;
      osName = o.osName;
      uptime = o.uptime;
      guestIp = o.guestIp;
      guestInfoInterval = o.guestInfoInterval;
    }
  }

  @Override
  public String toString() {
    return "TcloOptions{"
        + deviceName
        + ", "
        + flavor
        + ", app="
        + appName
        + ", idle="
        + idleDelay
        + (idleBackoff ? " (back-off)" : "")
        + ", restart="
        + restartDelay
        + ", openFailure="
        + openFailureDelay
        + ", cap="
        + restartCap
        + ", givingUp="
        + givingUpDelay
        + "}";
  }
}
