package io.github.vmbackdoor.hostsim.settings;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.internal.Printable;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One named setting of a host, and the table of all of them ({@link #ALL}). The table is the one
 * place that names the host's settings in text: scenario files read and write it ({@code host NAME
 * VALUE}), vm-config files read it ({@code vm.<vm>.NAME=VALUE}), {@code serve --help} lists it, and
 * docs/vm-config.md and docs/scenario-format.md document exactly these names. A name is the one of
 * the Java API ({@link HostPolicy}, {@link HostIdentity}, {@link
 * io.github.vmbackdoor.hostsim.VirtualHostBuilder}).
 *
 * <p>A few settings were spelled differently before; those spellings are still read, as deprecated
 * {@link #aliases()}, and written under the one name.
 */
public final class HostSetting {

  /** Every host setting: policies first, then identity, in the order scenario files write them. */
  public static final ImmutableList<HostSetting> ALL = HostSettingTable.ROWS;

  private final String name;
  private final ImmutableList<String> aliases;
  private final String values;
  private final String description;
  private final BiFunction<HostSettings, String, HostSettings> parse;
  private final Function<HostSettings, String> format;

  HostSetting(
      String name,
      List<String> aliases,
      String values,
      String description,
      BiFunction<HostSettings, String, HostSettings> parse,
      Function<HostSettings, String> format) {
    this.name = name;
    this.aliases = ImmutableList.copyOf(aliases);
    this.values = values;
    this.description = description;
    this.parse = parse;
    this.format = format;
  }

  /**
   * One {@code host SETTING VALUE} line, as scenario files and the admin API's reset take it: the
   * setting and the text of its value, checked.
   *
   * @param setting the setting
   * @param value the value's text, as {@link #parse} reads it
   */
  public record Assignment(HostSetting setting, String value) {

    /**
     * Reads {@code host SETTING VALUE} (the value is the rest of the line).
     *
     * @throws IllegalArgumentException with a one-line message when the line is not one, names no
     *     setting or gives a value the setting does not take
     */
    public static Assignment parse(String line) {
      String[] words = line.strip().split("\\s+", 3);
      if (words.length < 3 || !words[0].equals("host")) {
        throw new IllegalArgumentException("expected 'host SETTING VALUE'");
      }
      HostSetting setting = named(words[1]);
      String value = words[2].strip();
      try {
        setting.parse(HostSettings.DEFAULTS, value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("host " + setting.name() + ": " + e.getMessage(), e);
      }
      return new Assignment(setting, value);
    }

    /** {@code settings} with this value set. */
    public HostSettings applyTo(HostSettings settings) {
      return setting.parse(settings, value);
    }
  }

  /**
   * The setting {@code word} names: its name or one of its deprecated aliases.
   *
   * @throws IllegalArgumentException listing the names when none matches
   */
  public static HostSetting named(String word) {
    return find(word)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown host setting '"
                        + word
                        + "' (known: "
                        + String.join(", ", names())
                        + ")"));
  }

  /** The setting {@code word} names (its name or a deprecated alias), if any. */
  public static Optional<HostSetting> find(String word) {
    return ALL.stream().filter(s -> s.name.equals(word) || s.aliases.contains(word)).findFirst();
  }

  /** The names of all settings, in table order. */
  public static ImmutableList<String> names() {
    return ALL.stream().map(HostSetting::name).collect(ImmutableList.toImmutableList());
  }

  /** The name, as Java, scenario files and vm-config files spell it. */
  public String name() {
    return name;
  }

  /** Older spellings still read (deprecated); empty for most settings. */
  public ImmutableList<String> aliases() {
    return aliases;
  }

  /** What a value may be, in a few words: {@code true or false}, {@code 1 to 65536}. */
  public String values() {
    return values;
  }

  /** What the setting does, in a few words. */
  public String description() {
    return description;
  }

  /** The value's text at the defaults ({@link HostSettings#DEFAULTS}). */
  public String defaultValue() {
    return format(HostSettings.DEFAULTS);
  }

  /**
   * {@code settings} with this setting read from {@code text}.
   *
   * @throws IllegalArgumentException with a one-line message when the value is not allowed
   */
  public HostSettings parse(HostSettings settings, String text) {
    Preconditions.checkNotNull(settings, "settings");
    try {
      return parse.apply(settings, text);
    } catch (IllegalArgumentException | NullPointerException e) {
      String why =
          e.getMessage() == null || e instanceof NumberFormatException
              ? ""
              : " (" + e.getMessage() + ")";
      throw new IllegalArgumentException("'" + Printable.of(text) + "' is not " + values + why, e);
    }
  }

  /** This setting's value in {@code settings}, as {@link #parse} reads it back. */
  public String format(HostSettings settings) {
    return format.apply(settings);
  }

  /** Whether {@code settings} holds this setting's default. */
  public boolean isDefault(HostSettings settings) {
    return format(settings).equals(defaultValue());
  }

  /** {@code name}, its values and description, and its default, for help text. */
  @Override
  public String toString() {
    return name + ": " + values + "; " + description + " (default " + defaultValue() + ")";
  }
}
