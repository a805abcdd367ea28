package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
 *
 * <p>OpenBSD 1.32 adds the NIC info sent after every guest-info update, the three {@code
 * vmbackup.*} commands with the quiesce count the tick keeps, and a {@code Capabilities_Register}
 * that clears the cached guest info (see {@link VmtFlavor.Dialect}).
 */
final class VmtCommandTable {

  static final String REPLY_OK = TcloResult.ok().reply();
  static final String REPLY_UNKNOWN = TcloResult.error(TcloResult.UNKNOWN_COMMAND).reply();
  static final String REPLY_NO_IP = TcloResult.error("Unable to find guest IP address").reply();

  /**
   * What the handlers need of the machine they run on: vmt's softc as the command table sees it.
   */
  interface Machine {
    /** The {@code reset} handler, which differs between the machines. */
    void onReset();

    /** A reply on the TCLO channel; on failure vmt's {@code failureLine} and the sticky flag. */
    boolean reply(String reply, VmtMessage failureLine);

    /** A reply on the TCLO channel whose failure vmt does not check. */
    boolean replyUnchecked(String reply);

    /** An RPCI transaction; {@code null} when it failed. */
    String rpciTx(String command);

    /** An RPCI transaction on a buffer of the caller's, without the length check. */
    String rpciTxBuffer(byte[] buf);

    /** Sets vmt's sticky error flag. */
    void rpcError();
  }

  private final Machine machine;
  private final TcloOptions options;
  private final MachineLog log;
  private final Map<String, Runnable> table;

  /** OpenBSD's VM_BACKUP_TIMEOUT: ticks a quiesce may take before vmt aborts it. */
  static final int BACKUP_TIMEOUT = 30;

  private static final String NIC_INFO_COMMAND = "SetGuestInfo  10 ";

  private String cachedHostname;
  private boolean guestOsSet;

  /** The NIC info last sent (OpenBSD 1.32 keeps it, sent or not, and sends only a change). */
  private byte[] cachedNicInfo;

  /** OpenBSD's sc_quiesce: 0 idle, counting up from 1 while quiesced, -1 while aborting. */
  private int quiesce;

