package io.github.vmbackdoor.hostsim.scenario;

/** A scenario that asks for more than its {@link ScenarioLimits}; the message names the line. */
public final class ScenarioLimitException extends ScenarioParseException {

  private static final long serialVersionUID = 1L;

  ScenarioLimitException(int lineNumber, String where, String message) {
    super(lineNumber, where, message);
  }
}
