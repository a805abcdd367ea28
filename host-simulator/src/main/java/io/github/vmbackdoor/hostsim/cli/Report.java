package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.Classification;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.TimedLine;
import io.github.vmbackdoor.rpc.TcloMachineFactory;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How the commands print outcomes: virtual times, abbreviated log lines, comparison tables. */
final class Report {

  /** The longest repeating group of lines that abbreviation looks for. */
  private static final int MAX_PERIOD = 6;

  private Report() {}

  /** A virtual time as {@code h:mm:ss.SSS} (or {@code mm:ss.SSS} below an hour). */
  static String time(Duration d) {
    long ms = d.toMillis();
    long h = ms / 3_600_000;
    long m = ms / 60_000 % 60;
    long s = ms / 1000 % 60;
    long frac = ms % 1000;
    return h > 0
        ? String.format(Locale.ROOT, "%d:%02d:%02d.%03d", h, m, s, frac)
        : String.format(Locale.ROOT, "%02d:%02d.%03d", m, s, frac);
  }

  /**
   * A duration in its shortest exact form, as everywhere ({@link Durations#format}): {@code 1s},
   * {@code 2m5.5s}, {@code 2.02s}.
   */
  static String span(Duration d) {
    return Durations.format(d);
  }

  /**
   * The outcome in words, with its definition: {@code recovered after 1s}, {@code stuck (no
   * successful poll after the failures)}.
   */
  static String verdict(ScenarioOutcome o) {
    Classification c = o.classification();
    return c == Classification.RECOVERED
        ? "recovered after " + o.timeToRecover().map(Report::span).orElse("?")
        : c.name().toLowerCase(Locale.ROOT) + " (" + c.meaning() + ")";
  }

  /** A short verdict for tables. */
  static String shortVerdict(ScenarioOutcome o) {
    Classification c = o.classification();
    if (c == Classification.RECOVERED) {
      return "recovered, " + o.timeToRecover().map(Report::span).orElse("?");
    }
    return c.name().toLowerCase(Locale.ROOT);
  }

  /**
   * Prints the log lines with their times, at most {@code maxLines} of them; a group of up to six
   * lines repeated at least three times in a row prints once, with how often it repeats.
   */
  static void abbreviatedLines(
      PrintWriter out, List<TimedLine> lines, String indent, int maxLines) {
    int printed = 0;
    int i = 0;
    while (i < lines.size()) {
      int bestPeriod = 0;
      int bestCount = 0;
      for (int p = 1; p <= MAX_PERIOD && i + p <= lines.size(); p++) {
        int k = repetitions(lines, i, p);
        if (k >= 3 && k * p > bestCount * bestPeriod) {
          bestPeriod = p;
          bestCount = k;
        }
      }
      if (printed + Math.max(1, bestPeriod) > maxLines) {
        int left = lines.size() - i;
        out.println(indent + "... and " + left + (left == 1 ? " more line" : " more lines"));
        return;
      }
      if (bestPeriod == 0) {
        printLine(out, indent, lines.get(i));
        printed++;
        i++;
        continue;
      }
      for (int j = 0; j < bestPeriod; j++) {
        printLine(out, indent, lines.get(i + j));
      }
      printed += bestPeriod;
      Duration first = lines.get(i).at();
      Duration next = lines.get(i + bestPeriod).at();
      Duration last = lines.get(i + (bestCount - 1) * bestPeriod).at();
      out.println(
          indent
              + "    ... "
              + (bestPeriod == 1 ? "this line repeats " : "these " + bestPeriod + " lines repeat ")
              + (bestCount - 1)
              + " more times, every "
              + span(next.minus(first))
              + ", the last at "
              + time(last));
      i += bestCount * bestPeriod;
    }
  }

  private static int repetitions(List<TimedLine> lines, int start, int period) {
    int k = 1;
    while (start + (k + 1) * period <= lines.size()) {
      for (int j = 0; j < period; j++) {
        if (!lines.get(start + j).text().equals(lines.get(start + k * period + j).text())) {
          return k;
        }
      }
      k++;
    }
    return k;
  }

  private static void printLine(PrintWriter out, String indent, TimedLine line) {
    out.println(indent + time(line.at()) + "  " + line.text());
  }

  /** One machine's outcome: the verdict line, then its abbreviated log lines. */
  static void outcome(PrintWriter out, String label, ScenarioOutcome o, int maxLines) {
    out.println(
        String.format(
            Locale.ROOT,
            "%-15s %s; %d log lines (%s per virtual hour)",
            label,
            verdict(o),
            o.lines().size(),
            perHour(o.linesPerHour())));
    if (o.lines().isEmpty()) {
      out.println("    (printed nothing)");
    } else {
      abbreviatedLines(out, o.lines(), "    ", maxLines);
    }
  }

  /** Prints {@code text} in lines of at most {@code width} characters, after {@code indent}. */
  static void wrapped(PrintWriter out, String text, String indent, int width) {
    StringBuilder line = new StringBuilder(indent);
    for (String word : text.split(" ")) {
      if (line.length() > indent.length() && line.length() + 1 + word.length() > width) {
        out.println(line);
        line.setLength(0);
        line.append(indent);
      }
      if (line.length() > indent.length()) {
        line.append(' ');
      }
      line.append(word);
    }
    out.println(line);
  }

  /** Lines per hour: one decimal below 10, whole numbers above. */
  static String perHour(double rate) {
    return rate < 10
        ? String.format(Locale.ROOT, "%.1f", rate)
        : String.format(Locale.ROOT, "%.0f", rate);
  }

  /** The comparison table of one scenario across machines. */
  static void comparison(
      PrintWriter out, Map<? extends TcloMachineFactory, ScenarioOutcome> outcomes) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "machine",
          "outcome",
          "time to recover",
          "lines/hour",
          "most frequent line after the trouble"
        });
    for (Map.Entry<? extends TcloMachineFactory, ScenarioOutcome> e : outcomes.entrySet()) {
      ScenarioOutcome o = e.getValue();
      rows.add(
          new String[] {
            e.getKey().machineName(),
            o.classification().name().toLowerCase(Locale.ROOT),
            o.classification() == Classification.STUCK
                    || o.classification() == Classification.FLAPPING
                ? "never"
                : o.timeToRecover().map(Report::span).orElse("?"),
            perHour(o.linesPerHour()),
            o.mostFrequentLine(o.troubleStart()).orElse("(none)")
          });
    }
    table(out, rows);
  }

  /** Prints rows as a table with aligned columns, the first row as the header. */
  static void table(PrintWriter out, List<String[]> rows) {
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int c = 0; c < r.length; c++) {
        width[c] = Math.max(width[c], r[c].length());
      }
    }
    for (int i = 0; i < rows.size(); i++) {
      StringBuilder b = new StringBuilder();
      for (int c = 0; c < width.length; c++) {
        String cell = rows.get(i)[c];
        b.append(c == width.length - 1 ? cell : String.format("%-" + width[c] + "s  ", cell));
      }
      out.println(b.toString().stripTrailing());
      if (i == 0) {
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < width.length; c++) {
          rule.append("-".repeat(width[c])).append(c == width.length - 1 ? "" : "  ");
        }
        out.println(rule);
      }
    }
  }
}
