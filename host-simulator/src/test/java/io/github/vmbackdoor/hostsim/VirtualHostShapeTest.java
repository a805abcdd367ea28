package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link VirtualHost} stays a small façade by composition: its events, its port, its connections
 * and a few essentials; what it recorded is {@link VirtualHost#records()}, a view of its own; its
 * builder is a plain class. Counted by reflection, so that the façade cannot grow back unnoticed.
 */
class VirtualHostShapeTest {

  /** The most public methods the façade may have, inherited ones of the project's classes too. */
  private static final int MOST_PUBLIC_METHODS = 30;

  /** The public methods a class declares or inherits from the project's own classes. */
  private static List<String> projectPublicMethods(Class<?> type) {
    return Arrays.stream(type.getMethods())
        .filter(m -> m.getDeclaringClass().getName().startsWith("io.github.vmbackdoor."))
        .filter(m -> !m.isSynthetic() && !m.isBridge())
        .map(VirtualHostShapeTest::signature)
        .sorted()
        .toList();
  }

  private static String signature(Method m) {
    return m.getName()
        + Arrays.stream(m.getParameterTypes())
            .map(Class::getSimpleName)
            .toList()
            .toString()
            .replace('[', '(')
            .replace(']', ')');
  }

  @Test
  void theFacadeHasAtMostThirtyPublicMethodsAndNoSuperclassOfItsOwn() {
    List<String> methods = projectPublicMethods(VirtualHost.class);
    assertThat(methods)
        .as("VirtualHost's public methods: %s", methods)
        .hasSizeLessThanOrEqualTo(MOST_PUBLIC_METHODS)
        .contains("backdoor()", "connect(String, ConnectionPolicy)", "records()", "checkpoint()");
    assertThat(VirtualHost.class.getSuperclass()).isEqualTo(Object.class);
  }

  @Test
  void theReadSideIsAViewOfItsOwnAndTheBuilderAPlainClass() {
    assertThat(HostRecords.class.getSuperclass()).isEqualTo(Object.class);
    assertThat(Modifier.isPublic(HostRecords.class.getModifiers())).isTrue();
    assertThat(projectPublicMethods(HostRecords.class))
        .contains("callLog()", "rpciRequests()", "guest()", "faultHits()", "channels()")
        .doesNotContainAnyElementsOf(projectPublicMethods(VirtualHost.class));
    assertThat(VirtualHostBuilder.class.getSuperclass()).isEqualTo(Object.class);
  }
}
