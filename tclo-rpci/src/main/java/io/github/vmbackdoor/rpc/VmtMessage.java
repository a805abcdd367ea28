package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.MessageException.Step;
import java.util.Optional;

/**
 * The catalogue of messages vmt(4) prints, each with the words it is printed in: the one vocabulary
 * the machines of this package print and the host simulator's log importer reads. Lines from the
 * {@code vmware:} prefix carry registers; the others are {@code vmt0:} device messages or
 * unprefixed {@code log()} lines.
 */
public enum VmtMessage {
  // ---- low-level backdoor calls ("vmware: ..."), worded where the message layer names its steps
  // ----
  OPEN_FAILED(Step.OPEN),
  CLOSE_FAILED(Step.CLOSE),
  SENDING_LENGTH_FAILED(Step.SENDSIZE),
  SEND_FAILED(Step.SEND_HB),
  GET_DATA_FAILED(Step.RECV_HB),
  ACK_DATA_FAILED(Step.RECVSTATUS),
  GET_LENGTH_FAILED(Step.RECVSIZE),
  RECEIVED_MESSAGE(Prefix.VMWARE, "received message"),

  // ---- RPCI transactions ("vmt0: ...") ----
  RPCI_TOO_LONG(Prefix.DEVICE, "rpci command didn't fit in buffer"),
  RPCI_OPEN_FAILED(Prefix.DEVICE, "rpci channel open failed"),
  RPCI_SEND_FAILED(Prefix.DEVICE, "unable to send rpci command"),
  RPCI_GET_LENGTH_FAILED(Prefix.DEVICE, "failed to get length of rpci response data"),
  RPCI_GET_DATA_FAILED(Prefix.DEVICE, "failed to get rpci response data"),
  RPCI_CLOSE_FAILED(Prefix.DEVICE, "unable to close rpci channel"),

  // ---- the TCLO tick and its handlers ("vmt0: ...") ----
  REOPEN_FAILED(Prefix.DEVICE, "unable to reopen TCLO channel"),
  RESET_REPLY_FAILED(Prefix.DEVICE, "failed to send reset reply"),
  PING_FAILED(Prefix.DEVICE, "failed to send TCLO outgoing ping"),
  TCLO_GET_LENGTH_FAILED(Prefix.DEVICE, "failed to get length of incoming TCLO data"),
  TCLO_GET_DATA_FAILED(Prefix.DEVICE, "failed to get incoming TCLO data"),
  UNKNOWN_COMMAND(Prefix.DEVICE, "unknown command"),
  UNKNOWN_COMMAND_REPLY_FAILED(Prefix.DEVICE, "error sending unknown command reply"),
  RESETTING_RPC(Prefix.DEVICE, "resetting rpc"),
  PING_RESPONSE_FAILED(Prefix.DEVICE, "error sending ping response"),
  POWERON_RESPONSE_FAILED(Prefix.DEVICE, "error sending poweron response"),
  SUSPEND_RESPONSE_FAILED(Prefix.DEVICE, "error sending suspend response"),
  RESUME_RESPONSE_FAILED(Prefix.DEVICE, "error sending resume response"),
  STATE_CHANGE_FAILED(Prefix.DEVICE, "unable to send state change result"),
  UNIFIED_LOOP_FAILED(Prefix.DEVICE, "unable to set unified loop"),
  UNIFIED_LOOP_REJECTED(Prefix.DEVICE, "host rejected unified loop setting"),
  STATECHANGE_CAPABILITY_FAILED(Prefix.DEVICE, "unable to send statechange capability"),
  STATECHANGE_CAPABILITY_REJECTED(Prefix.DEVICE, "host rejected statechange capability"),
  TOOLS_VERSION_FAILED(Prefix.DEVICE, "unable to set tools version"),
  CAPABILITIES_RESPONSE_FAILED(Prefix.DEVICE, "error sending capabilities_register response"),
  GUEST_IP_FAILED(Prefix.DEVICE, "unable to send guest IP address"),
  BROADCAST_IP_RESPONSE_FAILED(Prefix.DEVICE, "error sending broadcastIP response"),
  BROADCAST_IP_ERROR_RESPONSE_FAILED(Prefix.DEVICE, "error sending broadcastIP error response"),
  UPTIME_FAILED(Prefix.DEVICE, "unable to set guest uptime"),
  HOSTNAME_FAILED(Prefix.DEVICE, "unable to set hostname"),
  FULL_OS_FAILED(Prefix.DEVICE, "unable to set full guest OS"),
  OS_FAILED(Prefix.DEVICE, "unable to set guest OS"),
  NIC_INFO_FAILED(Prefix.DEVICE, "unable to send nic info"),
  HGFS_DISABLE_FAILED(Prefix.DEVICE, "failed to disable hgfs server capability"),
  SHUTDOWN_PING_FAILED(Prefix.DEVICE, "failed to send shutdown ping"),
  HOST_SHUTDOWN(Prefix.DEVICE, "host requested shutdown"),
  HOST_REBOOT(Prefix.DEVICE, "host requested reboot"),
  GUEST_RESUMING(Prefix.DEVICE, "guest resuming from suspended state"),
  ATTACH_TCLO_FAILED(Prefix.DEVICE, "failed to open backdoor RPC channel (TCLO protocol)"),
  ATTACH_HGFS_FAILED(Prefix.DEVICE, "failed to set HGFS server capability"),
  ATTACH_VERSION_FAILED(Prefix.DEVICE, "failed to get VMware version"),
  UUID(Prefix.DEVICE, "UUID"),

