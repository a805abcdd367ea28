package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;

import io.github.vmbackdoor.hostsim.internal.Printable;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The host's RPCI endpoint: handlers by command name, the stores the built-in handlers keep, and
 * the requests received. Each RPCI channel's session holds the reply waiting for its guest. Guarded
 * by the VirtualHost's lock.
 */
final class RpciEndpoint implements Endpoint {

  /** The reply to a command no handler knows (RPCI_UNKNOWN_COMMAND with the failure prefix). */
  static final String UNKNOWN_COMMAND = "0 Unknown command";

  private static final String GUESTINFO = "guestinfo.";

  /**
   * The host's message server and channel table (one object), which holds the host's uptime and
   * policy, the VM's identity, and the TCLO endpoint, where state-change reports go to be matched
   * to the power operations the host requested.
   */
  private final ChannelTable table;

  private static final Map<String, BuiltIn> BUILT_INS = builtInHandlers();

  /** Requests parsed from their bytes, the built-ins' names shared. */
  private static final RpciRequestParser PARSER = new RpciRequestParser(BUILT_INS.keySet());

  /** The requests, the guest's log lines and the unified-loop applications kept: maybe none. */
  private final Histories histories;

  private long requestCount;

  /**
   * The endpoint's three histories, bounded alike by the policy: in an object of their own, one
   * shared by every host whose policy keeps none ({@link #NONE}), so that such a host holds one
   * reference for them.
   */
  private static final class Histories {
    static final Histories NONE = new Histories(0, 0);

    final History<RpciRequest> requests;
    final History<String> guestLog;
    final History<String> unifiedLoopApps;

    private Histories(int limit, long bytes) {
      requests = History.of(limit, bytes, r -> 2 * History.weight(r.text()));
      guestLog = History.of(limit, bytes, History::weight);
      unifiedLoopApps = History.of(limit, bytes, History::weight);
    }

    static Histories of(HostPolicy policy) {
      return policy.historyLimit() <= 0
          ? NONE
          : new Histories(policy.historyLimit(), policy.historyBytesLimit());
    }
  }

  /**
   * What the guest reported, who waits for requests and the handlers installed: made with the first
   * of them.
   */
  private Reported reported;

  /**
   * What few guests report, the takers waiting for a request, and the handlers installed on the
   * host: in an object of their own, made with the first, so that a host whose guest only polls
   * holds one reference for them all.
   */
  private static final class Reported {
    /** The handlers installed on this host, over the built-ins; allocated with the first. */
    Map<String, RpciHandler> handlers = Map.of();

    // Who waits for the next request (RpciJournal's takers).
    List<Runnable> waiters;
    // The stores are made with their first value, as most guests fill few of them or none.
    GuestStore<String> guestInfo;
    GuestStore<String> capabilities;
    GuestStore<Integer> setGuestInfo;
    String toolsVersion;
    String toolsVersionType;

    /** The last {@code SetGuestDiskInfo} document, or null. */
    String diskInfoJson;
  }

  private Reported reported() {
    if (reported == null) {
      reported = new Reported();
    }
    return reported;
  }

  /**
   * @param table the host's message server and channel table, which holds the host's policy, the
   *     VM's identity and the uptime requests are stamped with
   */
  RpciEndpoint(ChannelTable table) {
    this.histories = Histories.of(table.policy());
    this.table = table;
  }

  @Override
  public int protocol() {
    return PROTOCOL_RPCI;
  }

  @Override
  public HostChannel open(int id, int cookieHigh, int cookieLow, long nanos) {
    return new RpciChannel(id, cookieHigh, cookieLow, nanos);
  }

  /** One RPCI channel: a request in, its reply waiting until the guest has fetched it. */
  private final class RpciChannel extends HostChannel {
    private byte[] pendingReply;

    RpciChannel(int id, int cookieHigh, int cookieLow, long nanos) {
      super(id, cookieHigh, cookieLow, nanos);
    }

    @Override
    int protocol() {
      return PROTOCOL_RPCI;
    }

    @Override
    public String message(byte[] message) {
      pendingReply = handle(id, time().now(), message);
      return null;
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
    Reported r = reported();
    if (r.handlers.isEmpty()) {
      r.handlers = new HashMap<>();
    }
    r.handlers.put(name, handler);
  }

  /** The handlers installed on this host (most hosts: none). */
  private Map<String, RpciHandler> handlers() {
    return reported == null ? Map.of() : reported.handlers;
  }

