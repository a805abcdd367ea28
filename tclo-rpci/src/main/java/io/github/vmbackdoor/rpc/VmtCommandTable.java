package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.util.HashMap;
import java.util.Map;

/**
 * vmt(4)'s command table, shared by the legacy and proposed-patch machines: each command the host
 * may send, matched exactly, with vmt's replies, RPCIs and log lines; everything else is unknown
 * (printed or not as the flavor's {@link VmtFlavor#dialect()} says). Also the guest info vmt
 * reports (host name when it changed, OS names once, uptime), which the {@code ping} (NetBSD) and
 * {@code OS_Resume} handlers refresh.
 *
 * <p>A failed RPCI sets the machine's sticky error flag, as vmt does.
 */
final class VmtCommandTable {

  static final String REPLY_OK = TcloResult.ok().reply();
  static final String REPLY_UNKNOWN = TcloResult.error(ToolsService.UNKNOWN_COMMAND).reply();
  static final String REPLY_NO_IP = TcloResult.error("Unable to find guest IP address").reply();

  private final VmtTcloMachine machine;
  private final TcloOptions options;
  private final MachineLog log;
  private final Map<String, Runnable> table;

  private String cachedHostname;
  private boolean guestOsSet;

  VmtCommandTable(VmtTcloMachine machine) {
    this.machine = machine;
    this.options = machine.options;
    this.log = machine.log;
    Map<String, Runnable> t = new HashMap<>();
    t.put("reset", machine::onReset);
    t.put("ping", this::ping);
    t.put("OS_Halt", () -> powerOff(GuestOsState.HALT));
    t.put("OS_Reboot", () -> powerOff(GuestOsState.REBOOT));
    t.put("OS_PowerOn", this::powerOn);
    t.put("OS_Suspend", this::suspend);
    t.put("OS_Resume", this::resume);
    t.put("Capabilities_Register", this::capabilitiesRegister);
    t.put("Set_Option broadcastIP 1", this::broadcastIp);
    this.table = Map.copyOf(t);
  }

  /** Handles one command as vmt's dispatch does. */
  void dispatch(String message) {
    log.event(Type.COMMAND_RECEIVED, message);
    Runnable handler = table.get(message);
    if (handler != null) {
      handler.run();
    } else {
      options.flavor().dialect().unknownCommand(log, message);
      machine.reply(REPLY_UNKNOWN, "error sending unknown command reply");
    }
  }

  private void ping() {
    if (options.flavor().dialect().pingUpdatesGuestInfo()) {
      updateGuestInfo();
    }
    machine.reply(REPLY_OK, "error sending ping response");
  }

  private void powerOn() {
    stateChange(GuestOsState.POWER_ON);
    machine.reply(REPLY_OK, "error sending poweron response");
  }

  private void suspend() {
    log.plain("VMware guest entering suspended state");
    stateChange(GuestOsState.SUSPEND);
    machine.reply(REPLY_OK, "error sending suspend response");
  }

  private void resume() {
    options.flavor().dialect().resuming(log);
    cachedHostname = null;
    guestOsSet = false;
    updateGuestInfo();
    stateChange(GuestOsState.RESUME);
    machine.reply(REPLY_OK, "error sending resume response");
  }

  private void powerOff(GuestOsState state) {
    stateChange(state);
    // vmt does not check this reply: the guest is going down anyway.
    if (machine.tclo.sendString(REPLY_OK)) {
      log.event(Type.REPLY_SENT, REPLY_OK);
    }
    options.flavor().dialect().poweringOff(log, options.deviceName(), state == GuestOsState.HALT);
  }

  private void stateChange(GuestOsState state) {
    log.event(Type.STATE_CHANGE_REQUESTED, state.command());
    rpci("tools.os.statechange.status 1 " + state.id(), "unable to send state change result");
  }

  private void capabilitiesRegister() {
    String reply =
        rpci("vmx.capability.unified_loop " + options.appName(), "unable to set unified loop");
    if (reply != null && !reply.startsWith("1 ")) {
      log.device("host rejected unified loop setting");
    }
    reply = rpci("tools.capability.statechange ", "unable to send statechange capability");
    if (reply != null && !reply.startsWith("1 ")) {
      log.device("host rejected statechange capability");
    }
    rpci(
        "tools.set.version " + Integer.toUnsignedString(RpciClient.TOOLS_VERSION_UNMANAGED),
        "unable to set tools version");
    updateUptime();
    machine.reply(REPLY_OK, "error sending capabilities_register response");
  }

  private void broadcastIp() {
    String ip = options.guestIp();
    if (ip == null) {
      machine.reply(REPLY_NO_IP, "error sending broadcastIP error response");
      return;
    }
    rpci("info-set guestinfo.ip " + ip, "unable to send guest IP address");
    machine.reply(REPLY_OK, "error sending broadcastIP response");
  }

  /** vmt_update_guest_info: the host name when it changed, the OS names once. */
  void updateGuestInfo() {
    String hostname = options.hostname();
    if (!hostname.equals(cachedHostname)) {
      cachedHostname = hostname;
      rpci(
          "SetGuestInfo  " + RpciClient.GUEST_INFO_DNS_NAME + " " + hostname,
          "unable to set hostname");
    }
    if (!guestOsSet) {
      rpci(
          "SetGuestInfo  " + RpciClient.GUEST_INFO_OS_NAME_FULL + " " + options.osNameFull(),
          "unable to set full guest OS");
      rpci(
          "SetGuestInfo  " + RpciClient.GUEST_INFO_OS_NAME + " " + options.osName(),
          "unable to set guest OS");
      guestOsSet = true;
    }
  }

  /** vmt_update_guest_uptime. */
  void updateUptime() {
    rpci(
        "SetGuestInfo  " + RpciClient.GUEST_INFO_UPTIME + " " + options.uptimeHundredths(),
        "unable to set guest uptime");
  }

  /**
   * One RPCI transaction; when it fails, vmt's {@code failureLine} and the sticky error flag.
   *
   * @return the transaction's result, or {@code null} when it failed
   */
  private String rpci(String command, String failureLine) {
    String reply = machine.rpciTx(command);
    if (reply == null) {
      log.device(failureLine);
      machine.rpcError = true;
    }
    return reply;
  }
}
