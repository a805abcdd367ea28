package io.github.vmbackdoor.hostsim.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The shell examples of README.md and docs/*.md, as {@link DocShellExamplesTest} reads them: each
 * {@code ```sh}, {@code ```bash} or {@code ```shell} block, and each {@code $ } line of any block,
 * with the output block right after it and the HTML comments just above it that say how it is
 * tested:
 *
 * <ul>
 *   <li>{@code <!-- exit: N -->}: the exit code it ends with (default 0);
 *   <li>{@code <!-- run until: LINE -->}: it runs until stopped; the test waits for a printed line
 *       LINE ({@code ...} for anything), compares the output block, keeps it running for the page's
 *       next examples and stops it (SIGTERM) at the end of the page;
 *   <li>{@code <!-- needs: the trap and open-vm-tools -->}: it runs a real guest; skipped, with the
 *       reason, where the machine cannot trap or has no open-vm-tools;
 *   <li>{@code <!-- needs: FILE, a session recorded by serve --record -->}: the test records one
 *       into FILE first;
 *   <li>{@code <!-- test with: COMMANDS -->} ({@code ;} between commands): a benchmark run in a
 *       short form, the block's commands with smaller numbers;
 *   <li>{@code <!-- checked statically: REASON -->}: not run (REASON); each command is checked
 *       without running it ({@link StaticCommandCheck});
 *   <li>{@code <!-- not run: REASON -->}: not run at all.
 * </ul>
 */
final class DocExamples {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private static final Pattern FENCE = Pattern.compile("^\\s*```\\s*([A-Za-z]*)\\s*$");
  private static final Pattern NOT_RUN = Pattern.compile("<!--\\s*not run:\\s*(\\S.*?)\\s*-->");
  private static final Pattern CHECKED =
      Pattern.compile("<!--\\s*checked statically:\\s*(\\S.*?)\\s*-->");
  private static final Pattern RUN_UNTIL = Pattern.compile("<!--\\s*run until:\\s*(\\S.*?)\\s*-->");
  private static final Pattern NEEDS = Pattern.compile("<!--\\s*needs:\\s*(\\S.*?)\\s*-->");
  private static final Pattern TEST_WITH = Pattern.compile("<!--\\s*test with:\\s*(\\S.*?)\\s*-->");
  private static final Pattern EXIT = Pattern.compile("<!--\\s*exit:\\s*(\\d+)\\s*-->");
  private static final List<String> SHELL = List.of("sh", "bash", "shell");

  private DocExamples() {}

  /** One example: where it is, its script, what the page says of it, and the output shown. */
  record Example(
      String doc,
      int line,
      String script,
      String notRun,
      String checked,
      String runUntil,
      String needs,
      String testWith,
      int exit,
      List<String> output) {

    String where() {
      return doc + ":" + line;
    }
  }

  /** A fenced block of a page: its tag, first line number (of the fence), and lines. */
  record Block(String tag, int line, List<String> lines, List<String> comments) {}

  static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>();
    pages.add(ROOT.resolve("README.md"));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** The fenced blocks of a page, each with the HTML comments on the lines just above it. */
  static List<Block> blocks(List<String> lines) {
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher open = FENCE.matcher(lines.get(i));
      if (!open.matches()) {
        continue;
      }
      List<String> comments = new ArrayList<>();
      for (int j = i - 1; j >= 0 && j >= i - 4; j--) {
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
      List<String> text = Files.readAllLines(page, StandardCharsets.UTF_8);
      List<Block> blocks = blocks(text);
      List<Example> examples = new ArrayList<>();
      for (int b = 0; b < blocks.size(); b++) {
        Block block = blocks.get(b);
        if (SHELL.contains(block.tag())) {
          List<String> output = List.of();
          if (b + 1 < blocks.size() && isOutput(blocks.get(b + 1), block, text)) {
            output = blocks.get(b + 1).lines();
          }
          examples.add(example(doc, block, block.line(), String.join("\n", block.lines()), output));
        } else {
          examples.addAll(dollarLines(doc, block));
        }
      }
      byPage.put(doc, examples);
    }
    return byPage;
  }

  private static Example example(
      String doc, Block block, int line, String script, List<String> output) {
    String exit = marker(block, EXIT);
    return new Example(
        doc,
        line,
        script,
        marker(block, NOT_RUN),
        marker(block, CHECKED),
        marker(block, RUN_UNTIL),
        marker(block, NEEDS),
        marker(block, TEST_WITH),
        exit == null ? 0 : Integer.parseInt(exit),
        output);
  }

  /** Whether {@code next} is the output of the shell block {@code shell}: right after it. */
  private static boolean isOutput(Block next, Block shell, List<String> text) {
    if (!(next.tag().isEmpty() || next.tag().equals("text")) || !next.comments().isEmpty()) {
      return false;
    }
    int shellEnd = shell.line() + shell.lines().size() + 1;
    for (int i = shellEnd; i < next.line() - 1; i++) {
      if (!text.get(i).isBlank()) {
        return false;
      }
    }
    return true;
  }

  /** The {@code $ } lines of a block (with their continuation lines), each followed by output. */
  private static List<Example> dollarLines(String doc, Block block) {
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
      examples.add(example(doc, block, line, script.toString(), output));
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

  /**
   * The first line of {@code expected} that {@code printed} does not have, in order; {@code ...}
   * stands for anything, blank lines are skipped, spaces are compared as one.
   */
  static String firstMissing(List<String> expected, String printed) {
    List<String> actual = printed.lines().map(DocExamples::spaces).toList();
    int from = 0;
    for (String line : expected) {
      String want = spaces(line);
      if (want.isEmpty() || want.equals("...") || want.equals("…")) {
        continue;
      }
      Pattern p = linePattern(want);
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

  /** A line as shown, {@code ...} standing for anything, spaces compared as one. */
  static Pattern linePattern(String shown) {
    return Pattern.compile(Pattern.quote(spaces(shown)).replace("...", "\\E.*\\Q"));
  }

  static String spaces(String line) {
    return line.strip().replaceAll("\\s+", " ");
  }
}
