package io.github.vmbackdoor.hostsim.settings;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Host settings that can say "not set": the {@link HostSetting}s one source gives (a scenario's
 * {@code host} lines, a vm-config file's keys for one VM, {@code serve}'s own defaults), each with
 * the text of its value. Layers stack: library defaults, then {@code serve}'s, then the scenario's
 * or the vm-config's; a setting a layer does not give keeps the value of the layer below, and one
 * it gives wins even when it equals the library default. An immutable value.
 *
 * @param values the settings given, each with its value's text as {@link HostSetting#format} writes
 *     it, in table order
 */
public record HostSettingLayer(ImmutableMap<HostSetting, String> values) {

  /** The layer that sets nothing. */
  public static final HostSettingLayer NONE = new HostSettingLayer(ImmutableMap.of());

  /** Checks and orders the values. */
  public HostSettingLayer {
    Map<HostSetting, String> ordered = new LinkedHashMap<>();
    for (HostSetting s : HostSetting.ALL) {
      String text = values.get(s);
      if (text != null) {
        ordered.put(s, s.format(s.parse(HostSettings.DEFAULTS, text)));
      }
    }
    Preconditions.checkArgument(
        ordered.size() == values.size(), "a setting outside HostSetting.ALL: %s", values);
    values = ImmutableMap.copyOf(ordered);
  }

  /**
   * This layer with each setting whose value in {@code next} differs from this layer's {@link
   * #settings()} set to {@code next}'s: how a whole {@link HostSettings} value (which cannot say
   * "not set") becomes a layer. {@code NONE.withChanges(s)} sets what differs from the library
   * defaults.
   */
  public HostSettingLayer withChanges(HostSettings next) {
    HostSettings now = settings();
    Map<HostSetting, String> given = new LinkedHashMap<>(values);
    for (HostSetting s : HostSetting.ALL) {
      String text = s.format(next);
      if (!text.equals(s.format(now))) {
        given.put(s, text);
      }
    }
    return new HostSettingLayer(ImmutableMap.copyOf(given));
  }

  /**
   * This layer with {@code setting} set to {@code value}.
   *
   * @throws IllegalArgumentException with a one-line message when the value is not allowed
   */
  public HostSettingLayer with(HostSetting setting, String value) {
    Map<HostSetting, String> next = new LinkedHashMap<>(values);
    next.put(setting, setting.format(setting.parse(HostSettings.DEFAULTS, value)));
    return new HostSettingLayer(ImmutableMap.copyOf(next));
  }

  /** This layer with {@code above} laid over it: {@code above}'s settings win. */
  public HostSettingLayer then(HostSettingLayer above) {
    Map<HostSetting, String> next = new LinkedHashMap<>(values);
    next.putAll(above.values);
    return new HostSettingLayer(ImmutableMap.copyOf(next));
  }

  /** The value's text this layer gives {@code setting}, if it gives one. */
  public Optional<String> get(HostSetting setting) {
    return Optional.ofNullable(values.get(setting));
  }

  /** {@code below} with this layer's settings applied, in table order. */
  public HostSettings applyTo(HostSettings below) {
    HostSettings result = below;
    for (Map.Entry<HostSetting, String> e : values.entrySet()) {
      result = e.getKey().parse(result, e.getValue());
    }
    return result;
  }

  /** This layer over the library defaults. */
  public HostSettings settings() {
    return applyTo(HostSettings.DEFAULTS);
  }
}
