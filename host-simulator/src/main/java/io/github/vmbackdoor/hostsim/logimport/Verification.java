package io.github.vmbackdoor.hostsim.logimport;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.VmtMessage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An import checked against the legacy machine: the imported scenario is run, and the vmt lines the
 * machine printed are compared with the log's, in order, word for word (register words included, so
 * {@code eax=00000000} and {@code eax=0} differ). Time stamps are not compared, and neither is the
 * boot-time {@code vmt0: UUID: ...} line, which no machine prints.
 *
 * @param reproduced how many of the log's lines, from the first, the machine printed the same
 * @param total how many vmt lines the log has (without UUID lines)
 * @param leftOut how many lines the machine printed where the log leaves lines out (its {@code …}
 *     or {@code ...} lines), before the line after each
 * @param firstDifference the first line the machine did not produce, if any
 * @param loopStillGoing whether the loop the log ends in is still printed at the end of the run
 * @param runEnd the virtual time the run ended at
 */
public record Verification(
    int reproduced,
    int total,
    int leftOut,
    Optional<Difference> firstDifference,
    boolean loopStillGoing,
    Duration runEnd) {

  /**
   * The first line the machine did not produce.
   *
   * @param logLine the log's line number
   * @param expected the log's text
   * @param printed the machine's text at that place, empty when it printed no more lines
   */
  public record Difference(int logLine, String expected, Optional<String> printed) {}

  /** Whether every line of the log was reproduced. */
  public boolean matches() {
    return firstDifference.isEmpty();
  }

  /** Runs {@code imported}'s scenario against the legacy machine and compares. */
  public static Verification of(LogImport.Result imported) {
    ScenarioOutcome legacy = ScenarioRunner.run(imported.scenario(), TcloMachines.LEGACY);
    return compare(imported, legacy);
  }

  static Verification compare(LogImport.Result imported, ScenarioOutcome outcome) {
    List<String> printedTexts =
        outcome.lines().stream().map(ScenarioOutcome.TimedLine::text).toList();
    List<VmtLogLine> printed = comparable(VmtLogParser.parse(printedTexts).lines());
    List<VmtLogLine> all = imported.lines();
    int total = comparable(all).size();
    int n = 0;
    int p = 0;
    int leftOut = 0;
    Optional<Difference> difference = Optional.empty();
    for (int i = 0; i < all.size() && difference.isEmpty(); i++) {
      VmtLogLine want = all.get(i);
      if (want.message() == VmtMessage.UUID) {
        continue;
      }
      if (imported.elisions().contains(i)) {
        // Lines left out here: the machine may print any number of lines before this one.
        int found = p;
        while (found < printed.size() && !words(want).equals(words(printed.get(found)))) {
          found++;
        }
        if (found < printed.size()) {
          leftOut += found - p;
          p = found;
        }
      }
      if (p >= printed.size()) {
        difference = Optional.of(new Difference(want.lineNumber(), want.text(), Optional.empty()));
      } else if (!words(want).equals(words(printed.get(p)))) {
        difference =
            Optional.of(
                new Difference(want.lineNumber(), want.text(), Optional.of(printed.get(p).text())));
      } else {
        n++;
        p++;
      }
    }
    return new Verification(
        n, total, leftOut, difference, stillGoing(imported, outcome), outcome.end());
  }

  private static List<VmtLogLine> comparable(List<VmtLogLine> lines) {
    return lines.stream().filter(l -> l.message() != VmtMessage.UUID).toList();
  }

  /** The line without its device number's spacing quirks: words separated by single spaces. */
  private static String words(VmtLogLine l) {
    return l.text().strip().replaceAll("\\s+", " ");
  }

  /**
   * The final loop is still going when each of its lines was printed in the last few of its
   * cadences before the end of the run.
   */
  private static boolean stillGoing(LogImport.Result imported, ScenarioOutcome outcome) {
    Optional<TailLoop> loop = imported.loop();
    if (loop.isEmpty()) {
      return false;
    }
    Duration from = outcome.end().minus(loop.get().cadence().multipliedBy(3));
    List<String> recent = outcome.linesFrom(from);
    return loop.get().texts(imported.lines()).stream()
        .map(t -> t.strip().replaceAll("\\s+", " "))
        .allMatch(t -> recent.stream().anyMatch(r -> r.strip().replaceAll("\\s+", " ").equals(t)));
  }

  /** The report {@code import-log} prints: the count, the first difference, the loop. */
  public ImmutableList<String> report() {
    ImmutableList.Builder<String> b = ImmutableList.builder();
    b.add(
        "reproduced "
            + reproduced
            + " of "
            + total
            + " lines against the legacy machine"
            + (leftOut > 0
                ? " (and "
                    + leftOut
                    + (leftOut == 1 ? " line" : " lines")
                    + " where the log leaves lines out)"
                : ""));
    firstDifference.ifPresent(
        d -> {
          b.add("first difference at log line " + d.logLine() + ":");
          b.add("  log:    " + d.expected());
          b.add("  replay: " + d.printed().orElse("(no more vmt lines)"));
        });
    if (loopStillGoing) {
      b.add(
          "the loop the log ends in is still going at the end of the run ("
              + LogImport.format(runEnd)
              + " of virtual time)");
    }
    return b.build();
  }
}
