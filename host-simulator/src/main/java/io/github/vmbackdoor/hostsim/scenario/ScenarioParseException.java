package io.github.vmbackdoor.hostsim.scenario;

/** A scenario file that cannot be read; the message starts with the line number. */
public final class ScenarioParseException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final int lineNumber;

  ScenarioParseException(int lineNumber, String message) {
    super("line " + lineNumber + ": " + message);
    this.lineNumber = lineNumber;
  }

  /** The 1-based line the error is on. */
  public int lineNumber() {
    return lineNumber;
  }
}
