package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Where the commands read their input files: a path, or standard input for {@code -}. Text is
 * UTF-8, a byte order mark at the start is skipped, and a line that is not UTF-8 is read as Latin-1
 * (every byte a character), so a log of any bytes can be read.
 */
final class TextInput {

  /** The file name that means standard input. */
  static final String STDIN = "-";

  /** The prefix of a scenario file name that means a built-in scenario: {@code builtin:NAME}. */
  static final String BUILTIN = "builtin:";

  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private final Supplier<InputStream> stdin;

  TextInput(Supplier<InputStream> stdin) {
    this.stdin = stdin;
  }

  /** The text of a file: its lines and the 1-based numbers of those read as Latin-1. */
  record Text(List<String> lines, List<Integer> latin1Lines) {

    /** The lines joined with newlines, each ending in one. */
    String joined() {
      StringBuilder text = new StringBuilder();
      lines.forEach(line -> text.append(line).append('\n'));
      return text.toString();
    }

    /** One line saying which lines were read as Latin-1, for the command's stderr report. */
    String latin1Note() {
      List<Integer> shown = latin1Lines.subList(0, Math.min(5, latin1Lines.size()));
      String more = latin1Lines.size() > shown.size() ? " and more" : "";
      return latin1Lines.size()
          + (latin1Lines.size() == 1 ? " line is" : " lines are")
          + " not UTF-8 and read as Latin-1 (line "
          + String.join(", ", shown.stream().map(String::valueOf).toList())
          + more
          + ")";
    }
  }

  /** Whether {@code file} names standard input. */
  static boolean isStdin(Path file) {
    return file.toString().equals(STDIN);
  }

  /** The stream of {@code file}, standard input for {@code -}; the caller closes it. */
  InputStream open(Path file) throws IOException {
    if (isStdin(file)) {
      return stdin.get();
    }
    if (Files.isDirectory(file)) {
      throw new IOException("is a directory");
    }
    return Files.newInputStream(file);
  }

  /** Reads {@code file} (or standard input) as text. */
  Text read(Path file) throws IOException {
    byte[] bytes;
    try (InputStream in = open(file)) {
      bytes = in.readAllBytes();
    }
    return decode(bytes);
  }

  /**
   * Reads a scenario file as text: a path, standard input for {@code -}, or the text form of a
   * built-in scenario for {@code builtin:NAME} (the names {@code vmbackdoor scenarios} lists).
   */
  Text readScenario(Path file) throws IOException {
    String name = file.toString();
    if (!name.startsWith(BUILTIN)) {
      return read(file);
    }
    String builtIn = name.substring(BUILTIN.length());
    Scenario scenario =
        BuiltInScenarios.named(builtIn)
            .orElseThrow(
                () ->
                    new IOException(
                        "no built-in scenario '"
                            + builtIn
                            + "'; the built-in ones are "
                            + BuiltInScenarios.all().stream()
                                .map(Scenario::name)
                                .collect(Collectors.joining(", "))));
    return decode(scenario.toText().getBytes(StandardCharsets.UTF_8));
  }

  /** Lines of UTF-8 text, a line that is not UTF-8 read as Latin-1; a leading BOM skipped. */
  static Text decode(byte[] bytes) {
    int start = startsWithBom(bytes) ? BOM.length : 0;
    List<String> lines = new ArrayList<>();
    List<Integer> latin1 = new ArrayList<>();
    while (start < bytes.length) {
      int end = start;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      int next = end + 1;
      if (end > start && bytes[end - 1] == '\r') {
        end--;
      }
      ByteBuffer line = ByteBuffer.wrap(bytes, start, end - start);
      try {
        lines.add(
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(line)
                .toString());
      } catch (CharacterCodingException e) {
        lines.add(new String(bytes, start, end - start, StandardCharsets.ISO_8859_1));
        latin1.add(lines.size());
      }
      start = next;
    }
    return new Text(List.copyOf(lines), List.copyOf(latin1));
  }

  private static boolean startsWithBom(byte[] bytes) {
    return bytes.length >= BOM.length
        && bytes[0] == BOM[0]
        && bytes[1] == BOM[1]
        && bytes[2] == BOM[2];
  }

  /** The reason a file could not be read, in a few words. */
  static String reason(Exception e) {
    Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
    if (cause instanceof NoSuchFileException) {
      return "no such file";
    }
    if (cause instanceof AccessDeniedException) {
      return "permission denied";
    }
    return cause.getMessage();
  }
}
