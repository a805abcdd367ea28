package io.github.vmbackdoor.hostsim.cli;

import com.google.common.base.Ascii;
import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.core.VmxVersion;
import io.github.vmbackdoor.hostsim.Invalidation;
import io.github.vmbackdoor.hostsim.VirtualHost;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The VMs of {@code serve --vm-config FILE}: a Java properties file with one key per VM setting,
 * {@code vm.<name>.<setting>=<value>}. Every key is checked; the first wrong one is reported with
 * the key and the value, and nothing is served.
 *
 * <pre>
 * vm.alpha.channels=8
 * vm.alpha.highBandwidth=false
 * vm.alpha.uuid=564d0c6e-1a2b-3c4d-5e6f-708192a3b4c5
 * vm.alpha.guestinfo.ip=10.0.0.7
 * vm.beta.productType=workstation
 * vm.beta.idleTimeout=30s
 * </pre>
 */
final class VmConfigFile {

  /** The settings a VM may have, with what each value must be. */
  static final ImmutableMap<String, String> SETTINGS =
      ImmutableMap.<String, String>builder()
          .put("seed", "an integer (cookies, UUID; default: --seed plus the VM's position)")
          .put("uuid", "a UUID (GETUUID; default: drawn from the seed)")
          .put("memoryMb", "a positive integer (GETMEMSIZE; default 4096)")
          .put("mhz", "a positive integer (GETMHZ; default 2400)")
          .put("hardwareVersion", "an integer (GETHWVERSION; default 19)")
          .put("productType", "esx, workstation or a number (GETVERSION ecx; default esx)")
          .put("machineId", "text (machine.id.get; default empty)")
          .put("channels", "1 to 65536 (channel table size; default 128)")
          .put("highBandwidth", "true or false (high-bandwidth port offered; default true)")
          .put("cookies", "true or false (OPEN with cookies accepted; default true)")
          .put(
              "rejectUnsolicitedReplies",
              "true or false (TCLO reply with no command outstanding refused; default false)")
          .put("idleTimeout", "a duration such as 500ms, 30s, 5m, 1h or PT30S (default: never)")
          .put("tcloTakeover", "HOST_CLOSED or COOKIES_INVALID (default HOST_CLOSED)")
          .put("guestinfo.<key>", "text (a guestinfo value the VMX configuration holds)")
          .buildOrThrow();

  private static final Pattern KEY = Pattern.compile("vm\\.([^.]+)\\.(.+)");
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  /** One VM's settings from the file. */
  static final class Vm {
    private Long seed;
    private final List<Consumer<VirtualHost.Builder>> settings = new ArrayList<>();
    private final Map<String, String> guestInfo = new TreeMap<>();

    /** The seed the file sets, or {@code fallback}. */
    long seed(long fallback) {
      return seed != null ? seed : fallback;
    }

    /** A host with these settings on top of {@code builder}'s. */
    VirtualHost build(VirtualHost.Builder builder) {
      settings.forEach(s -> s.accept(builder));
      VirtualHost host = builder.build();
      guestInfo.forEach(host::putGuestInfo);
      return host;
    }
  }

  private VmConfigFile() {}

