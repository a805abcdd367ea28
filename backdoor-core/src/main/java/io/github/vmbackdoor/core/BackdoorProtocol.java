package io.github.vmbackdoor.core;

/**
 * The backdoor protocol's constants, in one place: magic, ports, the message command and its
 * sub-commands, status bits, protocol numbers and limits.
 *
 * <p>Values and meanings follow open-vm-tools' {@code backdoor_def.h} and {@code guest_msg_def.h}
 * as summarised in {@code docs/protocol-notes.md}. The numbered command-port commands live in
 * {@link BackdoorCommand}; the sub-commands' names and steps in {@link MessageSubcommand}.
 */
public final class BackdoorProtocol {

  private BackdoorProtocol() {}

  /** "VMXh": always in eax on every backdoor call. */
  public static final int MAGIC = 0x564D5868;

  /** The low-bandwidth command port: {@code in eax, dx}. */
  public static final int COMMAND_PORT = 0x5658;

  /** The high-bandwidth port: {@code rep outsb} / {@code rep insb}. */
  public static final int HB_PORT = 0x5659;

  /** The high-bandwidth command that moves a message payload (ebx low word). */
  public static final int HB_CMD_MESSAGE = 0;

  /** The high-bandwidth command for a VASSERT (unused by the message layer). */
  public static final int HB_CMD_VASSERT = 1;

  /**
   * Command-port command 30: the message (GuestMsg) layer; the sub-command rides in ecx's high
   * word.
   */
  public static final int CMD_MESSAGE = 30;

  // ---- message sub-commands (ecx high word) ----

  /** Open a channel; ebx = protocol number, optionally with {@link #FLAG_COOKIE}. */
  public static final int MESSAGE_OPEN = 0;

  /** Announce the length of the message the guest is about to send. */
  public static final int MESSAGE_SENDSIZE = 1;

  /** Send the next four bytes (little-endian in ebx). */
  public static final int MESSAGE_SENDPAYLOAD = 2;

  /** Ask whether the host has a message, and its length. */
  public static final int MESSAGE_RECVSIZE = 3;

  /** Receive the next four bytes (little-endian in ebx). */
  public static final int MESSAGE_RECVPAYLOAD = 4;

  /** Tell the host whether the receive succeeded (ebx 1) or failed (ebx 0). */
  public static final int MESSAGE_RECVSTATUS = 5;

  /** Close the channel. */
  public static final int MESSAGE_CLOSE = 6;

  // ---- message status bits (ecx high word after a command-port call, ebx high word after HB) ----

  /** The request succeeded. */
  public static final int STATUS_SUCCESS = 0x0001;

  /** The host has a message waiting for this channel. */
  public static final int STATUS_DORECV = 0x0002;

  /** The channel has been closed. */
  public static final int STATUS_CLOSED = 0x0004;

  /** The host removed the message before it was fetched. */
  public static final int STATUS_UNSENT = 0x0008;

  /** A checkpoint happened: the operation was cancelled and must be restarted. */
  public static final int STATUS_CPT = 0x0010;

  /** The underlying device is powering off. */
  public static final int STATUS_POWEROFF = 0x0020;

  /** The host detected a timeout on the channel. */
  public static final int STATUS_TIMEOUT = 0x0040;

  /** The host supports the high-bandwidth port for this payload. */
  public static final int STATUS_HB = 0x0080;

  /** The host keeps only these bits of a status the guest reports back in ebx. */
  public static final int STATUS_GUEST_MASK = 0x0001;

  /** ebx at OPEN: ask for a channel protected by cookies. */
  public static final int FLAG_COOKIE = 0x80000000;

  // ---- protocol numbers (ebx at OPEN) ----

  /** Guest-to-host requests; the bytes "RPCI" read little-endian. */
  public static final int PROTOCOL_RPCI = 0x49435052;

  /** Host-to-guest commands; the bytes "TCLO" read little-endian. */
  public static final int PROTOCOL_TCLO = 0x4F4C4354;

  // ---- limits ----

  /** The largest message the host accepts from the guest (GUESTMSG_MAX_IN_SIZE). */
  public static final int MAX_GUEST_MESSAGE = 65536;

  /** Channels a current host keeps open at once (GUESTMSG_MAX_CHANNEL). */
  public static final int MAX_CHANNELS = 128;

  /** Channels an older host keeps open at once. */
  public static final int MAX_CHANNELS_OLD = 8;

  /** The value eax holds after a call that no backdoor answered (QEMU, vmcheck). */
  public static final int NO_BACKDOOR = 0xFFFFFFFF;

  // ---- command-port details (see BackdoorCommand) ----

  /** The VMX version GETVERSION answers in eax (VERSION_MAGIC); vmcheck accepts no other. */
  public static final int VERSION_MAGIC = 6;

  /** The hypervisor vendor VMware reports in CPUID leaf 0x40000000 (ebx, ecx, edx). */
  public static final String CPUID_VENDOR_VMWARE = "VMwareVMware";

  /**
   * The full ecx of a message call: sub-command in the high word, {@link #CMD_MESSAGE} in the low.
   */
  public static int messageEcx(int subCommand) {
    return (subCommand << 16) | CMD_MESSAGE;
  }

  /** A protocol number's name, {@code RPCI} or {@code TCLO}, or its hex value. */
  public static String protocolName(int protocol) {
    int p = protocol & ~FLAG_COOKIE;
    if (p == PROTOCOL_RPCI) {
      return "RPCI";
    }
    if (p == PROTOCOL_TCLO) {
      return "TCLO";
    }
    return "0x" + Registers.hex(p);
  }
}