  // ---- vmbackup (OpenBSD 1.32, "vmt0: ...") ----
  QUIESCE_STARTING(Prefix.DEVICE, "starting quiesce"),
  QUIESCE_ABORTING(Prefix.DEVICE, "aborting quiesce"),
  BACKUP_IN_PROGRESS(Prefix.DEVICE, "can't start backup, already in progress"),
  QUIESCING(Prefix.DEVICE, "quiescing filesystems for backup"),
  QUIESCED(Prefix.DEVICE, "filesystems quiesced"),
  BACKUP_ABORTING(Prefix.DEVICE, "aborting backup"),
  BACKUP_NOT_IN_PROGRESS(Prefix.DEVICE, "can't abort, no backup in progress"),
  BACKUP_COMPLETE(Prefix.DEVICE, "backup complete"),
  BACKUP_COMPLETE_UNEXPECTED(Prefix.DEVICE, "got backup complete, but not doing a backup"),
  BACKUP_STATUS_FAILED(Prefix.DEVICE, "setting backup status failed"),
  BACKUP_START_REPLY_FAILED(Prefix.DEVICE, "error sending vmbackup.start reply"),
  BACKUP_ABORT_REPLY_FAILED(Prefix.DEVICE, "error sending vmbackup.abort reply"),
  BACKUP_DONE_REPLY_FAILED(Prefix.DEVICE, "error sending vmbackup.snapshotDone reply"),

  // ---- log() lines without a prefix ----
  ENTERING_SUSPEND(Prefix.NONE, "VMware guest entering suspended state"),
  RESUMING_FROM_SUSPEND(Prefix.NONE, "VMware guest resuming from suspended state"),
  /** OpenBSD: followed by {@code VMware host} (before 1.32) or the device name and {@code host}. */
  SHUTTING_DOWN_ON_REQUEST(Prefix.NONE, "Shutting down in response to request from"),
  /** OpenBSD: followed by {@code VMware host} (before 1.32) or the device name and {@code host}. */
  REBOOTING_ON_REQUEST(Prefix.NONE, "Rebooting in response to request from");

  /** Where a message's text starts. */
  public enum Prefix {
    /** {@code vmware: } low-level backdoor messages. */
    VMWARE,
    /** {@code vmt0: } device messages. */
    DEVICE,
    /** Kernel {@code log()} lines with no prefix. */
    NONE
  }

  private final Prefix prefix;
  private final String words;

  VmtMessage(Step step) {
    this(Prefix.VMWARE, step.vmtWords());
  }

  VmtMessage(Prefix prefix, String words) {
    this.prefix = prefix;
    this.words = words;
  }

  /** Where this message's text starts. */
  public Prefix prefix() {
    return prefix;
  }

  /** The words the driver prints (without prefix and without registers). */
  public String words() {
    return words;
  }

  /** Whether this message reports a failed backdoor call with registers. */
  public boolean carriesRegisters() {
    return prefix == Prefix.VMWARE && this != RECEIVED_MESSAGE;
  }

  /** The message whose words start {@code text} after the given prefix, the longest match first. */
  public static Optional<VmtMessage> match(Prefix prefix, String text) {
    VmtMessage best = null;
    for (VmtMessage m : values()) {
      if (m.prefix == prefix
          && text.startsWith(m.words)
          && (best == null || m.words.length() > best.words.length())) {
        best = m;
      }
    }
    return Optional.ofNullable(best);
  }
}