  VmtCommandTable(Machine machine, TcloOptions options, MachineLog log) {
    this.machine = machine;
    this.options = options;
    this.log = log;
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
    if (options.flavor().dialect().handlesBackup()) {
      t.put("vmbackup.start 1", this::startBackup);
      t.put("vmbackup.abort", this::abortBackup);
      t.put("vmbackup.snapshotDone", this::backupDone);
    }
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
      machine.reply(REPLY_UNKNOWN, VmtMessage.UNKNOWN_COMMAND_REPLY_FAILED);
    }
  }

  private void ping() {
    if (options.flavor().dialect().pingUpdatesGuestInfo()) {
      updateGuestInfo();
    }
    machine.reply(REPLY_OK, VmtMessage.PING_RESPONSE_FAILED);
  }

  private void powerOn() {
    stateChange(GuestOsState.POWER_ON);
    machine.reply(REPLY_OK, VmtMessage.POWERON_RESPONSE_FAILED);
  }

  private void suspend() {
    log.plain(VmtMessage.ENTERING_SUSPEND);
    stateChange(GuestOsState.SUSPEND);
    machine.reply(REPLY_OK, VmtMessage.SUSPEND_RESPONSE_FAILED);
  }

  private void resume() {
    options.flavor().dialect().resuming(log);
    clearGuestInfo();
    updateGuestInfo();
    stateChange(GuestOsState.RESUME);
    machine.reply(REPLY_OK, VmtMessage.RESUME_RESPONSE_FAILED);
  }

  private void powerOff(GuestOsState state) {
    stateChange(state);
    // vmt does not check this reply: the guest is going down anyway.
    machine.replyUnchecked(REPLY_OK);
    options.flavor().dialect().poweringOff(log, options.deviceName(), state == GuestOsState.HALT);
  }

  private void stateChange(GuestOsState state) {
    log.event(Type.STATE_CHANGE_REQUESTED, state.command());
    rpci("tools.os.statechange.status 1 " + state.id(), VmtMessage.STATE_CHANGE_FAILED);
  }

  private void capabilitiesRegister() {
    String reply =
        rpci("vmx.capability.unified_loop " + options.appName(), VmtMessage.UNIFIED_LOOP_FAILED);
    if (reply != null && !reply.startsWith("1 ")) {
      log.device(VmtMessage.UNIFIED_LOOP_REJECTED);
    }
    reply = rpci("tools.capability.statechange ", VmtMessage.STATECHANGE_CAPABILITY_FAILED);
    if (reply != null && !reply.startsWith("1 ")) {
      log.device(VmtMessage.STATECHANGE_CAPABILITY_REJECTED);
    }
    rpci(
        "tools.set.version " + Integer.toUnsignedString(RpciClient.TOOLS_VERSION_UNMANAGED),
        VmtMessage.TOOLS_VERSION_FAILED);
    if (options.flavor().dialect().capabilitiesClearGuestInfo()) {
      clearGuestInfo();
    }
    updateUptime();
    machine.reply(REPLY_OK, VmtMessage.CAPABILITIES_RESPONSE_FAILED);
  }

  private void broadcastIp() {
    String ip = options.guestIp();
    if (ip == null) {
      machine.reply(REPLY_NO_IP, VmtMessage.BROADCAST_IP_ERROR_RESPONSE_FAILED);
      return;
    }
    rpci("info-set guestinfo.ip " + ip, VmtMessage.GUEST_IP_FAILED);
    machine.reply(REPLY_OK, VmtMessage.BROADCAST_IP_RESPONSE_FAILED);
  }

  /** vmt_clear_guest_info (OpenBSD 1.32) or its inline form: everything is sent again. */
  private void clearGuestInfo() {
    cachedHostname = null;
    guestOsSet = false;
    cachedNicInfo = null;
  }

  /**
   * vmt_update_guest_info: the host name when it changed, the OS names once; OpenBSD 1.32 then
   * queues the NIC info task, which this runs at once.
   */
  void updateGuestInfo() {
    VmtFlavor.Dialect dialect = options.flavor().dialect();
    String hostname = options.hostname();
    if (!hostname.equals(cachedHostname)) {
      cachedHostname = hostname;
      guestInfo(
          "SetGuestInfo  " + RpciClient.GUEST_INFO_DNS_NAME + " " + hostname,
          VmtMessage.HOSTNAME_FAILED);
    }
    if (!guestOsSet) {
      guestInfo(
          "SetGuestInfo  " + RpciClient.GUEST_INFO_OS_NAME_FULL + " " + options.osNameFull(),
          VmtMessage.FULL_OS_FAILED);
      guestInfo(
          "SetGuestInfo  " + RpciClient.GUEST_INFO_OS_NAME + " " + options.osName(),
          VmtMessage.OS_FAILED);
      guestOsSet = true;
    }
    if (dialect.sendsNicInfo()) {
      nicInfo();
    }
  }

  /** vmt_update_guest_uptime. */
  void updateUptime() {
    guestInfo(
        "SetGuestInfo  " + RpciClient.GUEST_INFO_UPTIME + " " + options.uptimeHundredths(),
        VmtMessage.UPTIME_FAILED);
  }

  private void guestInfo(String command, VmtMessage failure) {
    if (machine.rpciTx(command) == null) {
      options.flavor().dialect().guestInfoFailed(log, failure);
      machine.rpcError();
    }
  }

  /**
   * vmt_nicinfo_task (OpenBSD 1.32): {@code SetGuestInfo 10 } and the XDR NIC list (version 3),
   * sent when it differs from the last one; the last one is kept even when the send failed.
   */
  private void nicInfo() {
    byte[] info = nicInfoBytes(options.guestIp());
    if (Arrays.equals(info, cachedNicInfo)) {
      return;
    }
    if (machine.rpciTxBuffer(info) == null) {
      options.flavor().dialect().guestInfoFailed(log, VmtMessage.NIC_INFO_FAILED);
      machine.rpcError();
    }
    cachedNicInfo = info;
  }

  /**
   * The NIC info as vmt_xdr_nic_info lays it out: the list header (version 3, a list, the number of
   * NICs), per NIC its MAC (none here: the options carry no MAC address), addresses and four empty
   * configuration words, then five empty words. One NIC with the guest's IPv4 address (a /24), or
   * none without one.
   */
  static byte[] nicInfoBytes(String guestIp) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(NIC_INFO_COMMAND.getBytes(StandardCharsets.ISO_8859_1));
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(3);
      out.writeInt(1);
      out.writeInt(guestIp == null ? 0 : 1);
      if (guestIp != null) {
        out.writeInt(0); // no MAC
        out.writeInt(1); // one address
        out.writeInt(1); // IPv4
        out.writeInt(4);
        out.write(InetAddress.getByName(guestIp).getAddress());
        out.writeInt(24);
        out.writeInt(0);
        out.writeInt(0);
        for (int i = 0; i < 4; i++) {
          out.writeInt(0);
        }
      }
      for (int i = 0; i < 5; i++) {
        out.writeInt(0);
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("guest IP address " + guestIp, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * The start of OpenBSD 1.32's TCLO tick: while a quiesce is under way, count it; at {@link
   * #BACKUP_TIMEOUT} abort it, otherwise tell the host it is still alive.
   */
  void quiesceTick() {
    if (quiesce > 0) {
      if (quiesce++ == BACKUP_TIMEOUT) {
        log.device(VmtMessage.QUIESCE_ABORTING);
        quiesce = -1;
        quiesceDone();
      } else {
        backupStatus("req.keepAlive", 0, "");
      }
    }
  }

  private void startBackup() {
    boolean start = quiesce == 0;
    if (start) {
      log.device(VmtMessage.QUIESCE_STARTING);
      backupStatus("reset", 0, "");
      quiesce = 1;
    } else {
      log.device(VmtMessage.BACKUP_IN_PROGRESS);
    }
    machine.reply(start ? REPLY_OK : REPLY_UNKNOWN, VmtMessage.BACKUP_START_REPLY_FAILED);
    if (start) {
      // vmt_quiesce_task, queued on the system task queue: the file systems stall.
      log.device(VmtMessage.QUIESCING);
      log.device(VmtMessage.QUIESCED);
      backupStatus("prov.snapshotCommit", 0, "");
    }
  }

  private void abortBackup() {
    boolean abort = quiesce > 0;
    if (abort) {
      log.device(VmtMessage.BACKUP_ABORTING);
      quiesce = -1;
    } else {
      log.device(VmtMessage.BACKUP_NOT_IN_PROGRESS);
    }
    machine.reply(abort ? REPLY_OK : REPLY_UNKNOWN, VmtMessage.BACKUP_ABORT_REPLY_FAILED);
    if (abort) {
      quiesceDone();
    }
  }

  private void backupDone() {
    boolean done = quiesce > 0;
    if (done) {
      log.device(VmtMessage.BACKUP_COMPLETE);
    } else {
      log.device(VmtMessage.BACKUP_COMPLETE_UNEXPECTED);
    }
    machine.reply(done ? REPLY_OK : REPLY_UNKNOWN, VmtMessage.BACKUP_DONE_REPLY_FAILED);
    if (done) {
      quiesceDone();
    }
  }

  /** vmt_quiesce_done_task: the file systems run again; an abort is reported, then the end. */
  private void quiesceDone() {
    if (quiesce == -1) {
      backupStatus("req.aborted", 4, "");
    }
    backupStatus("req.done", 0, "");
    quiesce = 0;
  }

  /** vmt_set_backup_status: {@code vmbackup.eventSet <state> <code> <desc>}; no error flag. */
  private void backupStatus(String state, int code, String description) {
    if (machine.rpciTx("vmbackup.eventSet " + state + " " + code + " " + description) == null) {
      log.device(VmtMessage.BACKUP_STATUS_FAILED);
    }
  }

  /**
   * One RPCI transaction; when it fails, vmt's {@code failureLine} and the sticky error flag.
   *
   * @return the transaction's result, or {@code null} when it failed
   */
  private String rpci(String command, VmtMessage failureLine) {
    String reply = machine.rpciTx(command);
    if (reply == null) {
      log.device(failureLine);
      machine.rpcError();
    }
    return reply;
  }
}
