package io.github.vmbackdoor.hostsim.logimport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every log of the corpus through import and verification, with a report line per log ({@code
 * reproduced N of M}).
 *
 * <p>{@code logcorpus/} holds only logs copied verbatim from public sources, each under a header of
 * {@code #} lines naming the source, the OS and its version (and, where the log shows it, the
 * flavor it must be detected as). {@code logs/} holds the samples written for the unit tests; they
 * are reported too, but no importer rule rests on them alone. What each log needs from the host or
 * the machines to reproduce fully is in docs/kernel-log-import.md.
 */
class LogCorpusTest {

  /** The logs of one resource folder, sorted by name. */
  static List<Path> logs(String folder) throws IOException, URISyntaxException {
    URL url = LogCorpusTest.class.getResource("/" + folder);
    if (url == null) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
      return files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
    }
  }

  @TestFactory
  Stream<DynamicTest> corpusLogsHaveASourceHeaderAndAreVerified()
      throws IOException, URISyntaxException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path log : logs("logcorpus")) {
      tests.add(
          DynamicTest.dynamicTest(
              log.getFileName().toString(),
              () -> {
                List<String> raw = Files.readAllLines(log);
                List<String> header = raw.stream().takeWhile(l -> l.startsWith("#")).toList();
                assertThat(header).anyMatch(l -> l.matches("# source: \\S.*"));
                assertThat(header).anyMatch(l -> l.startsWith("# os: "));
                List<String> body = raw.subList(header.size(), raw.size());
                LogImport.Result imported = LogImport.importLog(log.getFileName().toString(), body);
                header.stream()
                    .filter(l -> l.startsWith("# expect-flavor: "))
                    .map(l -> l.substring("# expect-flavor: ".length()))
                    .forEach(f -> assertThat(imported.flavor().label()).isEqualTo(f));
                Verification v = report(log, imported);
                assertThat(v.matches()).as(String.join("\n", v.report())).isTrue();
              }));
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> samplesAreVerified() throws IOException, URISyntaxException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path log : logs("logs")) {
      tests.add(
          DynamicTest.dynamicTest(
              log.getFileName().toString(),
              () -> {
                Verification v =
                    report(
                        log,
                        LogImport.importLog(log.getFileName().toString(), Files.readAllLines(log)));
                assertThat(v.matches()).as(String.join("\n", v.report())).isTrue();
                assertThat(v.reproduced()).isEqualTo(v.total()).isPositive();
              }));
    }
    return tests.stream();
  }

  /**
   * docs/kernel-log-import.md's two tables, the samples' and the field corpus', against what the
   * import does today: a row for every log and no other, the flavor it is detected as at the start
   * of the flavor column, and {@code reproduced N of M} at the start of the last column.
   */
  @Test
  void theDocsTablesSayWhatEachLogReproduces() throws IOException, URISyntaxException {
    String doc = Files.readString(docPath());
    checkTable(doc, "| sample | flavor | explanation chosen | reproduced |", 1, "logs");
    checkTable(
        doc, "| corpus log | source | flavor | explanation chosen | reproduced |", 2, "logcorpus");
  }

  private static void checkTable(String doc, String header, int flavorColumn, String folder)
      throws IOException, URISyntaxException {
    int at = doc.indexOf(header);
    assertThat(at).as("table %s in docs/kernel-log-import.md", header).isNotNegative();
    List<String> rows =
        doc.substring(at).lines().skip(2).takeWhile(l -> l.startsWith("|")).toList();
    List<String> named = new ArrayList<>();
    for (String row : rows) {
      String[] cells = row.substring(1, row.length() - 1).split(" \\| ", -1);
      String name = cells[0].strip().replace("`", "");
      named.add(name);
      Path log =
          logs(folder).stream()
              .filter(p -> p.getFileName().toString().equals(name))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError(name + " is in the table but not in " + folder));
      List<String> raw = Files.readAllLines(log);
      List<String> body = raw.stream().dropWhile(l -> l.startsWith("#")).toList();
      LogImport.Result imported = LogImport.importLog(name, body);
      Verification v = Verification.of(imported);
      assertThat(cells[flavorColumn].strip())
          .as("%s: flavor", name)
          .startsWith(imported.flavor().label());
      assertThat(cells[cells.length - 1].strip())
          .as("%s: reproduced", name)
          .startsWith(v.reproduced() + " of " + v.total());
    }
    assertThat(named)
        .as("a row for every log of %s", folder)
        .containsExactlyInAnyOrderElementsOf(
            logs(folder).stream().map(p -> p.getFileName().toString()).toList());
  }

  static Path docPath() {
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    return module.toAbsolutePath().getParent().resolve("docs").resolve("kernel-log-import.md");
  }

  private static Verification report(Path log, LogImport.Result imported) {
    Verification v = Verification.of(imported);
    System.out.println(
        log.getFileName()
            + " ["
            + imported.flavor().label()
            + "]: "
            + String.join("; ", v.report()));
    return v;
  }
}
