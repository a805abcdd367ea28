package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every shell example of README.md and docs/*.md as written: each {@code ```sh}, {@code
 * ```bash} or {@code ```shell} block, and each {@code $ } line of any block, through {@code bash}
 * with {@code bin/vmbackdoor} on the PATH, in a directory of its own per page (examples of a page
 * run in order and see each other's files; {@code docs/} is there as in a checkout). The launcher
 * runs the command line from this module's classes ({@code VMBACKDOOR_CLASSPATH}), since the jar is
 * built after the tests; {@code java -jar host-simulator/target/vmbackdoor.jar} and {@code java
 * -jar vmbackdoor.jar} are read as {@code vmbackdoor} for the same reason.
 *
 * <p>Each example must exit 0, or the code of an {@code <!-- exit: N -->} comment just above it; an
 * output block right after it ({@code ```text}, or untagged) must appear in what it printed, line
 * by line in order ({@code ...} stands for anything). An example that cannot run here (a build, a
 * benchmark, a server that runs until stopped, a real VM) says so above it: {@code <!-- not run:
 * REASON -->}; the curl examples of docs/admin-api.md are run by {@link AdminDocExamplesTest}. A
 * block that looks like commands but is not tagged as shell fails the test, so that no example
 * escapes it.
 */
class DocShellExamplesTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private static final Pattern FENCE = Pattern.compile("^\\s*```\\s*([A-Za-z]*)\\s*$");
  private static final Pattern NOT_RUN = Pattern.compile("<!--\\s*not run:\\s*(\\S.*?)\\s*-->");
  private static final Pattern EXIT = Pattern.compile("<!--\\s*exit:\\s*(\\d+)\\s*-->");
  private static final Pattern COMMAND_LIKE =
      Pattern.compile("^(vmbackdoor |java -jar |\\./mvnw|curl |benchmarks/|bin/)");
  private static final List<String> SHELL = List.of("sh", "bash", "shell");
  private static final long TIMEOUT_SECONDS = 300;

  /** One example: where it is, its script, and what the page says of it. */
  record Example(
      String doc, int line, String script, String notRun, int exit, List<String> output) {

    String where() {
      return doc + ":" + line;
    }
  }

  /** A fenced block of a page: its tag, first line number (of the fence), and lines. */
  private record Block(String tag, int line, List<String> lines, List<String> comments) {}

  static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>();
    pages.add(ROOT.resolve("README.md"));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** The fenced blocks of a page, each with the HTML comments on the lines just above it. */
  private static List<Block> blocks(List<String> lines) {
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher open = FENCE.matcher(lines.get(i));
      if (!open.matches()) {
        continue;
      }
      List<String> comments = new ArrayList<>();
      for (int j = i - 1; j >= 0 && j >= i - 3; j--) {
        String above = lines.get(j).strip();
        if (above.startsWith("<!--")) {
          comments.add(above);
        } else if (!above.isEmpty()) {
          break;
        }
      }
      int start = i;
      List<String> body = new ArrayList<>();
      for (i++; i < lines.size() && !FENCE.matcher(lines.get(i)).matches(); i++) {
        body.add(lines.get(i));
      }
      String indent = lines.get(start).substring(0, lines.get(start).indexOf('`'));
      List<String> unindented =
          body.stream().map(l -> l.startsWith(indent) ? l.substring(indent.length()) : l).toList();
      blocks.add(new Block(open.group(1), start + 1, unindented, comments));
    }
    return blocks;
  }

  /** Every example of every page, in page order. */
  static Map<String, List<Example>> examples() throws IOException {
    Map<String, List<Example>> byPage = new LinkedHashMap<>();
    for (Path page : pages()) {
      String doc = ROOT.relativize(page).toString();
      List<Block> blocks = blocks(Files.readAllLines(page, StandardCharsets.UTF_8));
      List<Example> examples = new ArrayList<>();
      for (int b = 0; b < blocks.size(); b++) {
        Block block = blocks.get(b);
        String notRun = marker(block, NOT_RUN);
        String exit = marker(block, EXIT);
        int expectedExit = exit == null ? 0 : Integer.parseInt(exit);
        if (SHELL.contains(block.tag())) {
          List<String> output = List.of();
          if (b + 1 < blocks.size() && isOutput(blocks.get(b + 1), block, page)) {
            output = blocks.get(b + 1).lines();
          }
          examples.add(
              new Example(
                  doc,
                  block.line(),
                  String.join("\n", block.lines()),
                  notRun,
                  expectedExit,
                  output));
        } else {
          examples.addAll(dollarLines(doc, block, notRun, expectedExit));
        }
      }
      byPage.put(doc, examples);
    }
    return byPage;
  }

  /** Whether {@code next} is the output of the shell block {@code shell}: right after it. */
  private static boolean isOutput(Block next, Block shell, Path page) {
    if (!(next.tag().isEmpty() || next.tag().equals("text")) || !next.comments().isEmpty()) {
      return false;
    }
    try {
      List<String> lines = Files.readAllLines(page, StandardCharsets.UTF_8);
      int shellEnd = shell.line() + shell.lines().size() + 1;
      for (int i = shellEnd; i < next.line() - 1; i++) {
        if (!lines.get(i).isBlank()) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The {@code $ } lines of a block (with their continuation lines), each followed by output. */
  private static List<Example> dollarLines(
      String doc, Block block, String notRun, int expectedExit) {
    List<Example> examples = new ArrayList<>();
    List<String> lines = block.lines();
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).startsWith("$ ")) {
        continue;
      }
      int line = block.line() + 1 + i;
      StringBuilder script = new StringBuilder(lines.get(i).substring(2));
      while (lines.get(i).endsWith("\\") && i + 1 < lines.size()) {
        script.append('\n').append(lines.get(++i));
      }
      List<String> output = new ArrayList<>();
      while (i + 1 < lines.size() && !lines.get(i + 1).startsWith("$ ")) {
        output.add(lines.get(++i));
      }
      examples.add(new Example(doc, line, script.toString(), notRun, expectedExit, output));
    }
    return examples;
  }

  private static String marker(Block block, Pattern pattern) {
    for (String comment : block.comments()) {
      Matcher m = pattern.matcher(comment);
      if (m.find()) {
        return m.group(1);
      }
    }
    return null;
  }

  @Test
  void noShellExampleIsUntagged() throws IOException {
    List<String> untagged = new ArrayList<>();
    for (Path page : pages()) {
      for (Block block : blocks(Files.readAllLines(page, StandardCharsets.UTF_8))) {
        if (block.tag().isEmpty()
            && !block.lines().isEmpty()
            && COMMAND_LIKE.matcher(block.lines().get(0)).find()) {
          untagged.add(ROOT.relativize(page) + ":" + block.line() + " " + block.lines().get(0));
        }
      }
    }
    assertThat(untagged)
        .as("command blocks not tagged ```sh (or ```text if they are output)")
        .isEmpty();
  }

  @Test
  void everyShellExampleRunsAsWritten(@TempDir Path dir) throws Exception {
    Map<String, List<Example>> byPage = examples();
    List<String> adminCurls =
        AdminDocExamplesTest.examples().stream()
            .map(AdminDocExamplesTest.Example::command)
            .toList();
    Path launcher = ROOT.resolve("bin").resolve("vmbackdoor");
    assertThat(Files.isExecutable(launcher)).as(launcher + " is executable").isTrue();
    int ran = 0;
    int notRun = 0;
    int elsewhere = 0;
    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, List<Example>> page : byPage.entrySet()) {
      Path cwd = Files.createDirectories(dir.resolve(page.getKey().replace('/', '_')));
      Files.createSymbolicLink(cwd.resolve("docs"), ROOT.resolve("docs"));
      for (Example e : page.getValue()) {
        if (e.notRun() != null) {
          notRun++;
          continue;
        }
        if (e.script().startsWith("curl ") && adminCurls.contains(e.script().strip())) {
          elsewhere++;
          continue;
        }
        ran++;
        String problem = run(e, cwd);
        if (problem != null) {
          failures.add(e.where() + ": " + problem);
        }
      }
    }
    System.out.printf(
        "[docs] shell examples: %d run, %d run by AdminDocExamplesTest, %d marked not run%n",
        ran, elsewhere, notRun);
    assertThat(failures).as("examples that fail as written").isEmpty();
    assertThat(ran).as("examples run").isGreaterThanOrEqualTo(4);
  }

  /** Runs one example in {@code cwd}; what is wrong with what it did, or null. */
  private static String run(Example e, Path cwd) throws IOException, InterruptedException {
    String script =
        e.script()
            .replace("java -jar host-simulator/target/vmbackdoor.jar", "vmbackdoor")
            .replace("java -jar vmbackdoor.jar", "vmbackdoor");
    Path output = Files.createTempFile(cwd.getParent(), "example", ".out");
    ProcessBuilder pb =
        new ProcessBuilder("bash", "-e", "-o", "pipefail", "-c", script)
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    Map<String, String> env = pb.environment();
    env.put("PATH", ROOT.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("VMBACKDOOR_CLASSPATH", System.getProperty("java.class.path"));
    env.remove("VMBACKDOOR_JAR");
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      return "still running after " + TIMEOUT_SECONDS + " s (mark it <!-- not run: ... -->)";
    }
    String printed = Files.readString(output, StandardCharsets.UTF_8);
    if (p.exitValue() != e.exit()) {
      return "exit " + p.exitValue() + ", expected " + e.exit() + "; printed:\n" + tail(printed);
    }
    String missing = firstMissing(e.output(), printed);
    if (missing != null) {
      return "the output shown has '" + missing + "', not printed; printed:\n" + tail(printed);
    }
    return null;
  }

  /**
   * The first line of {@code expected} that {@code printed} does not have, in order; {@code ...}
   * stands for anything, blank lines are skipped, spaces are compared as one.
   */
  static String firstMissing(List<String> expected, String printed) {
    List<String> actual = printed.lines().map(DocShellExamplesTest::spaces).toList();
    int from = 0;
    for (String line : expected) {
      String want = spaces(line);
      if (want.isEmpty() || want.equals("...") || want.equals("…")) {
        continue;
      }
      Pattern p = Pattern.compile(Pattern.quote(want).replace("...", "\\E.*\\Q"));
      int found = -1;
      for (int i = from; i < actual.size(); i++) {
        if (p.matcher(actual.get(i)).matches()) {
          found = i;
          break;
        }
      }
      if (found < 0) {
        return line.strip();
      }
      from = found + 1;
    }
    return null;
  }

  private static String spaces(String line) {
    return line.strip().replaceAll("\\s+", " ");
  }

  private static String tail(String printed) {
    List<String> lines = printed.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }
}
