package io.github.vmbackdoor.core;

import java.util.Objects;

/**
 * The guest program's verdicts: one {@code CHECK PASS|FAIL <name>: <detail>} line per check, then
 * {@code RESULT PASS|FAIL}. A check fails on any exception or error, including a failed {@link
 * #expect}.
 */
final class Checks {

  /** The body of a check: returns the detail printed on success. */
  @FunctionalInterface
  interface Body {
    String run() throws Exception;
  }

  private int passed;
  private int failed;

  /** Runs {@code body} and prints its verdict. */
  void check(String name, Body body) {
    String line;
    try {
      line = "CHECK PASS " + name + ": " + body.run();
      passed++;
    } catch (Throwable e) {
      line = "CHECK FAIL " + name + ": " + oneLine(e);
      failed++;
    }
    System.out.println(line);
    System.out.flush();
  }

  /** Throws an {@link AssertionError} naming {@code what} unless the two are equal. */
  static void expect(String what, Object actual, Object expected) {
    if (!Objects.equals(actual, expected)) {
      throw new AssertionError(what + " is " + show(actual) + ", expected " + show(expected));
    }
  }

  /** Prints the result line; returns the exit status (0 only when checks ran and all passed). */
  int finish() {
    boolean pass = failed == 0 && passed > 0;
    System.out.println(
        "RESULT "
            + (pass ? "PASS" : "FAIL")
            + ": "
            + passed
            + " passed, "
            + failed
            + " failed of "
            + (passed + failed));
    System.out.flush();
    return pass ? 0 : 1;
  }

  private static String show(Object value) {
    return value instanceof Integer i ? i + " (0x" + Registers.hex(i) + ")" : String.valueOf(value);
  }

  private static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? "" : ": " + e.getMessage();
    return (e.getClass().getSimpleName() + message).replace('\n', ' ');
  }
}