  /** The host's policy, which its channel table holds. */
  private HostPolicy policy() {
    return table.policy();
  }

  /** The host's uptime, which its channel table holds. */
  private HostUptime time() {
    return table.time();
  }

  void putGuestInfo(String key, String value) {
    guestInfoStore().putByHost(key, value);
  }

  private GuestStore<String> guestInfoStore() {
    Reported r = reported();
    if (r.guestInfo == null) {
      r.guestInfo =
          new GuestStore<>(
              new TreeMap<>(),
              policy().guestStoreLimit(),
              policy().guestStoreBytesLimit(),
              String::length);
    }
    return r.guestInfo;
  }

  private GuestStore<String> capabilityStore() {
    Reported r = reported();
    if (r.capabilities == null) {
      r.capabilities =
          new GuestStore<>(
              new LinkedHashMap<>(),
              policy().guestStoreLimit(),
              policy().guestStoreBytesLimit(),
              String::length);
    }
    return r.capabilities;
  }

  private GuestStore<Integer> setGuestInfoStore() {
    Reported r = reported();
    if (r.setGuestInfo == null) {
      r.setGuestInfo =
          new GuestStore<>(
              new TreeMap<>(),
              policy().guestStoreLimit(),
              policy().guestStoreBytesLimit(),
              k -> String.valueOf(k).length());
    }
    return r.setGuestInfo;
  }

  /** The guestinfo value under {@code key}, or null. */
  String guestInfo(String key) {
    return reported == null || reported.guestInfo == null ? null : reported.guestInfo.get(key);
  }

