package io.github.vmbackdoor.hostsim.settings;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.core.VmxVersion;
import io.github.vmbackdoor.hostsim.internal.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The rows of {@link HostSetting#ALL}: each host setting's name, aliases, values and description,
 * and how its value is read from and written to text. Only {@link HostSetting} reads it.
 */
final class HostSettingTable {

  private static final String BOOLEAN = "true or false";
  private static final String COUNT = "0 or more";
  private static final String BYTES = "0 or more bytes";
  private static final String NEVER = "never";
  private static final String FROM_SEED = "from-seed";
  private static final Part<HostPolicy> POLICY =
      new Part<>(HostSettings::policy, HostSettings::withPolicy);
  private static final Part<HostIdentity> IDENTITY =
      new Part<>(HostSettings::identity, HostSettings::withIdentity);

  /** Every host setting: policies first, then identity, in the order scenario files write them. */
  static final ImmutableList<HostSetting> ROWS =
      ImmutableList.of(
          of(
              POLICY,
              "channelTableSize",
              List.of("channels"),
              "1 to 65536",
              "channel table size: 128 like current hosts, 8 like old ones",
              Integer::parseInt,
              String::valueOf,
              HostPolicy::channelTableSize,
              HostPolicy::withChannelTableSize),
          of(
              POLICY,
              "rejectUnsolicitedTcloReplies",
              List.of("rejectUnsolicitedReplies", "reject-unsolicited-replies"),
              BOOLEAN,
              "a TCLO reply with no command outstanding is refused at its SENDSIZE",
              HostSettingTable::bool,
              String::valueOf,
              HostPolicy::rejectUnsolicitedTcloReplies,
              HostPolicy::withRejectUnsolicitedTcloReplies),
          of(
              POLICY,
              "refusalRegisters",
              List.of(),
              "zero or as-loaded",
              "what eax holds when a message call on the command port is refused: 0, as a real"
                  + " host answers, or the magic the guest loaded",
              RefusalRegisters::parse,
              RefusalRegisters::keyword,
              HostPolicy::refusalRegisters,
              HostPolicy::withRefusalRegisters),
          of(
              POLICY,
              "resetAfterUnsolicitedReply",
              List.of(),
              BOOLEAN,
              "a TCLO channel whose first message was a reply nobody asked for has its next empty"
                  + " ping refused and \"reset\" queued, once",
              HostSettingTable::bool,
              String::valueOf,
              HostPolicy::resetAfterUnsolicitedReply,
              HostPolicy::withResetAfterUnsolicitedReply),
          of(
              POLICY,
              "highBandwidth",
              List.of("high-bandwidth"),
              BOOLEAN,
              "the host offers the high-bandwidth port",
              HostSettingTable::bool,
              String::valueOf,
              HostPolicy::highBandwidth,
              HostPolicy::withHighBandwidth),
          of(
              POLICY,
              "cookies",
              List.of(),
              BOOLEAN,
              "an OPEN with the cookie flag is accepted (false: an old host)",
              HostSettingTable::bool,
              String::valueOf,
              HostPolicy::cookies,
              HostPolicy::withCookies),
          of(
              POLICY,
              "guestMessageLimit",
              List.of(),
              "0 to " + HostPolicy.MAX_GUEST_MESSAGE_LIMIT + " bytes",
              "the longest message a guest may send; a longer SENDSIZE is refused",
              Integer::parseInt,
              String::valueOf,
              HostPolicy::guestMessageLimit,
              HostPolicy::withGuestMessageLimit),
          of(
              POLICY,
              "idleTimeout",
              List.of("idle-timeout"),
              "a positive duration (500ms, 30s, 1h30m, PT30S) or never",
              "channels idle for longer are closed",
              HostSettingTable::idleTimeout,
              v -> v.map(Durations::format).orElse(NEVER),
              HostPolicy::idleTimeout,
              HostPolicy::withIdleTimeout),
          of(
              POLICY,
              "tcloTakeover",
              List.of("tclo-takeover"),
              "host-closed, cookies-invalid or refuse-newer",
              "which TCLO channel of an application loses when a newer one claims it: the older"
                  + " (closed or forgotten) or the newer (refused)",
              TcloTakeover::parse,
              TcloTakeover::keyword,
              HostPolicy::tcloTakeover,
              HostPolicy::withTcloTakeover),
          of(
              POLICY,
              "callLogLimit",
              List.of(),
              COUNT,
              "how many calls the call log keeps (0: none)",
              Integer::parseInt,
              String::valueOf,
              HostPolicy::callLogLimit,
              HostPolicy::withCallLogLimit),
          of(
              POLICY,
              "historyLimit",
              List.of(),
              COUNT,
              "how many RPCI requests, TCLO exchanges and log lines are kept",
              Integer::parseInt,
              String::valueOf,
              HostPolicy::historyLimit,
              HostPolicy::withHistoryLimit),
          of(
              POLICY,
              "historyBytesLimit",
              List.of(),
              BYTES,
              "how many bytes each history (call log included) keeps, oldest dropped first",
              Long::parseLong,
              String::valueOf,
              HostPolicy::historyBytesLimit,
              HostPolicy::withHistoryBytesLimit),
          of(
              POLICY,
              "guestStoreLimit",
              List.of(),
              COUNT,
              "how many names a guest may store in guestinfo, capabilities and SetGuestInfo",
              Integer::parseInt,
              String::valueOf,
              HostPolicy::guestStoreLimit,
              HostPolicy::withGuestStoreLimit),
          of(
              POLICY,
              "guestStoreBytesLimit",
              List.of(),
              BYTES,
              "how many bytes of names and values a guest may store in each guest store",
              Long::parseLong,
              String::valueOf,
              HostPolicy::guestStoreBytesLimit,
              HostPolicy::withGuestStoreBytesLimit),
          of(
              POLICY,
              "tcloQueueLimit",
              List.of(),
              COUNT,
              "how many TCLO commands may wait to be delivered; more are refused",
              Integer::parseInt,
              String::valueOf,
              HostPolicy::tcloQueueLimit,
              HostPolicy::withTcloQueueLimit),
          of(
              POLICY,
              "tcloQueueBytesLimit",
              List.of(),
              BYTES,
              "how many bytes of TCLO commands may wait to be delivered",
              Long::parseLong,
              String::valueOf,
              HostPolicy::tcloQueueBytesLimit,
              HostPolicy::withTcloQueueBytesLimit),
          new HostSetting(
              "profile",
              List.of(),
              "esxi-8, esxi-older or workstation",
              "the kind of host: product, hardware version and the requests it knows (sets"
                  + " productType and hardwareVersion too)",
              (s, text) -> {
                HostProfile p = HostProfile.parse(text);
                return s.withPolicy(s.policy().withProfile(p))
                    .withIdentity(p.applyTo(s.identity()));
              },
              s -> s.policy().profile().keyword()),
          of(
              POLICY,
              "toolsConversation",
              List.of(),
              BOOLEAN,
              "the host pings the tools and registers their capabilities after each reset reply",
              HostSettingTable::bool,
              String::valueOf,
              HostPolicy::toolsConversation,
              HostPolicy::withToolsConversation),
          of(
              POLICY,
              "heartbeatInterval",
              List.of(),
              "a positive duration of at most a day",
              "how often the host pings the tools while nothing else is queued",
              HostSettingTable::positive,
              Durations::format,
              HostPolicy::heartbeatInterval,
              HostPolicy::withHeartbeatInterval),
          of(
              POLICY,
              "heartbeatTimeout",
              List.of(),
              "a positive duration of at most a day",
              "how long after their last answer the tools count as not running",
              HostSettingTable::positive,
              Durations::format,
              HostPolicy::heartbeatTimeout,
              HostPolicy::withHeartbeatTimeout),
          of(
              POLICY,
              "broadcastIp",
              List.of(),
              BOOLEAN,
              "the host asks the tools for their IP address (Set_Option broadcastIP 1)",
              HostSettingTable::bool,
              String::valueOf,
              HostPolicy::broadcastIp,
              HostPolicy::withBroadcastIp),
          of(
              IDENTITY,
              "uuid",
              List.of(),
              "a UUID or " + FROM_SEED,
              "the BIOS UUID that GETUUID returns",
              HostSettingTable::uuid,
              v -> v.map(UUID::toString).orElse(FROM_SEED),
              HostIdentity::uuid,
              HostIdentity::withUuid),
          of(
              IDENTITY,
              "memoryMb",
              List.of(),
              "a positive integer",
              "guest memory in MB (GETMEMSIZE)",
              Integer::parseInt,
              String::valueOf,
              HostIdentity::memoryMb,
              HostIdentity::withMemoryMb),
          of(
              IDENTITY,
              "mhz",
              List.of(),
              "a positive integer",
              "CPU speed in MHz (GETMHZ)",
              Integer::parseInt,
              String::valueOf,
              HostIdentity::mhz,
              HostIdentity::withMhz),
          of(
              IDENTITY,
              "hardwareVersion",
              List.of(),
              "an integer",
              "virtual hardware version (GETHWVERSION)",
              Integer::parseInt,
              String::valueOf,
              HostIdentity::hardwareVersion,
              HostIdentity::withHardwareVersion),
          of(
              IDENTITY,
              "productType",
              List.of(),
              "esx, workstation or a number",
              "the product in GETVERSION's ecx",
              HostSettingTable::productType,
              HostSettingTable::productTypeText,
              HostIdentity::productType,
              HostIdentity::withProductType),
          of(
              IDENTITY,
              "vmxVersion",
              List.of(),
              "an integer",
              "GETVERSION's eax (6, the only value guests accept)",
              Integer::decode,
              String::valueOf,
              HostIdentity::vmxVersion,
              HostIdentity::withVmxVersion),
          of(
              IDENTITY,
              "apicHz",
              List.of(),
              "an integer",
              "APIC bus frequency in Hz (GETHZ's ecx)",
              Long::parseLong,
              String::valueOf,
              HostIdentity::apicHz,
              HostIdentity::withApicHz),
          of(
              IDENTITY,
              "maxTimeLagMicros",
              List.of(),
              "an integer",
              "max time lag in microseconds (GETTIME's ecx)",
              Integer::parseInt,
              String::valueOf,
              HostIdentity::maxTimeLagMicros,
              HostIdentity::withMaxTimeLagMicros),
          of(
              IDENTITY,
              "interruptLagMicros",
              List.of(),
              "an integer",
              "interrupt lag in microseconds (GETTIMEFULL_WITH_LAG's edi)",
              Integer::parseInt,
              String::valueOf,
              HostIdentity::interruptLagMicros,
              HostIdentity::withInterruptLagMicros),
          of(
              IDENTITY,
              "machineId",
              List.of(),
              "text",
              "what machine.id.get answers after \"1 \"",
              v -> v,
              v -> v,
              HostIdentity::machineId,
              HostIdentity::withMachineId),
          of(
              IDENTITY,
              "timeSync",
              List.of(),
              BOOLEAN,
              "the VM has the tools synchronise the guest's clock (GETGUIOPTIONS, Set_Option"
                  + " synctime)",
              HostSettingTable::bool,
              String::valueOf,
              HostIdentity::timeSync,
              HostIdentity::withTimeSync),
          of(
              IDENTITY,
              "devices",
              List.of(),
              "NAME=enabled|disabled,... or none",
              "the devices the guest may connect (GETDEVICELISTELEMENT, TOGGLEDEVICE)",
              RemovableDevice::parse,
              RemovableDevice::format,
              HostIdentity::devices,
              HostIdentity::withDevices),
          of(
              IDENTITY,
              "guestApi",
              List.of(),
              "NAME=NUMBER,... (guestlibV3.x names, sessionId) or defaults",
              "what the Guest API (guestlib.info.get) answers, e.g. memBalloonedMB=512",
              GuestApiValues::parse,
              GuestApiValues::format,
              HostIdentity::guestApi,
              HostIdentity::withGuestApi));

  private HostSettingTable() {}

  /** One part of the settings: the policy or the identity. */
  private record Part<P>(
      Function<HostSettings, P> get, BiFunction<HostSettings, P, HostSettings> with) {}

  private static <P, T> HostSetting of(
      Part<P> part,
      String name,
      List<String> aliases,
      String values,
      String description,
      Function<String, T> read,
      Function<T, String> write,
      Function<P, T> get,
      BiFunction<P, T, P> with) {
    return new HostSetting(
        name,
        aliases,
        values,
        description,
        (s, text) -> part.with().apply(s, with.apply(part.get().apply(s), read.apply(text))),
        s -> write.apply(get.apply(part.get().apply(s))));
  }

  private static boolean bool(String v) {
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("not a boolean");
    };
  }

  private static Optional<Duration> idleTimeout(String v) {
    if (v.equals(NEVER)) {
      return Optional.empty();
    }
    Duration d = Durations.parse(v);
    Preconditions.checkArgument(!d.isZero(), "must be positive");
    return Optional.of(d);
  }

  private static Duration positive(String v) {
    Duration d = Durations.parse(v);
    Preconditions.checkArgument(!d.isZero() && !d.isNegative(), "must be positive");
    return d;
  }

  private static Optional<UUID> uuid(String v) {
    if (v.equals(FROM_SEED)) {
      return Optional.empty();
    }
    UUID uuid = UUID.fromString(v);
    Preconditions.checkArgument(uuid.toString().equalsIgnoreCase(v), "not in canonical form");
    return Optional.of(uuid);
  }

  private static int productType(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "esx" -> VmxVersion.ProductType.SCALABLE_SERVER.code();
      case "workstation" -> VmxVersion.ProductType.WORKSTATION.code();
      default -> Integer.decode(v);
    };
  }

  private static String productTypeText(int code) {
    if (code == VmxVersion.ProductType.SCALABLE_SERVER.code()) {
      return "esx";
    }
    if (code == VmxVersion.ProductType.WORKSTATION.code()) {
      return "workstation";
    }
    return String.valueOf(code);
  }
}
