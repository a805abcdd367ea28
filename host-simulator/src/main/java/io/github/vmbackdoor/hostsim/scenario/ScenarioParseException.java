package io.github.vmbackdoor.hostsim.scenario;

/** A scenario file that cannot be read; the message starts with the line number. */
public class ScenarioParseException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final int lineNumber;

  ScenarioParseException(int lineNumber, String message) {
    this(lineNumber, "line " + lineNumber, message);
  }

  /** {@code where} names the place: {@code line 3}, or a timeline entry of a built scenario. */
  ScenarioParseException(int lineNumber, String where, String message) {
    super(where + ": " + message);
    this.lineNumber = lineNumber;
  }

  /** The 1-based line the error is on (0 when the scenario was not read from text). */
  public int lineNumber() {
    return lineNumber;
  }
}
