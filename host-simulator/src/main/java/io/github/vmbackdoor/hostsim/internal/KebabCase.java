package io.github.vmbackdoor.hostsim.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How the text forms (scenario files, vm-config files, reports) spell enum constants: lower case
 * with '-' between words, {@code HOST_CLOSED} as {@code host-closed}.
 */
public final class KebabCase {

  private KebabCase() {}

  /** The constant's name in kebab case: {@code COOKIES_INVALID} gives {@code cookies-invalid}. */
  public static String of(Enum<?> value) {
    return of(value.name());
  }

  /** A constant-style name in kebab case: {@code CLEAR_SUCCESS} gives {@code clear-success}. */
  public static String of(String constantName) {
    return constantName.toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Every constant of {@code type} in kebab case, in declaration order. */
  public static <E extends Enum<E>> List<String> all(Class<E> type) {
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(of(e));
    }
    return names;
  }

  /**
   * The constant {@code word} names, in kebab case or as the constant itself ({@code host-closed},
   * {@code HOST_CLOSED}).
   *
   * @throws IllegalArgumentException naming the allowed words when none matches
   */
  public static <E extends Enum<E>> E parse(Class<E> type, String word) {
    String wanted = of(word);
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      if (of(e).equals(wanted)) {
        return e;
      }
      names.add(of(e));
    }
    throw new IllegalArgumentException("'" + word + "' is not one of " + String.join(", ", names));
  }
}
