package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What vmt(4)'s legacy code and the proposed patch share: the driver state (TCLO channel, the
 * sticky {@code rpc_error} flag, {@code tclo_ping}), vmt's RPCI transaction, the poll steps from
 * the ping to the dispatch, and the command table with vmt's replies and log lines. The two
 * subclasses differ in attach, the start and end of the tick, the reset handler and shutdown.
 */
abstract class VmtTcloMachine implements TcloStateMachine {

  static final Duration ONE_SECOND = Duration.ofSeconds(1);
  static final Duration REOPEN_DELAY = Duration.ofSeconds(15);

  static final String REPLY_OK = "OK ";
  static final String REPLY_UNKNOWN = "ERROR Unknown command";
  static final String REPLY_NO_IP = "ERROR Unable to find guest IP address";

  private static final byte[] EMPTY = new byte[0];

  final Backdoor backdoor;
  final TcloOptions options;
  final MachineLog log;
  final VmtRpc tclo;

  boolean rpcError;
  boolean tcloPing;
  boolean attached;
  boolean stopped;

  private String cachedHostname;
  private boolean guestOsSet;

  /** Virtual time left until vmt's periodic guest-info tick, counted from the returned delays. */
  private Duration untilGuestInfo = Duration.ZERO;

  VmtTcloMachine(Backdoor backdoor, TcloOptions options, TcloListener listener) {
    this.backdoor = backdoor;
    this.options = options;
    this.log = new MachineLog(listener, options);
    this.tclo = new VmtRpc(backdoor, log);
  }

  @Override
  public final Duration tick() {
    if (stopped) {
      return Duration.ZERO;
    }
    Duration delay;
    if (!attached) {
      delay = attach();
    } else {
      Duration interval = options.guestInfoInterval();
      if (!interval.isZero() && (untilGuestInfo.isZero() || untilGuestInfo.isNegative())) {
        untilGuestInfo = interval;
        guestInfoTick();
      }
      delay = step();
    }
    untilGuestInfo = untilGuestInfo.minus(delay);
    return delay;
  }

  /**
   * vmt_tick, which vmt runs on a timer of its own every 15 s: the guest info (host name, OS names,
   * once unless they change) and the uptime over RPCI. Here it runs at the start of the first TCLO
   * tick that falls due after it, as the machine counts time by its own delays.
   */
  void guestInfoTick() {
    updateGuestInfo();
    updateUptime();
  }

  /** The attach: what the driver does before scheduling its first tick one second later. */
  abstract Duration attach();

  /** One tick of an attached driver. */
  abstract Duration step();

  /** The handler of the host's "reset". */
  abstract void onReset();

  /** Whether shutdown sends the last empty message and closes the TCLO channel. */
  abstract boolean closeOnShutdown();

  @Override
  public TcloHealth health() {
    if (stopped) {
      return TcloHealth.STOPPED;
    }
    if (!attached) {
      return TcloHealth.STARTING;
    }
    return rpcError || tclo.isZero() ? TcloHealth.RECOVERING : TcloHealth.UP;
  }

  @Override
  public final void shutdown() {
    if (stopped) {
      return;
    }
    if (attached) {
      if (rpciTx("tools.capability.hgfs_server " + options.appName() + " 0") == null) {
        log.device("failed to disable hgfs server capability");
      }
      if (closeOnShutdown()) {
        if (!tclo.send(EMPTY)) {
          log.device("failed to send shutdown ping");
        }
        closeTclo();
      }
    }
    stopped = true;
    log.event(Type.DETACHED, "shutdown");
  }

  /** vmt's attach failure: no tick is ever scheduled again. */
  Duration detach(String line) {
    log.device(line);
    stopped = true;
    log.event(Type.DETACHED, line);
    return Duration.ZERO;
  }

  /** Sets the HGFS capability as attach does; false (and detached) when that fails. */
  boolean attachCapability() {
    if (rpciTx("tools.capability.hgfs_server " + options.appName() + " 1") == null) {
      detach("failed to set HGFS server capability");
      return false;
    }
    return true;
  }

  boolean openTclo() {
    if (!tclo.open(PROTOCOL_TCLO)) {
      log.event(Type.OPEN_FAILED);
      return false;
    }
    log.event(Type.CHANNEL_OPENED, "channel " + tclo.channel);
    return true;
  }