  /**
   * Reads the file.
   *
   * @return the VMs by name, in name order
   * @throws IllegalArgumentException with a message naming the file and the wrong key
   */
  static Map<String, Vm> read(Path file) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--vm-config " + file + ": cannot read it (" + e.getMessage() + ")", e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--vm-config " + file + ": not a properties file (" + e.getMessage() + ")", e);
    }
    try {
      return parse(properties);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--vm-config " + file + ": " + e.getMessage(), e);
    }
  }

  /** The VMs the properties describe, by name in name order. */
  static Map<String, Vm> parse(Properties properties) {
    Map<String, Vm> vms = new TreeMap<>();
    for (String key : new TreeMap<>(properties).keySet().stream().map(Object::toString).toList()) {
      String value = properties.getProperty(key).strip();
      Matcher m = KEY.matcher(key);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "key '" + key + "' is not of the form vm.<name>.<setting> (a name has no dots)");
      }
      String name = m.group(1);
      if (name.getBytes(StandardCharsets.UTF_8).length > 255
          || name.codePoints().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException(
            "key '" + key + "': a VM name has 1 to 255 UTF-8 bytes and no control characters");
      }
      Vm vm = vms.computeIfAbsent(name, n -> new Vm());
      try {
        set(vm, m.group(2), value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("key '" + key + "': " + e.getMessage(), e);
      }
    }
    return vms;
  }

  private static void set(Vm vm, String setting, String value) {
    if (setting.startsWith("guestinfo.") && setting.length() > "guestinfo.".length()) {
      vm.guestInfo.put(setting, value);
      return;
    }
    String expected = SETTINGS.get(setting);
    if (expected == null) {
      throw new IllegalArgumentException(
          "unknown setting '" + setting + "'; known: " + String.join(", ", SETTINGS.keySet()));
    }
    try {
      apply(vm, setting, value);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new IllegalArgumentException("'" + value + "' is not " + expected, e);
    }
  }

  private static void apply(Vm vm, String setting, String value) {
    List<Consumer<VirtualHost.Builder>> s = vm.settings;
    switch (setting) {
      case "seed" -> vm.seed = Long.parseLong(value);
      case "uuid" -> {
        UUID uuid = UUID.fromString(value);
        if (!uuid.toString().equalsIgnoreCase(value)) {
          throw new IllegalArgumentException("not in canonical form");
        }
        s.add(b -> b.uuid(uuid));
      }
      case "memoryMb" -> {
        int n = positive(value);
        s.add(b -> b.memoryMb(n));
      }
      case "mhz" -> {
        int n = positive(value);
        s.add(b -> b.mhz(n));
      }
      case "hardwareVersion" -> {
        int n = Integer.parseInt(value);
        s.add(b -> b.hardwareVersion(n));
      }
      case "productType" -> {
        String lower = Ascii.toLowerCase(value);
        if (lower.equals("esx")) {
          s.add(b -> b.productType(VmxVersion.ProductType.SCALABLE_SERVER));
        } else if (lower.equals("workstation")) {
          s.add(b -> b.productType(VmxVersion.ProductType.WORKSTATION));
        } else {
          int code = Integer.decode(value);
          s.add(b -> b.productType(code));
        }
      }
      case "machineId" -> s.add(b -> b.machineId(value));
      case "channels" -> {
        int n = Integer.parseInt(value);
        if (n < 1 || n > 0x10000) {
          throw new IllegalArgumentException("out of range");
        }
        s.add(b -> b.channelTableSize(n));
      }
      case "highBandwidth" -> {
        boolean on = bool(value);
        s.add(b -> b.highBandwidth(on));
      }
      case "cookies" -> {
        boolean on = bool(value);
        s.add(b -> b.cookies(on));
      }
      case "rejectUnsolicitedReplies" -> {
        boolean on = bool(value);
        s.add(b -> b.rejectUnsolicitedTcloReplies(on));
      }
      case "idleTimeout" -> {
        Duration d = duration(value);
        s.add(b -> b.idleTimeout(d));
      }
      case "tcloTakeover" -> {
        Invalidation kind = Invalidation.valueOf(value.toUpperCase(Locale.ROOT));
        s.add(b -> b.tcloTakeover(kind));
      }
      default -> throw new IllegalStateException(setting);
    }
  }

  private static int positive(String value) {
    int n = Integer.parseInt(value);
    if (n <= 0) {
      throw new IllegalArgumentException("not positive");
    }
    return n;
  }

  private static boolean bool(String value) {
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("not a boolean");
    };
  }

  private static Duration duration(String value) {
    Matcher m = SHORT_DURATION.matcher(value);
    Duration d;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d =
          switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
          };
    } else {
      d = Duration.parse(value);
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("not positive");
    }
    return d;
  }
}