  /** Handles one complete request and returns the reply's bytes. */
  private byte[] handle(int channelId, Duration at, byte[] message) {
    RpciRequest request = PARSER.parse(channelId, at, message);
    requestCount++;
    histories.requests.add(request);
    if (reported != null && reported.waiters != null) {
      wakeWaiters();
    }
    String reply = reply(request);
    return reply.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A built-in handler: the reply of {@code endpoint} to {@code request}. */
  private interface BuiltIn {
    String reply(RpciEndpoint endpoint, RpciRequest request);
  }

  /**
   * The reply of the handler for the request's command: the exact name, else the longest matching
   * {@code prefix*} key; a handler installed on the host comes before a built-in of the same name.
   */
  private String reply(RpciRequest request) {
    String command = request.command();
    Map<String, RpciHandler> handlers = handlers();
    RpciHandler exact = handlers.get(command);
    if (exact != null) {
      return exact.reply(request);
    }
    if (!policy().profile().knows(command)) {
      return UNKNOWN_COMMAND;
    }
    BuiltIn builtIn = BUILT_INS.get(command);
    if (builtIn != null) {
      return builtIn.reply(this, request);
    }
    Map.Entry<String, RpciHandler> custom = longestPrefix(handlers, command);
    Map.Entry<String, BuiltIn> shared = longestPrefix(BUILT_INS, command);
    if (custom != null
        && (shared == null || custom.getKey().length() >= shared.getKey().length())) {
      return custom.getValue().reply(request);
    }
    return shared != null ? shared.getValue().reply(this, request) : UNKNOWN_COMMAND;
  }

  /** The entry with the longest {@code prefix*} key that {@code command} starts with, or null. */
  private static <H> Map.Entry<String, H> longestPrefix(Map<String, H> map, String command) {
    Map.Entry<String, H> best = null;
    for (Map.Entry<String, H> e : map.entrySet()) {
      String key = e.getKey();
      if (key.endsWith("*")
          && command.startsWith(key.substring(0, key.length() - 1))
          && (best == null || key.length() > best.getKey().length())) {
        best = e;
      }
    }
    return best;
  }

  // ---- introspection ----

  List<RpciRequest> requests() {
    return histories.requests.items();
  }

  long requestCount() {
    return requestCount;
  }

  /** How many requests the history keeps now. */
  int requestsKept() {
    return histories.requests.size();
  }

  /** The kept request {@code back} places before the newest (0 is the newest). */
  RpciRequest request(long back) {
    return histories.requests.fromNewest(back);
  }

  /**
   * Runs {@code wake} once more than {@code after} requests have come (at once when they have).
   *
   * @return what forgets {@code wake} if it has not run yet
   */
  Runnable whenRequestAfter(long after, Runnable wake) {
    if (requestCount > after) {
      wake.run();
      return () -> {};
    }
    Reported r = reported();
    if (r.waiters == null) {
      r.waiters = new ArrayList<>();
    }
    r.waiters.add(wake);
    return () -> {
      if (r.waiters != null) {
        r.waiters.remove(wake);
      }
    };
  }

  /** Wakes every waiter once: a request came. */
  private void wakeWaiters() {
    List<Runnable> woken = reported.waiters;
    reported.waiters = null;
    for (Runnable w : woken) {
      try {
        w.run();
      } catch (RuntimeException e) {
        // a waiter whose taker went away (its executor shut down) wakes no one
      }
    }
  }

  Map<String, String> guestInfo() {
    return GuestStore.snapshot(reported == null ? null : reported.guestInfo);
  }

  Map<String, String> capabilities() {
    return GuestStore.snapshot(reported == null ? null : reported.capabilities);
  }

  Map<Integer, String> setGuestInfo() {
    return GuestStore.snapshot(reported == null ? null : reported.setGuestInfo);
  }

  List<String> guestLog() {
    return histories.guestLog.items();
  }

  List<String> unifiedLoopApps() {
    return histories.unifiedLoopApps.items();
  }

  Optional<String> toolsVersion() {
    return Optional.ofNullable(reported == null ? null : reported.toolsVersion);
  }

  Optional<String> toolsVersionType() {
    return Optional.ofNullable(reported == null ? null : reported.toolsVersionType);
  }

  Optional<String> diskInfoJson() {
    return Optional.ofNullable(reported == null ? null : reported.diskInfoJson);
  }

  /** What the Guest API answers from now. */
  private GuestLib.Facts guestLibFacts() {
    return new GuestLib.Facts(
        table.identity().guestApi(), table.identity(), table.uuid(), time().now());
  }

  // ---- built-in handlers ----

  /** The built-in handlers, shared by every host: each answers on the endpoint it is given. */
  private static Map<String, BuiltIn> builtInHandlers() {
    Map<String, BuiltIn> b = new HashMap<>();
    b.put(
        "info-get",
        (e, req) -> {
          String key = req.arguments().trim();
          String value = e.guestInfo(key);
          return key.startsWith(GUESTINFO) && value != null ? "1 " + value : "0 No value found";
        });
    b.put(
        "info-set",
        (e, req) -> {
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
          GuestStore<String> store = e.guestInfoStore();
          String refusal = store.refusal(key, value);
          if (refusal != null) {
            return "0 " + refusal + " guestinfo variables";
          }
          store.putByGuest(key, value);
          return "1 ";
        });
    b.put(
        "log",
        (e, req) -> {
          e.histories.guestLog.add(req.arguments());
          return "1 ";
        });
    b.put(
        "tools.set.version",
        (e, req) -> {
          e.reported().toolsVersion = req.arguments().trim();
          return "1 ";
        });
    b.put(
        "tools.set.versiontype",
        (e, req) -> {
          String[] parts = req.arguments().trim().split(" +");
          e.reported().toolsVersion = parts[0];
          e.reported().toolsVersionType = parts.length > 1 ? parts[1] : null;
          return "1 ";
        });
    b.put(
        "tools.capability.*",
        (e, req) -> {
          String name = req.command().substring("tools.capability.".length());
          GuestStore<String> store = e.capabilityStore();
          String refusal = store.refusal(name, req.arguments());
          if (refusal != null) {
            return "0 " + refusal + " capabilities";
          }
          store.putByGuest(name, req.arguments());
          return "1 ";
        });
    b.put(
        "vmx.capability.unified_loop",
        (e, req) -> {
          e.histories.unifiedLoopApps.add(req.arguments().trim());
          return "1 ";
        });
    b.put("tools.os.statechange.status", RpciEndpoint::stateChangeStatus);
    b.put(
        "SetGuestInfo",
        (e, req) -> {
          // "SetGuestInfo  <type> <value>": the arguments start with the second space; a binary
          // value (NIC lists, disks, memory, the detailed OS) keeps its trailing NULs
          String raw = req.rawArguments();
          String args = raw.startsWith(" ") ? raw.substring(1) : raw;
          int space = args.indexOf(' ');
          String type = GuestReports.text(space < 0 ? args : args.substring(0, space));
          int typeNumber;
          try {
            typeNumber = Integer.parseInt(type);
          } catch (NumberFormatException notANumber) {
            return "0 Invalid arguments";
          }
          if (!e.policy().profile().takesGuestInfoType(typeNumber)) {
            return "0 Unknown guest info type " + typeNumber;
          }
          String value = space < 0 ? "" : args.substring(space + 1);
          if (!GuestReports.isBinary(typeNumber)) {
            value = GuestReports.text(value);
          }
          GuestStore<Integer> store = e.setGuestInfoStore();
          String refusal = store.refusal(typeNumber, value);
          if (refusal != null) {
            return "0 " + refusal + " guest info types";
          }
          store.putByGuest(typeNumber, value);
          return "1 ";
        });
    b.put(
        "SetGuestDiskInfo",
        (e, req) -> {
          String json = req.arguments();
          try {
            GuestReports.disksJson(json);
          } catch (IllegalArgumentException bad) {
            return "0 " + bad.getMessage();
          }
          e.reported().diskInfoJson = json;
          return "1 ";
        });
    b.put(
        "guestlib.info.get",
        (e, req) ->
            new String(
                GuestLib.infoGet(req.arguments(), e.guestLibFacts()), StandardCharsets.ISO_8859_1));
    b.put("guestlib.stat.get", (e, req) -> GuestLib.statGet(req.arguments(), e.guestLibFacts()));
    b.put("vmx.capability.dnd_version", (e, req) -> "1 " + DND_VERSION);
    b.put("vmx.capability.copypaste_version", (e, req) -> "1 " + DND_VERSION);
    b.put("vmx.capability.tools_is_upgradable", (e, req) -> "1 0");
    b.put("vmx.set_option", RpciEndpoint::setOption);
    b.put("deployPkg.update.state", RpciEndpoint::deployPkgState);
    // Reports the tools send and expect no more than success for; kept in rpciRequests().
    for (String report :
        List.of(
            "vmbackup.eventSet",
            "tools.vmsupport.status",
            "guest.log.state",
            "guest.log.text",
            "guest.deviceHelper.config_done",
            "guestStore.accessEnabled")) {
      b.put(report, (e, req) -> "1 ");
    }
    b.put("machine.id.get", (e, req) -> "1 " + e.table.identity().machineId());
    return Map.copyOf(b);
  }

  /** The DnD and copy-paste protocol version the host offers ({@code vmx.capability.*}). */
  static final int DND_VERSION = 4;

  /**
   * {@code vmx.set_option <option> <old> <new>} (vmware-toolbox-cmd's timesync enable and disable
   * send {@code synctime}): the host's time synchronisation follows the new value.
   */
  private String setOption(RpciRequest req) {
    String[] parts = req.arguments().trim().split(" +");
    if (parts.length != 3 || !(parts[2].equals("0") || parts[2].equals("1"))) {
      return "0 Invalid arguments";
    }
    if (!parts[0].equals("synctime")) {
      return "0 Unknown option " + Printable.of(parts[0]);
    }
    CommandPortAnswers.timeSync(table, parts[2].equals("1"));
    return "1 ";
  }

  /** {@code GUESTCUST_EVENT_ENABLE_NICS} (lib/include/vmware/guestrpc/guestcust-events.h). */
  static final int ENABLE_NICS = 103;

  /** {@code GUESTCUST_EVENT_QUERY_NICS} (the same header). */
  static final int QUERY_NICS = 104;

  /**
   * {@code deployPkg.update.state <state> [<code> <text>]}: guest customisation's progress, kept in
   * {@link HostRecords#rpciRequests()} and answered {@code 1 }, except the two NIC events of
   * libDeployPkg/linuxDeployment.c ({@code TryToEnableNics}): ENABLE_NICS connects the network
   * adapters and answers {@code queryNicsSupported}, which the tools require before they poll
   * QUERY_NICS, answered {@code connected} once every adapter is (else {@code disconnected}).
   */
  private String deployPkgState(RpciRequest req) {
    String[] parts = req.arguments().trim().split(" +", 3);
    int code;
    try {
      code = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    } catch (NumberFormatException e) {
      return "1 ";
    }
    if (code == ENABLE_NICS) {
      CommandPortAnswers.connectNetworkAdapters(table);
      return "1 queryNicsSupported";
    }
    if (code == QUERY_NICS) {
      return CommandPortAnswers.networkAdaptersConnected(table.identity())
          ? "1 connected"
          : "1 disconnected";
    }
    return "1 ";
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
    table.powerReports().reported(state, parts[0].equals("1"));
    return "1 ";
  }
}
