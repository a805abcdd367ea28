package io.github.vmbackdoor.hostsim.cli;

import com.google.common.collect.ImmutableMap;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import io.github.vmbackdoor.hostsim.internal.VmName;
import io.github.vmbackdoor.hostsim.settings.HostSetting;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The VMs of {@code serve --vm-config FILE}: a Java properties file with one key per VM setting,
 * {@code vm.<name>.<setting>=<value>}. The settings are the host settings of {@link HostSetting}
 * (the same names as scenario files' {@code host} lines), plus {@code seed} and {@code
 * guestinfo.<key>}. Every key is checked; the first wrong one is reported with the key and the
 * value, and nothing is served.
 *
 * <pre>
 * vm.alpha.channelTableSize=8
 * vm.alpha.highBandwidth=false
 * vm.alpha.uuid=564d0c6e-1a2b-3c4d-5e6f-708192a3b4c5
 * vm.alpha.guestinfo.ip=10.0.0.7
 * vm.beta.productType=workstation
 * vm.beta.idleTimeout=30s
 * </pre>
 */
final class VmConfigFile {

  /** The keys of a vm-config file that are not host settings, with what each value must be. */
  static final ImmutableMap<String, String> OWN_SETTINGS =
      ImmutableMap.of(
          "seed",
          "an integer; default --seed plus the VM's position, or the scenario's seed",
          "guestinfo.<key>",
          "text: a guestinfo value the VMX configuration holds");

  private static final Pattern KEY = Pattern.compile("vm\\.([^.]+)\\.(.+)");

  /** One VM's settings from the file. */
  static final class Vm {
    private Long seed;
    private final Map<HostSetting, String> settings = new LinkedHashMap<>();
    private final Map<String, String> guestInfo = new TreeMap<>();

    /** The seed the file sets, or {@code fallback}. */
    long seed(long fallback) {
      return seed != null ? seed : fallback;
    }

    /** {@code base} with the host settings the file sets for this VM. */
    HostSettings settings(HostSettings base) {
      HostSettings result = base;
      for (Map.Entry<HostSetting, String> e : settings.entrySet()) {
        result = e.getKey().parse(result, e.getValue());
      }
      return result;
    }

    /** A host of {@code builder} with {@code base} and this VM's settings, and its guestinfo. */
    VirtualHost build(VirtualHostBuilder builder, HostSettings base) {
      return build(builder, base, UnaryOperator.identity());
    }

    /**
     * A host of {@code builder} with {@code base}, this VM's settings and then {@code changes} (the
     * admin API's reset), and its guestinfo.
     */
    VirtualHost build(
        VirtualHostBuilder builder, HostSettings base, UnaryOperator<HostSettings> changes) {
      VirtualHost host = builder.settings(changes.apply(settings(base))).build();
      guestInfo.forEach(host::putGuestInfo);
      return host;
    }

    /** A host of {@code builder} with this VM's settings on the defaults. */
    VirtualHost build(VirtualHostBuilder builder) {
      return build(builder, HostSettings.DEFAULTS);
    }
  }

  private VmConfigFile() {}

  /**
   * Reads the text of {@code file}.
   *
   * @return the VMs by name, in name order
   * @throws IllegalArgumentException with a message naming the file and the wrong key
   */
  static Map<String, Vm> parse(Path file, String text) {
    Properties properties = new Properties();
    try (Reader reader = new StringReader(text)) {
      properties.load(reader);
    } catch (IOException | IllegalArgumentException e) {
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
      try {
        VmName.check(name);
        set(vms.computeIfAbsent(name, n -> new Vm()), m.group(2), value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("key '" + key + "': " + e.getMessage(), e);
      }
    }
    return vms;
  }

  private static void set(Vm vm, String setting, String value) {
    if (setting.startsWith("guestinfo.") && setting.length() > "guestinfo.".length()) {
      vm.guestInfo.put(setting, value);
    } else if (setting.equals("seed")) {
      try {
        vm.seed = Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + value + "' is not an integer", e);
      }
    } else if (HostSetting.find(setting).isPresent()) {
      HostSetting hostSetting = HostSetting.find(setting).get();
      hostSetting.parse(HostSettings.DEFAULTS, value); // checked now, applied when served
      vm.settings.put(hostSetting, value);
    } else {
      List<String> known = new ArrayList<>(OWN_SETTINGS.keySet());
      known.addAll(HostSetting.names());
      throw new IllegalArgumentException(
          "unknown setting '" + setting + "'; known: " + String.join(", ", known));
    }
  }
}