  void closeTclo() {
    int channel = tclo.channel;
    if (tclo.close()) {
      log.event(Type.CHANNEL_CLOSED, "channel " + channel);
    } else {
      log.event(Type.CLOSE_FAILED, "channel " + channel);
    }
  }

  /** A failure on the TCLO channel: vmt's line, and the sticky flag. */
  void fail(String line) {
    log.device(line);
    log.event(Type.TCLO_FAILURE, line);
    rpcError = true;
  }

  /**
   * Steps 4 to 10 of vmt's tick: ping if flagged, get the length, get the data, dispatch.
   *
   * @return whether a message was received and handled (the next tick then comes at once)
   */
  boolean poll() {
    if (tcloPing) {
      if (!tclo.send(EMPTY)) {
        fail("failed to send TCLO outgoing ping");
        return false;
      }
      log.event(Type.PING_SENT);
    }
    if (!tclo.getLength()) {
      fail("failed to get length of incoming TCLO data");
      return false;
    }
    log.event(Type.POLLED);
    if (tclo.length == 0) {
      tcloPing = true;
      return false;
    }
    int length = tclo.length;
    int max = options.flavor().bufferLength() - 1;
    if (Integer.compareUnsigned(length, max) > 0) {
      length = max;
    }
    byte[] data = tclo.getData(length, tclo.dataId);
    if (data == null) {
      fail("failed to get incoming TCLO data");
      return false;
    }
    tcloPing = false;
    dispatch(VmtRpc.cString(data));
    return true;
  }

  /** vmt's command table: exact matches, everything else is unknown. */
  void dispatch(String message) {
    log.event(Type.COMMAND_RECEIVED, message);
    switch (message) {
      case "reset":
        onReset();
        break;
      case "ping":
        if (options.flavor() == VmtFlavor.NETBSD) {
          updateGuestInfo();
        }
        reply(REPLY_OK, "error sending ping response");
        break;
      case "OS_Halt":
      case "OS_Reboot":
        powerOff(GuestOsState.forCommand(message));
        break;
      case "OS_PowerOn":
        stateChange(GuestOsState.POWER_ON);
        reply(REPLY_OK, "error sending poweron response");
        break;
      case "OS_Suspend":
        log.plain("VMware guest entering suspended state");
        stateChange(GuestOsState.SUSPEND);
        reply(REPLY_OK, "error sending suspend response");
        break;
      case "OS_Resume":
        if (options.flavor() == VmtFlavor.NETBSD) {
          log.device("guest resuming from suspended state");
        } else {
          log.plain("VMware guest resuming from suspended state");
        }
        cachedHostname = null;
        guestOsSet = false;
        updateGuestInfo();
        stateChange(GuestOsState.RESUME);
        reply(REPLY_OK, "error sending resume response");
        break;
      case "Capabilities_Register":
        capabilitiesRegister();
        break;
      case "Set_Option broadcastIP 1":
        broadcastIp();
        break;
      default:
        log.device("unknown command: \"" + message + "\"");
        reply(REPLY_UNKNOWN, "error sending unknown command reply");
        break;
    }
  }

  /** Sends a reply on the TCLO channel; on failure prints {@code failureLine} and sets the flag. */
  boolean reply(String reply, String failureLine) {
    if (tclo.sendString(reply)) {
      log.event(Type.REPLY_SENT, reply);
      return true;
    }
    fail(failureLine);
    return false;
  }

  private void powerOff(GuestOsState state) {
    stateChange(state);
    // vmt does not check this reply: the guest is going down anyway.
    if (tclo.sendString(REPLY_OK)) {
      log.event(Type.REPLY_SENT, REPLY_OK);
    }
    boolean halt = state == GuestOsState.HALT;
    if (options.flavor() == VmtFlavor.NETBSD) {
      log.device(halt ? "host requested shutdown" : "host requested reboot");
    } else {
      log.plain(
          (halt ? "Shutting down" : "Rebooting")
              + " in response to request from "
              + options.deviceName()
              + " host");
    }
  }

  private void stateChange(GuestOsState state) {
    log.event(Type.STATE_CHANGE_REQUESTED, state.command());
    if (rpciTx("tools.os.statechange.status 1 " + state.id()) == null) {
      log.device("unable to send state change result");
      rpcError = true;
    }
  }

