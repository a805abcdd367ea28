package io.github.vmbackdoor.hostsim.reliability;

import java.util.Locale;

/**
 * How long the reliability suites run. Each suite has a CI size (what {@code ./mvnw -B verify}
 * runs) and a long size; {@code -Dvmbackdoor.long=true} picks the long sizes, and a suite's own
 * property ({@code -Dvmbackdoor.schedules=100000}, ...) overrides either.
 */
final class Soak {

  /** The property that switches every suite to its long size. */
  static final String LONG = "vmbackdoor.long";

  private Soak() {}

  /** Whether the long mode is on. */
  static boolean longMode() {
    return Boolean.parseBoolean(System.getProperty(LONG, "false"));
  }

  /** The size of one suite: {@code vmbackdoor.<name>} when set, else the long or the CI size. */
  static long count(String name, long ciSize, long longSize) {
    String value = System.getProperty("vmbackdoor." + name);
    if (value != null && !value.isBlank()) {
      return Long.parseLong(value.trim().replace("_", ""));
    }
    return longMode() ? longSize : ciSize;
  }

  /** The base seed of the randomized suites: {@code vmbackdoor.seed}, else a fixed one. */
  static long seed() {
    String value = System.getProperty("vmbackdoor.seed");
    return value == null || value.isBlank() ? 20261124L : Long.parseLong(value.trim());
  }

  /** One figure line: {@code [reliability] suite: text}, for docs/reliability.md. */
  static void report(String suite, String format, Object... args) {
    System.out.println("[reliability] " + suite + ": " + String.format(Locale.ROOT, format, args));
  }
}
