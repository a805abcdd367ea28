package io.github.vmbackdoor.hostsim;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Fails the module's tests fast: once a test has failed, every test after it is skipped, naming the
 * first failure, so a broken protocol rule ends the build within a minute instead of after the long
 * suites ({@link LongSuitesLast} runs them last). Registered for every test class of this module
 * (META-INF/services, extension autodetection). {@code -Dvmbackdoor.failFast=false} runs every test
 * and lists every failure.
 */
public final class FailFast implements ExecutionCondition, TestWatcher {

  private static volatile String firstFailure;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String failed = firstFailure;
    if (failed == null
        || !Boolean.parseBoolean(System.getProperty("vmbackdoor.failFast", "true"))) {
      return ConditionEvaluationResult.enabled("no test has failed");
    }
    return ConditionEvaluationResult.disabled(
        "skipped after the first failure, "
            + failed
            + " (-Dvmbackdoor.failFast=false runs every test)");
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    if (firstFailure == null) {
      firstFailure =
          context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName();
    }
  }
}
