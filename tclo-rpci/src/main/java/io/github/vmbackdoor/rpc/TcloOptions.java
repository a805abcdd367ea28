package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.MessageChannel;
import java.time.Duration;
import java.util.Objects;
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

  private static final TcloOptions DEFAULTS =
      new TcloOptions(
          "vmt0",
          VmtFlavor.NETBSD,
          "toolbox",
          Duration.ofSeconds(1),
          false,
          Duration.ofSeconds(1),
          Duration.ofSeconds(15),
          60,
          Duration.ofSeconds(60),
          MessageChannel.Options.defaults(),
          "vmbackdoor",
          "NetBSD 10.0 amd64",
          "other-64",
          () -> Duration.ZERO,
          null,
          Duration.ofSeconds(15));

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

  private TcloOptions(
      String deviceName,
      VmtFlavor flavor,
      String appName,
      Duration idleDelay,
      boolean idleBackoff,
      Duration restartDelay,
      Duration openFailureDelay,
      int restartCap,
      Duration givingUpDelay,
      MessageChannel.Options channelOptions,
      String hostname,
      String osNameFull,
      String osName,
      Supplier<Duration> uptime,
      String guestIp,
      Duration guestInfoInterval) {
    this.deviceName = deviceName;
    this.flavor = flavor;
    this.appName = appName;
    this.idleDelay = idleDelay;
    this.idleBackoff = idleBackoff;
    this.restartDelay = restartDelay;
    this.openFailureDelay = openFailureDelay;
    this.restartCap = restartCap;
    this.givingUpDelay = givingUpDelay;
    this.channelOptions = channelOptions;
    this.hostname = hostname;
    this.osNameFull = osNameFull;
    this.osName = osName;
    this.uptime = uptime;
    this.guestIp = guestIp;
    this.guestInfoInterval = guestInfoInterval;
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

  /** Fixed machine: the options its TCLO channel is opened with. */
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

  /** These options with another device name in the log lines. */
  public TcloOptions withDeviceName(String value) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException("empty device name");
    }
    return new TcloOptions(
        value,
        flavor,
        appName,
        idleDelay,
        idleBackoff,
        restartDelay,
        openFailureDelay,
        restartCap,
        givingUpDelay,
        channelOptions,
        hostname,
        osNameFull,
        osName,
        uptime,
        guestIp,
        guestInfoInterval);
  }

  /** These options imitating another vmt (and printing registers its way). */
  public TcloOptions withFlavor(VmtFlavor value) {
    return new TcloOptions(
        deviceName,
        Objects.requireNonNull(value),
        appName,
        idleDelay,
        idleBackoff,
        restartDelay,
        openFailureDelay,
        restartCap,
        givingUpDelay,
        channelOptions,
        hostname,
        osNameFull,
        osName,
        uptime,
        guestIp,
        guestInfoInterval);
  }

  /** These options with another application name (no spaces). */
  public TcloOptions withAppName(String value) {
    if (value.isEmpty() || value.indexOf(' ') >= 0) {
      throw new IllegalArgumentException("bad app name: " + value);
    }
    return new TcloOptions(
        deviceName,
        flavor,
        value,
        idleDelay,
        idleBackoff,
        restartDelay,
        openFailureDelay,
        restartCap,
        givingUpDelay,
        channelOptions,
        hostname,
        osNameFull,
        osName,
        uptime,
        guestIp,
        guestInfoInterval);
  }

  /** These options with another idle delay for the fixed machine. */
  public TcloOptions withIdleDelay(Duration value) {
    return new TcloOptions(
        deviceName,
        flavor,
        appName,
        checkDelay(value),
        idleBackoff,
        restartDelay,
        openFailureDelay,
        restartCap,
        givingUpDelay,
        channelOptions,
        hostname,
        osNameFull,
        osName,
        uptime,
        guestIp,
        guestInfoInterval);
  }

  /** These options with open-vm-tools' idle back-off on or off for the fixed machine. */
  public TcloOptions withIdleBackoff(boolean value) {
    return new TcloOptions(
        deviceName,
        flavor,
        appName,
        idleDelay,
        value,
        restartDelay,
        openFailureDelay,
        restartCap,
        givingUpDelay,
        channelOptions,
        hostname,
        osNameFull,
        osName,
        uptime,
        guestIp,
        guestInfoInterval);
  }

  /** These options with another delay between a failure and the reopen (fixed machine). */
  public TcloOptions withRestartDelay(Duration value) {
    return new TcloOptions(
        deviceName,
        flavor,
        appName,
        idleDelay,
        idleBackoff,
        checkDelay(value),
        openFailureDelay,
        restartCap,
        givingUpDelay,
        channelOptions,
        hostname,
        osNameFull,
        osName,
        uptime,
        guestIp,
        guestInfoInterval);
  }

  /** These options with another delay after a failed open (fixed machine). */
  public TcloOptions withOpenFailureDelay(Duration value) {
    return new TcloOptions(
        deviceName,
        flavor,
        appName,
        idleDelay,
        idleBackoff,
        restartDelay,
        checkDelay(value),
        restartCap,
        givingUpDelay,
        channelOptions,
        hostname,
        osNameFull,
        osName,
        uptime,
        guestIp,
        guestInfoInterval);
  }

  /** These options with another restart cap (fixed machine). */
  public TcloOptions withRestartCap(int value) {
    if (value < 0) {
      throw new IllegalArgumentException("restart cap must be >= 0: " + value);
    }
    return new TcloOptions(
        deviceName,
        flavor,
        appName,
        idleDelay,
        idleBackoff,
        restartDelay,
        openFailureDelay,
        value,
        givingUpDelay,
        channelOptions,
        hostname,
        osNameFull,
        osName,
        uptime,
        guestIp,
        guestInfoInterval);
  }

  /** These options with another delay once the restart cap is reached (fixed machine). */
  public TcloOptions withGivingUpDelay(Duration value) {
    return new TcloOptions(
        deviceName,
        flavor,
        appName,
        idleDelay,
        idleBackoff,
        restartDelay,
        openFailureDelay,
        restartCap,
        checkDelay(value),
        channelOptions,
        hostname,
        osNameFull,
        osName,
        uptime,
        guestIp,
        guestInfoInterval);
  }

  /** These options with other options for the fixed machine's TCLO channel. */
  public TcloOptions withChannelOptions(MessageChannel.Options value) {
    return new TcloOptions(
        deviceName,
        flavor,
        appName,
        idleDelay,
        idleBackoff,
        restartDelay,
        openFailureDelay,
        restartCap,
        givingUpDelay,
        Objects.requireNonNull(value),
        hostname,
        osNameFull,
        osName,
        uptime,
        guestIp,
        guestInfoInterval);
  }

  /** These options with another host name and OS names reported over RPCI. */
  public TcloOptions withGuestIdentity(String hostname, String osNameFull, String osName) {
    return new TcloOptions(
        deviceName,
        flavor,
        appName,
        idleDelay,
        idleBackoff,
        restartDelay,
        openFailureDelay,
        restartCap,
        givingUpDelay,
        channelOptions,
        Objects.requireNonNull(hostname),
        Objects.requireNonNull(osNameFull),
        Objects.requireNonNull(osName),
        uptime,
        guestIp,
        guestInfoInterval);
  }

  /** These options with another uptime source (a simulation's elapsed time, say). */
  public TcloOptions withUptime(Supplier<Duration> value) {
    return new TcloOptions(
        deviceName,
        flavor,
        appName,
        idleDelay,
        idleBackoff,
        restartDelay,
        openFailureDelay,
        restartCap,
        givingUpDelay,
        channelOptions,
        hostname,
        osNameFull,
        osName,
        Objects.requireNonNull(value),
        guestIp,
        guestInfoInterval);
  }

  /** The guest IPv4 address, or {@code null} for a guest without one. */
  public TcloOptions withGuestIp(String value) {
    return new TcloOptions(
        deviceName,
        flavor,
        appName,
        idleDelay,
        idleBackoff,
        restartDelay,
        openFailureDelay,
        restartCap,
        givingUpDelay,
        channelOptions,
        hostname,
        osNameFull,
        osName,
        uptime,
        value,
        guestInfoInterval);
  }

  /**
   * vmt machines: how often vmt's own periodic tick ({@code vmt_tick}) reports the guest info and
   * uptime over RPCI (15 s); {@link Duration#ZERO} leaves it out. The machines have no clock: they
   * count the delays their ticks return.
   */
  public Duration guestInfoInterval() {
    return guestInfoInterval;
  }

  /** vmt's periodic guest-info interval; zero turns the periodic RPCIs off. */
  public TcloOptions withGuestInfoInterval(Duration value) {
    return new TcloOptions(
        deviceName,
        flavor,
        appName,
        idleDelay,
        idleBackoff,
        restartDelay,
        openFailureDelay,
        restartCap,
        givingUpDelay,
        channelOptions,
        hostname,
        osNameFull,
        osName,
        uptime,
        guestIp,
        checkDelay(value));
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
