package io.github.vmbackdoor.rpc;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Guest-to-host requests (RPCI), one channel per request: open, send, receive, close, as vmt(4),
 * Linux and open-vm-tools' one-shot mode do (a host closes channels that sit idle).
 *
 * <p>The transport is {@link MessageChannel}, so checkpoints are retried there and a transport
 * failure is a {@link MessageException} naming the step. The host's answer is an {@link RpciReply};
 * a "0 " answer is a value, not an exception, and an answer that breaks the format is an {@link
 * RpciProtocolException}.
 *
 * <p><b>Trailing NUL.</b> vmtoolsd sends most requests with the terminating NUL byte included
 * ({@code strlen + 1}), and capabilities without a value as {@code "tools.capability.NAME "}
 * (trailing space, no NUL). This client does the same by default: every typed call and {@link
 * #send(String)} append one NUL byte, except {@link #capability(String)}. {@link
 * Options#withTrailingNul(boolean)} turns the NUL off (vmt(4) sends none); {@link #sendRaw(byte[])}
 * sends exactly the given bytes.
 *
 * <p>Not thread-safe across concurrent calls on one backdoor unless the backdoor is.
 */
public final class RpciClient {

  /** The tools version meaning "guest managed" (open-vm-tools' and vmt's default), 0x7FFFFFFF. */
  public static final int TOOLS_VERSION_UNMANAGED = 0x7FFFFFFF;

  /** The install type open-vm-tools reports with {@code tools.set.versiontype} (OVT = 4). */
  public static final int TOOLS_INSTALL_TYPE_OPEN_VM_TOOLS = 4;

  /** {@code SetGuestInfo} type of the guest's DNS name. */
  public static final int GUEST_INFO_DNS_NAME = 1;

  /** {@code SetGuestInfo} type of the full OS name. */
  public static final int GUEST_INFO_OS_NAME_FULL = 5;

  /** {@code SetGuestInfo} type of the short OS name. */
  public static final int GUEST_INFO_OS_NAME = 6;

  /** {@code SetGuestInfo} type of the uptime, in hundredths of a second. */
  public static final int GUEST_INFO_UPTIME = 7;

  /** Settings of a client. An immutable value; start from {@link #defaults()}. */
  public static final class Options {
    private static final Options DEFAULTS = new Options(true, MessageChannel.Options.defaults());

    private final boolean trailingNul;
    private final MessageChannel.Options channelOptions;

    private Options(boolean trailingNul, MessageChannel.Options channelOptions) {
      this.trailingNul = trailingNul;
      this.channelOptions = channelOptions;
    }

    /** Trailing NUL on, default channel options. */
    public static Options defaults() {
      return DEFAULTS;
    }

    /** Whether requests carry a terminating NUL byte (vmtoolsd: yes; vmt: no). */
    public boolean trailingNul() {
      return trailingNul;
    }

    /** The options each request's channel is opened with. */
    public MessageChannel.Options channelOptions() {
      return channelOptions;
    }

    /** These options with the trailing NUL on or off. */
    public Options withTrailingNul(boolean value) {
      return new Options(value, channelOptions);
    }

    /** These options with other channel options (checkpoint restarts, receive limit). */
    public Options withChannelOptions(MessageChannel.Options value) {
      return new Options(trailingNul, Objects.requireNonNull(value, "channel options"));
    }

    @Override
    public String toString() {
      return "Options{trailingNul=" + trailingNul + ", channel=" + channelOptions + "}";
    }
  }

  private final Backdoor backdoor;
  private final Options options;

  private RpciClient(Backdoor backdoor, Options options) {
    this.backdoor = backdoor;
    this.options = options;
  }

  /** A client with {@link Options#defaults()}. */
  public static RpciClient create(Backdoor backdoor) {
    return create(backdoor, Options.defaults());
  }

  /** A client with the given options. */
  public static RpciClient create(Backdoor backdoor, Options options) {
    return new RpciClient(
        Objects.requireNonNull(backdoor, "backdoor"), Objects.requireNonNull(options, "options"));
  }

  /** This client's options. */
  public Options options() {
    return options;
  }

  /**
   * Sends one request as text (UTF-8, plus the NUL when {@link Options#trailingNul()}).
   *
   * @throws MessageException when a transport step fails (the channel is closed all the same)
   * @throws RpciProtocolException when the answer is not a valid reply
   */
  public RpciReply send(String request) {
    Objects.requireNonNull(request, "request");
    return sendRaw(encode(request, options.trailingNul()));
  }

  /**
   * Sends exactly these bytes as one request: open, send, receive, close.
   *
   * <p>A close the host refuses after a complete answer does not fail the request: the answer
   * stands and the channel is forgotten, as open-vm-tools does.
   *
   * @throws MessageException when open, send or receive fails
   * @throws RpciProtocolException when the answer is not a valid reply
   */
  public RpciReply sendRaw(byte[] request) {
    Objects.requireNonNull(request, "request");
    if (request.length > BackdoorProtocol.MAX_GUEST_MESSAGE) {
      throw new IllegalArgumentException(
          String.format(
              "request of %s bytes is larger than the host accepts (%s)",
              request.length, BackdoorProtocol.MAX_GUEST_MESSAGE));
    }
    MessageChannel channel =
        MessageChannel.open(backdoor, BackdoorProtocol.PROTOCOL_RPCI, options.channelOptions());
    byte[] answer;
    try {
      channel.send(request);
      answer = channel.receive();
    } catch (RuntimeException e) {
      try {
        channel.close();
      } catch (RuntimeException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
    try {
      channel.close();
    } catch (MessageException ignored) {
      // The answer is complete; the channel is forgotten whatever the host said.
    }
    return RpciReply.parse(answer);
  }

  /**
   * {@code info-get guestinfo.<name>}: a guest variable ("0 No value found" when unset). The name
   * is bare ({@code ip}); the full key ({@code guestinfo.ip}) means the same ({@link
   * GuestInfoKey}).
   */
  public RpciReply guestInfoGet(String name) {
    return send("info-get " + GuestInfoKey.of(name));
  }

  /**
   * {@code info-set guestinfo.<name> <value>}. The name is bare ({@code ip}); the full key ({@code
   * guestinfo.ip}) means the same ({@link GuestInfoKey}).
   */
  public RpciReply guestInfoSet(String name, String value) {
    Objects.requireNonNull(value, "value");
    return send("info-set " + GuestInfoKey.of(name) + " " + value);
  }

  /** {@code log <text>}: a line in the VMX log. */
  public RpciReply log(String text) {
    Objects.requireNonNull(text, "text");
    return send("log " + text);
  }

  /**
   * Reports the tools version: {@code tools.set.versiontype <version> <type>}, and when the host
   * refuses that (older hosts), {@code tools.set.version <version>}. Returns the last reply.
   */
  public RpciReply setToolsVersion(int version, int installType) {
    RpciReply reply =
        send("tools.set.versiontype " + Integer.toUnsignedString(version) + " " + installType);
    if (reply.isSuccess()) {
      return reply;
    }
    return send("tools.set.version " + Integer.toUnsignedString(version));
  }

  /** {@code tools.capability.<name> <value>}. */
  public RpciReply capability(String name, String value) {
    Objects.requireNonNull(value, "value");
    return send("tools.capability." + checkName(name) + " " + value);
  }

  /**
   * A capability without a value: {@code "tools.capability.<name> "}, with the trailing space and
   * without a NUL, as vmtoolsd and vmt send it.
   */
  public RpciReply capability(String name) {
    return sendRaw(encode("tools.capability." + checkName(name) + " ", false));
  }

  /**
   * The new-style capabilities: {@code tools.capability.features <index>=<value> ...}, in index
   * order.
   */
  public RpciReply features(Map<Integer, Integer> features) {
    if (features.isEmpty()) {
      throw new IllegalArgumentException("no features");
    }
    SortedMap<Integer, Integer> sorted = new TreeMap<>(features);
    StringJoiner j = new StringJoiner(" ", "tools.capability.features ", "");
    sorted.forEach((index, value) -> j.add(index + "=" + value));
    return send(j.toString());
  }

  /** {@code tools.os.statechange.status <1|0> <state>}: the result of a power operation. */
  public RpciReply stateChangeStatus(boolean success, GuestOsState state) {
    Objects.requireNonNull(state, "state");
    return send("tools.os.statechange.status " + (success ? 1 : 0) + " " + state.id());
  }

  /** {@code vmx.capability.unified_loop <appName>}, sent after a reset. */
  public RpciReply unifiedLoop(String appName) {
    return send("vmx.capability.unified_loop " + checkName(appName));
  }

  /**
   * {@code SetGuestInfo <type> <value>}: note the two spaces, the command name followed by {@code "
   * <type> <value>"}.
   */
  public RpciReply setGuestInfo(int type, String value) {
    Objects.requireNonNull(value, "value");
    return send("SetGuestInfo  " + type + " " + value);
  }

  /** {@code machine.id.get}: the machine id from the VM's configuration. */
  public RpciReply machineId() {
    return send("machine.id.get");
  }

  static byte[] encode(String text, boolean trailingNul) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return trailingNul ? Arrays.copyOf(bytes, bytes.length + 1) : bytes;
  }

  private static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.indexOf(' ') >= 0 || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(String.format("not a name: \"%s\"", name));
    }
    return name;
  }

  @Override
  public String toString() {
    return "RpciClient{" + options + "}";
  }
}