  private void capabilitiesRegister() {
    String reply = rpciTx("vmx.capability.unified_loop " + options.appName());
    if (reply == null) {
      log.device("unable to set unified loop");
      rpcError = true;
    } else if (!reply.startsWith("1 ")) {
      log.device("host rejected unified loop setting");
    }
    reply = rpciTx("tools.capability.statechange ");
    if (reply == null) {
      log.device("unable to send statechange capability");
      rpcError = true;
    } else if (!reply.startsWith("1 ")) {
      log.device("host rejected statechange capability");
    }
    if (rpciTx("tools.set.version " + Integer.toUnsignedString(RpciClient.TOOLS_VERSION_UNMANAGED))
        == null) {
      log.device("unable to set tools version");
      rpcError = true;
    }
    updateUptime();
    reply(REPLY_OK, "error sending capabilities_register response");
  }

  private void broadcastIp() {
    String ip = options.guestIp();
    if (ip == null) {
      reply(REPLY_NO_IP, "error sending broadcastIP error response");
      return;
    }
    if (rpciTx("info-set guestinfo.ip " + ip) == null) {
      log.device("unable to send guest IP address");
      rpcError = true;
    }
    reply(REPLY_OK, "error sending broadcastIP response");
  }

  /** vmt_update_guest_info: the host name when it changed, the OS names once. */
  void updateGuestInfo() {
    String hostname = options.hostname();
    if (!hostname.equals(cachedHostname)) {
      cachedHostname = hostname;
      if (rpciTx("SetGuestInfo  " + RpciClient.GUEST_INFO_DNS_NAME + " " + hostname) == null) {
        log.device("unable to set hostname");
        rpcError = true;
      }
    }
    if (!guestOsSet) {
      if (rpciTx("SetGuestInfo  " + RpciClient.GUEST_INFO_OS_NAME_FULL + " " + options.osNameFull())
          == null) {
        log.device("unable to set full guest OS");
        rpcError = true;
      }
      if (rpciTx("SetGuestInfo  " + RpciClient.GUEST_INFO_OS_NAME + " " + options.osName())
          == null) {
        log.device("unable to set guest OS");
        rpcError = true;
      }
      guestOsSet = true;
    }
  }

  /** vmt_update_guest_uptime. */
  void updateUptime() {
    if (rpciTx("SetGuestInfo  " + RpciClient.GUEST_INFO_UPTIME + " " + options.uptimeHundredths())
        == null) {
      log.device("unable to set guest uptime");
      rpcError = true;
    }
  }

  /**
   * vmt's RPCI transaction on a channel of its own: open, send, get length, get data if there is
   * any, close (on every exit after a successful open).
   *
   * @return the contents of vmt's shared buffer afterwards (the reply; or, when the host answered
   *     nothing, still the request), or {@code null} when the transaction failed
   */
  String rpciTx(String command) {
    byte[] buf = command.getBytes(StandardCharsets.ISO_8859_1);
    if (buf.length >= options.flavor().bufferLength()) {
      log.device("rpci command didn't fit in buffer");
      log.event(Type.RPCI_FAILED, command + ": too long");
      return null;
    }
    VmtRpc rpci = new VmtRpc(backdoor, log);
    if (!rpci.open(PROTOCOL_RPCI)) {
      log.device("rpci channel open failed");
      log.event(Type.RPCI_FAILED, command + ": open");
      return null;
    }
    String result = null;
    String failure = null;
    if (!rpci.send(buf)) {
      failure = "unable to send rpci command";
    } else if (!rpci.getLength()) {
      failure = "failed to get length of rpci response data";
    } else if (rpci.length == 0) {
      result = command;
    } else {
      int length = rpci.length;
      int max = options.flavor().bufferLength() - 1;
      if (Integer.compareUnsigned(length, max) > 0) {
        length = max;
      }
      byte[] data = rpci.getData(length, rpci.dataId);
      if (data == null) {
        failure = "failed to get rpci response data";
      } else {
        result = VmtRpc.cString(data);
      }
    }
    if (failure != null) {
      log.device(failure);
    }
    if (!rpci.close()) {
      log.device("unable to close rpci channel");
    }
    if (failure != null) {
      log.event(Type.RPCI_FAILED, command + ": " + failure);
      return null;
    }
    log.event(Type.RPCI_SENT, command);
    return result;
  }

  @Override
  public String toString() {
    return name()
        + "{channel="
        + tclo.channel
        + ", rpcError="
        + rpcError
        + ", tcloPing="
        + tcloPing
        + ", "
        + health()
        + "}";
  }
}
