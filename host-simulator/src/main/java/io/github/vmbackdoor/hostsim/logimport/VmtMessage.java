package io.github.vmbackdoor.hostsim.logimport;

import java.util.Optional;

/**
 * The catalogue of messages vmt(4) prints about its backdoor traffic, each with the words it is
 * printed in. Lines from the {@code vmware:} prefix carry registers; the others are {@code vmt0:}
 * device messages or unprefixed {@code log()} lines.
 */
public enum VmtMessage {
  // ---- low-level backdoor calls ("vmware: ...") ----
  OPEN_FAILED(Prefix.VMWARE, "open failed"),
  CLOSE_FAILED(Prefix.VMWARE, "close failed"),
  SENDING_LENGTH_FAILED(Prefix.VMWARE, "sending length failed"),
  SEND_FAILED(Prefix.VMWARE, "send failed"),
  GET_DATA_FAILED(Prefix.VMWARE, "get data failed"),
  ACK_DATA_FAILED(Prefix.VMWARE, "ack data failed"),
  GET_LENGTH_FAILED(Prefix.VMWARE, "get length failed"),
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

  // ---- log() lines without a prefix ----
  ENTERING_SUSPEND(Prefix.NONE, "VMware guest entering suspended state"),
  RESUMING_FROM_SUSPEND(Prefix.NONE, "VMware guest resuming from suspended state");

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

  VmtMessage(Prefix prefix, String words) {
    this.prefix = prefix;
    this.words = words;
  }

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
  static Optional<VmtMessage> match(Prefix prefix, String text) {
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
