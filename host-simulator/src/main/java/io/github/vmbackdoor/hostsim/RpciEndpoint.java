package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The host's RPCI endpoint: handlers by command name, the stores the built-in handlers keep, and
 * the requests received. Each RPCI channel's session holds the reply waiting for its guest. Guarded
 * by the VirtualHost's lock.
 */
final class RpciEndpoint implements Endpoint {

  /** The reply to a command no handler knows (RPCI_UNKNOWN_COMMAND with the failure prefix). */
  static final String UNKNOWN_COMMAND = "0 Unknown command";

  private static final String GUESTINFO = "guestinfo.";

  private final String machineId;
  private final Supplier<Duration> hostTime;
  private final PowerOperations powerOperations;
  private final Map<String, RpciHandler> handlers = new HashMap<>();
  private final History<RpciRequest> requests;
  private long requestCount;
  private final GuestStore<String> guestInfo;
  private final GuestStore<String> capabilities;
  private final GuestStore<Integer> setGuestInfo;
  private final History<String> guestLog;
  private final History<String> unifiedLoopApps;
  private String toolsVersion;
  private String toolsVersionType;

  /**
   * @param hostTime the host time requests are stamped with
   * @param powerOperations the host's requested power operations, which state-change reports are
   *     matched to
   */
  RpciEndpoint(
      HostPolicy policy,
      String machineId,
      Supplier<Duration> hostTime,
      PowerOperations powerOperations) {
    int historyLimit = policy.historyLimit();
    long historyBytes = policy.historyBytesLimit();
    this.requests = new History<>(historyLimit, historyBytes, r -> 2 * History.weight(r.text()));
    this.guestLog = new History<>(historyLimit, historyBytes, History::weight);
    this.unifiedLoopApps = new History<>(historyLimit, historyBytes, History::weight);
    int storeLimit = policy.guestStoreLimit();
    long storeBytes = policy.guestStoreBytesLimit();
    this.guestInfo = new GuestStore<>(new TreeMap<>(), storeLimit, storeBytes, History::weight);
    this.capabilities =
        new GuestStore<>(new LinkedHashMap<>(), storeLimit, storeBytes, History::weight);
    this.setGuestInfo =
        new GuestStore<>(new TreeMap<>(), storeLimit, storeBytes, k -> History.OVERHEAD);
    this.hostTime = hostTime;
    this.machineId = machineId;
    this.powerOperations = powerOperations;
    installBuiltInHandlers();
  }

  @Override
  public int protocol() {
    return PROTOCOL_RPCI;
  }

  @Override
  public Session open(HostChannel channel) {
    return new RpciSession(channel.id);
  }

  /** One RPCI channel: a request in, its reply waiting until the guest has fetched it. */
  private final class RpciSession implements Session {
    private final int channelId;
    private byte[] pendingReply;

    RpciSession(int channelId) {
      this.channelId = channelId;
    }

    @Override
    public void message(byte[] message) {
      pendingReply = handle(channelId, hostTime.get(), message);
    }

    @Override
    public Offer offer() {
      return pendingReply == null ? null : new Offer(pendingReply, null);
    }

    @Override
    public void received() {
      pendingReply = null;
    }

    @Override
    public void ended() {}
  }

  void handler(String name, RpciHandler handler) {
    handlers.put(name, handler);
  }

  void putGuestInfo(String key, String value) {
    guestInfo.put(key, value);
  }

