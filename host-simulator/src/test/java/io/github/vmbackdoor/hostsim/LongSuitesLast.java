package io.github.vmbackdoor.hostsim;

import java.util.Comparator;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;

/**
 * The order of this module's test classes: the quick protocol tests first, then the suites that run
 * long by design, the random searches and attacks ({@code reliability}) and the real programs under
 * the trap ({@code guest}). With {@link FailFast} a broken protocol rule fails the build within a
 * minute, before a slow search spends minutes on it (docs/reliability.md, "Failing fast").
 */
public final class LongSuitesLast implements ClassOrderer {

  private static final String[] LONG_PACKAGES = {".reliability.", ".guest."};

  @Override
  public void orderClasses(ClassOrdererContext context) {
    context
        .getClassDescriptors()
        .sort(
            Comparator.comparing(
                    (org.junit.jupiter.api.ClassDescriptor d) -> isLong(d.getTestClass()))
                .thenComparing(d -> d.getTestClass().getName()));
  }

  static boolean isLong(Class<?> testClass) {
    String name = testClass.getName();
    for (String p : LONG_PACKAGES) {
      if (name.contains(p)) {
        return true;
      }
    }
    return false;
  }
}
