package io.github.vmbackdoor.hostsim.settings;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedMap;
import io.github.vmbackdoor.hostsim.internal.Printable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The values the VM's settings give the VMware Guest API ({@code guestlib.info.get}): what {@code
 * vmware-toolbox-cmd stat balloon}, {@code stat memres}, {@code stat sessionid} and the other
 * {@code stat} commands print. Each is named as open-vm-tools' libguestlib/guestlibV3.x names its
 * statistic ({@code memBalloonedMB}, {@code cpuLimitMHz}, ...), plus {@code sessionId}; a value not
 * given takes the default listed in docs/host-model.md (§4.4), which the host draws from its
 * identity (memory, MHz, UUID) and time.
 *
 * @param values the values given, by name
 */
public record GuestApiValues(ImmutableSortedMap<String, Long> values) {

  /**
   * The statistics of the Guest API in the order of their ids, 1 to 38, named as
   * libguestlib/guestlibV3.x names them ({@code GuestLibV3TypeIds}).
   */
  public static final ImmutableList<String> STATISTICS =
      ImmutableList.of(
          "cpuReservationMHz",
          "cpuLimitMHz",
          "cpuShares",
          "cpuUsedMs",
          "hostMHz",
          "memReservationMB",
          "memLimitMB",
          "memShares",
          "memMappedMB",
          "memActiveMB",
          "memOverheadMB",
          "memBalloonedMB",
          "memSwappedMB",
          "memSharedMB",
          "memSharedSavedMB",
          "memUsedMB",
          "elapsedMs",
          "resourcePoolPath",
          "cpuStolenMs",
          "memTargetSizeMB",
          "hostCpuNumCores",
          "hostCpuUsedMs",
          "hostMemSwappedMB",
          "hostMemSharedMB",
          "hostMemUsedMB",
          "hostMemPhysMB",
          "hostMemPhysFreeMB",
          "hostMemKernOvhdMB",
          "hostMemMappedMB",
          "hostMemUnmappedMB",
          "memZippedMB",
          "memZipSavedMB",
          "memLLSwappedMB",
          "memSwapTargetMB",
          "memBalloonTargetMB",
          "memBalloonMaxMB",
          "resourcePoolPathLong",
          "memShares64");

  /** The session id's name among the values. */
  public static final String SESSION_ID = "sessionId";

  /** The names a value may be given under: {@code sessionId} and the numeric statistics. */
  public static final ImmutableList<String> NAMES =
      ImmutableList.<String>builder()
          .add(SESSION_ID)
          .addAll(
              STATISTICS.stream()
                  .filter(n -> !n.startsWith("resourcePoolPath"))
                  .collect(ImmutableList.toImmutableList()))
          .build();

  /** No value given: every statistic at its default. */
  public static final GuestApiValues DEFAULTS = new GuestApiValues(ImmutableSortedMap.of());

  /** Checks every name and value. */
  public GuestApiValues {
    Preconditions.checkNotNull(values, "values");
    for (Map.Entry<String, Long> e : values.entrySet()) {
      Preconditions.checkArgument(
          NAMES.contains(e.getKey()),
          "no Guest API value is named %s (known: %s)",
          Printable.of(e.getKey()),
          String.join(", ", NAMES));
      Preconditions.checkArgument(
          e.getValue() >= 0, "%s must not be negative: %s", e.getKey(), e.getValue());
    }
  }

  /** A copy with {@code name} set to {@code value}. */
  public GuestApiValues with(String name, long value) {
    Map<String, Long> m = new TreeMap<>(values);
    m.put(name, value);
    return new GuestApiValues(ImmutableSortedMap.copyOf(m));
  }

  /** The text form: {@code memBalloonedMB=512,sessionId=42}, or {@code defaults}. */
  public String format() {
    if (values.isEmpty()) {
      return "defaults";
    }
    List<String> parts = new ArrayList<>();
    values.forEach((k, v) -> parts.add(k + "=" + Long.toUnsignedString(v)));
    return String.join(",", parts);
  }

  /** Reads the text form ({@link #format()}). */
  public static GuestApiValues parse(String text) {
    if (text.equals("defaults")) {
      return DEFAULTS;
    }
    Map<String, Long> m = new TreeMap<>();
    for (String part : text.split(",", -1)) {
      int eq = part.indexOf('=');
      Preconditions.checkArgument(eq > 0, "\"%s\" is not NAME=NUMBER", Printable.of(part));
      String name = part.substring(0, eq);
      Preconditions.checkArgument(
          m.put(name, Long.parseLong(part.substring(eq + 1))) == null, "%s given twice", name);
    }
    return new GuestApiValues(ImmutableSortedMap.copyOf(m));
  }
}
