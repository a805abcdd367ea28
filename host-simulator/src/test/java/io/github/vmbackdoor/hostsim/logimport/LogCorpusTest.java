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
