package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.rpc.TcloResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The modules' classes depend on each other one way, read from the compiled classes with the JDK's
 * {@code jdeps}: no cycle at all between the classes of {@code backdoor-core} and {@code
 * tclo-rpci}, no cycle between the host simulator's packages, and none between the host's parts in
 * its top package; inside a sub-package, one responsibility by construction, a cycle is allowed (a
 * Netty pipeline and its handlers, a command and its subcommands). A sealed type naming its
 * variants is no cycle.
 */
class DependencyCyclesTest {

  private static final String BASE = "io.github.vmbackdoor.";

  /** The host simulator's top package, where the host's parts live side by side. */
  private static final String HOST_PACKAGE = BASE + "hostsim";

  @Test
  void backdoorCoreHasNoCycleBetweenItsClasses() {
    assertThat(cycles(classDependencies(classes(Backdoor.class)))).isEmpty();
  }

  @Test
  void tcloRpciHasNoCycleBetweenItsClasses() {
    assertThat(cycles(classDependencies(classes(TcloResult.class)))).isEmpty();
  }

  @Test
  void hostSimulatorPackagesDependOneWay() {
    Map<String, Set<String>> packages = new TreeMap<>();
    classDependencies(classes(VirtualHost.class))
        .forEach(
            (from, tos) ->
                tos.forEach(
                    to -> {
                      if (!packageOf(from).equals(packageOf(to))) {
                        packages.computeIfAbsent(packageOf(from), k -> new TreeSet<>());
                        packages.get(packageOf(from)).add(packageOf(to));
                      }
                    }));
    assertThat(packages).as("package dependencies").isNotEmpty();
    assertThat(cycles(packages)).as("cycles between packages").isEmpty();
  }

  @Test
  void hostSimulatorClassCyclesStayInsideOneSubPackageAndNoneJoinsTheHostsParts() {
    List<Set<String>> cycles = cycles(classDependencies(classes(VirtualHost.class)));
    assertThat(cycles)
        .allSatisfy(
            c -> {
              assertThat(c.stream().map(DependencyCyclesTest::packageOf).distinct())
                  .as("packages of the cycle %s", c)
                  .hasSize(1);
              assertThat(packageOf(c.iterator().next()))
                  .as("a dependency cycle between the host's parts %s", c)
                  .isNotEqualTo(HOST_PACKAGE);
            });
  }

  @Test
  void aCycleIsFound() {
    Map<String, Set<String>> g = new HashMap<>();
    g.put("a.A", Set.of("a.B"));
    g.put("a.B", Set.of("a.C"));
    g.put("a.C", Set.of("a.A", "a.D"));
    g.put("a.D", Set.of());
    assertThat(cycles(g)).containsExactly(Set.of("a.A", "a.B", "a.C"));
  }

  private static String packageOf(String className) {
    return className.substring(0, className.lastIndexOf('.'));
  }

  private static Path classes(Class<?> of) {
    try {
      return Path.of(of.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)");

  /** Class to the classes of the project it uses, nested classes folded into their top class. */
  private static Map<String, Set<String>> classDependencies(Path classes) {
    ToolProvider jdeps =
        ToolProvider.findFirst("jdeps")
            .orElseThrow(() -> new IllegalStateException("this JDK has no jdeps"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        jdeps.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            "-verbose:class",
            "-filter:none",
            classes.toString());
    assertThat(exit).as("jdeps: %s", err.toString(StandardCharsets.UTF_8)).isZero();
    Map<String, Set<String>> g = new TreeMap<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      Matcher m = EDGE.matcher(line);
      if (m.find()) {
        String from = topClass(m.group(1));
        String to = topClass(m.group(2));
        if (from.startsWith(BASE)
            && to.startsWith(BASE)
            && !from.equals(to)
            && !permits(from, to)
            && !isBuilderPair(from, to)) {
          g.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
        }
      }
    }
    assertThat(g).as("classes read from %s", classes).isNotEmpty();
    return g;
  }

  /**
   * Whether {@code to} is one of the variants a sealed {@code from} permits: a sealed type and its
   * records are one idea, and the class file of a sealed type names its variants.
   */
  private static boolean permits(String from, String to) {
    try {
      Class<?> sealed = Class.forName(from, false, DependencyCyclesTest.class.getClassLoader());
      Class<?> variant = Class.forName(to, false, DependencyCyclesTest.class.getClassLoader());
      return sealed.isSealed() && sealed.isAssignableFrom(variant);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Whether one class is the other's builder ({@code X} and {@code XBuilder}): a builder and what
   * it builds are one idea, as when the builder is nested in its class.
   */
  private static boolean isBuilderPair(String from, String to) {
    return to.equals(from + "Builder") || from.equals(to + "Builder");
  }

  private static String topClass(String name) {
    int dollar = name.indexOf('$');
    return dollar < 0 ? name : name.substring(0, dollar);
  }

  /** The strongly connected components of more than one node (Tarjan, iteratively). */
  static List<Set<String>> cycles(Map<String, Set<String>> g) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> result = new ArrayList<>();
    int[] counter = {0};
    for (String root : new TreeSet<>(g.keySet())) {
      if (!index.containsKey(root)) {
        strongConnect(root, g, index, low, stack, onStack, result, counter);
      }
    }
    return result;
  }

  /** A node being visited and the neighbours still to visit. */
  private record Frame(String node, Iterator<String> next) {}

  private static void strongConnect(
      String root,
      Map<String, Set<String>> g,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      Set<String> onStack,
      List<Set<String>> result,
      int[] counter) {
    Deque<Frame> work = new ArrayDeque<>();
    Consumer<String> visit =
        v -> {
          index.put(v, counter[0]);
          low.put(v, counter[0]++);
          stack.push(v);
          onStack.add(v);
          work.push(new Frame(v, g.getOrDefault(v, Set.of()).iterator()));
        };
    visit.accept(root);
    while (!work.isEmpty()) {
      Frame frame = work.peek();
      String v = frame.node();
      if (frame.next().hasNext()) {
        String w = frame.next().next();
        if (!index.containsKey(w)) {
          visit.accept(w);
        } else if (onStack.contains(w)) {
          low.put(v, Math.min(low.get(v), index.get(w)));
        }
        continue;
      }
      work.pop();
      if (!work.isEmpty()) {
        String parent = work.peek().node();
        low.put(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v).equals(index.get(v))) {
        Set<String> component = new TreeSet<>();
        String w;
        do {
          w = stack.pop();
          onStack.remove(w);
          component.add(w);
        } while (!w.equals(v));
        if (component.size() > 1) {
          result.add(component);
        }
      }
    }
  }
}
