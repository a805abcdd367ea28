package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The figures the docs give of the build's own artifacts, checked against the artifacts: the jar
 * sizes of docs/adoption.md and README.md and the list of what {@code host-simulator} brings.
 */
class DocFiguresTest {

  private static final Path ROOT = DocShellExamplesTest.ROOT;
  private static final Pattern JAR_ROW =
      Pattern.compile("^\\| `([\\w.-]+\\.jar)` \\| ([\\d,]+) KB \\|$", Pattern.MULTILINE);
  private static final Pattern TOTAL_ROW =
      Pattern.compile("^\\| total \\| \\*\\*([\\d.]+) MB\\*\\* \\|$", Pattern.MULTILINE);

  /** A doc's size may be this far from the jar's (a fraction), so that it is rarely touched. */
  private static final double TOLERANCE = 0.10;

  @Test
  void theGuestAgentsJarSizesAreThoseOfTheJars() throws Exception {
    String adoption = read("docs/adoption.md");
    Map<String, Long> documented = new LinkedHashMap<>();
    Matcher m = JAR_ROW.matcher(adoption);
    while (m.find()) {
      documented.put(m.group(1), Long.parseLong(m.group(2).replace(",", "")) * 1000);
    }
    assertThat(documented.keySet())
        .startsWith("backdoor-core-0.1.0-SNAPSHOT.jar", "tclo-rpci-0.1.0-SNAPSHOT.jar");
    long total = 0;
    List<String> guestJars = new ArrayList<>(documented.keySet()).subList(0, 3);
    for (String name : guestJars) {
      Optional<Path> jar = jar(name);
      assumeThat(jar)
          .as("%s is built (the modules are packaged before these tests)", name)
          .isPresent();
      long size = Files.size(jar.get());
      total += size;
      assertThat((double) documented.get(name))
          .as("docs/adoption.md's size of %s (it is %,d bytes)", name, size)
          .isBetween(size * (1 - TOLERANCE), size * (1 + TOLERANCE));
    }
    Matcher totalRow = TOTAL_ROW.matcher(adoption);
    assertThat(totalRow.find()).as("the total row of docs/adoption.md").isTrue();
    long documentedTotal = guestJars.stream().mapToLong(documented::get).sum();
    assertThat(totalRow.group(1)).as("the total of the rows").isEqualTo(megabytes(documentedTotal));
    assertThat((double) documentedTotal)
        .isBetween(total * (1 - TOLERANCE), total * (1 + TOLERANCE));

    // README.md says the same in one line: "75 KB + 83 KB + 1,879 KB = 2.0 MB".
    List<String> kilobytes =
        guestJars.stream().map(n -> String.format("%,d KB", documented.get(n) / 1000)).toList();
    assertThat(read("README.md"))
        .contains(String.join(" + ", kilobytes) + " = " + megabytes(documentedTotal) + " MB");
  }

  @Test
  void theListOfWhatTheSimulatorBringsIsItsPom() throws Exception {
    String pom = read("host-simulator/pom.xml");
    String dependencies =
        pom.substring(pom.indexOf("<dependencies>"), pom.indexOf("</dependencies>"));
    Set<String> brought = new LinkedHashSet<>();
    Matcher d =
        Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL).matcher(dependencies);
    while (d.find()) {
      String dependency = d.group(1);
      if (dependency.contains("<scope>test</scope>")
          || dependency.contains("<optional>true</optional>")
          || dependency.contains("<groupId>${project.groupId}</groupId>")
          || dependency.contains("<groupId>io.github.vmbackdoor</groupId>")) {
        continue;
      }
      Matcher artifact = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(dependency);
      assertThat(artifact.find()).isTrue();
      brought.add(artifact.group(1));
    }
    String adoption = read("docs/adoption.md").replaceAll("\\s+", " ");
    Matcher sentence =
        Pattern.compile("The simulator \\(`host-simulator`, for tests\\) adds (.*?) \\(")
            .matcher(adoption);
    assertThat(sentence.find()).as("docs/adoption.md's sentence on host-simulator").isTrue();
    Set<String> named = new LinkedHashSet<>();
    Matcher word = Pattern.compile("`([\\w.-]+)`").matcher(sentence.group(1));
    while (word.find()) {
      named.add(word.group(1));
    }
    assertThat(named).as("what docs/adoption.md says host-simulator brings").isEqualTo(brought);
  }

  private static String read(String path) throws Exception {
    return Files.readString(ROOT.resolve(path), StandardCharsets.UTF_8);
  }

  /** 2,037,115 bytes: "2.0". */
  private static String megabytes(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f", bytes / 1e6);
  }

  /** A module's jar in its target directory, or a dependency's on this test's class path. */
  private static Optional<Path> jar(String name) {
    String module = name.replaceFirst("-\\d.*$", "");
    Path built = ROOT.resolve(module).resolve("target").resolve(name);
    if (Files.isRegularFile(built)) {
      return Optional.of(built);
    }
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (p.getFileName() != null && p.getFileName().toString().equals(name)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