  /** Handles one complete request and returns the reply's bytes. */
  private byte[] handle(int channelId, Duration at, byte[] message) {
    RpciRequest request =
        RpciRequest.parse(channelId, at, new String(message, StandardCharsets.ISO_8859_1));
    requestCount++;
    requests.add(request);
    RpciHandler handler = handlerFor(request.command());
    String reply = handler != null ? handler.reply(request) : UNKNOWN_COMMAND;
    return reply.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The exact handler, else the one with the longest matching {@code prefix*} key, or null. */
  private RpciHandler handlerFor(String command) {
    RpciHandler exact = handlers.get(command);
    if (exact != null) {
      return exact;
    }
    RpciHandler best = null;
    int bestLength = -1;
    for (Map.Entry<String, RpciHandler> e : handlers.entrySet()) {
      String key = e.getKey();
      if (key.endsWith("*")) {
        String prefix = key.substring(0, key.length() - 1);
        if (command.startsWith(prefix) && prefix.length() > bestLength) {
          best = e.getValue();
          bestLength = prefix.length();
        }
      }
    }
    return best;
  }

  // ---- introspection ----

  List<RpciRequest> requests() {
    return requests.items();
  }

  long requestCount() {
    return requestCount;
  }

  Map<String, String> guestInfo() {
    return guestInfo.snapshot();
  }

  Map<String, String> capabilities() {
    return capabilities.snapshot();
  }

  Map<Integer, String> setGuestInfo() {
    return setGuestInfo.snapshot();
  }

  List<String> guestLog() {
    return guestLog.items();
  }

  List<String> unifiedLoopApps() {
    return unifiedLoopApps.items();
  }

  Optional<String> toolsVersion() {
    return Optional.ofNullable(toolsVersion);
  }

  Optional<String> toolsVersionType() {
    return Optional.ofNullable(toolsVersionType);
  }

  // ---- built-in handlers ----

  private void installBuiltInHandlers() {
    handlers.put(
        "info-get",
        req -> {
          String key = req.arguments().trim();
          String value = guestInfo.get(key);
          return key.startsWith(GUESTINFO) && value != null ? "1 " + value : "0 No value found";
        });
    handlers.put(
        "info-set",
        req -> {
          String args = req.arguments();
          int space = args.indexOf(' ');
          if (space < 0 || space == args.length() - 1) {
            return "0 Two and exactly two arguments expected";
          }
          String key = args.substring(0, space);
          String value = args.substring(space + 1);
          if (!key.startsWith(GUESTINFO)) {
            return "0 Permission denied";
          }
          String refusal = guestInfo.refusal(key, value);
          if (refusal != null) {
            return "0 " + refusal + " guestinfo variables";
          }
          guestInfo.put(key, value);
          return "1 ";
        });
    handlers.put(
        "log",
        req -> {
          guestLog.add(req.arguments());
          return "1 ";
        });
    handlers.put(
        "tools.set.version",
        req -> {
          toolsVersion = req.arguments().trim();
          return "1 ";
        });
    handlers.put(
        "tools.set.versiontype",
        req -> {
          String[] parts = req.arguments().trim().split(" +");
          toolsVersion = parts[0];
          toolsVersionType = parts.length > 1 ? parts[1] : null;
          return "1 ";
        });
    handlers.put(
        "tools.capability.*",
        req -> {
          String name = req.command().substring("tools.capability.".length());
          String refusal = capabilities.refusal(name, req.arguments());
          if (refusal != null) {
            return "0 " + refusal + " capabilities";
          }
          capabilities.put(name, req.arguments());
          return "1 ";
        });
    handlers.put(
        "vmx.capability.unified_loop",
        req -> {
          unifiedLoopApps.add(req.arguments().trim());
          return "1 ";
        });
    handlers.put("tools.os.statechange.status", this::stateChangeStatus);
    handlers.put(
        "SetGuestInfo",
        req -> {
          // "SetGuestInfo  <type> <value>": the arguments start with the second space
          String args =
              req.arguments().startsWith(" ") ? req.arguments().substring(1) : req.arguments();
          int space = args.indexOf(' ');
          String type = space < 0 ? args : args.substring(0, space);
          int typeNumber;
          try {
            typeNumber = Integer.parseInt(type);
          } catch (NumberFormatException e) {
            return "0 Invalid arguments";
          }
          String value = space < 0 ? "" : args.substring(space + 1);
          String refusal = setGuestInfo.refusal(typeNumber, value);
          if (refusal != null) {
            return "0 " + refusal + " guest info types";
          }
          setGuestInfo.put(typeNumber, value);
          return "1 ";
        });
    handlers.put("machine.id.get", req -> "1 " + machineId);
  }

  /**
   * {@code tools.os.statechange.status <0|1> <state>}: matched to the oldest unreported request.
   */
  private String stateChangeStatus(RpciRequest req) {
    String[] parts = req.arguments().trim().split(" +");
    if (parts.length != 2 || !(parts[0].equals("0") || parts[0].equals("1"))) {
      return "0 Invalid arguments";
    }
    int state;
    try {
      state = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      return "0 Invalid arguments";
    }
    powerOperations.reported(state, parts[0].equals("1"));
    return "1 ";
  }
}
