package io.github.vmbackdoor.hostsim.logimport;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedSet;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.settings.RefusalRegisters;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.VmtFlavor;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns a kernel log with vmt(4) lines into a {@link Scenario} that reproduces the host behaviour
 * the log implies. The rules are in {@code docs/kernel-log-import.md}; each event of the scenario
 * carries comments naming the log lines it came from. {@link Verification} checks the result
 * against the legacy machine of the log's flavor.
 */
public final class LogImport {

  /** How long a loop the log ends in is kept going by default: one virtual hour. */
  public static final Duration DEFAULT_LOOP_RUN = Duration.ofHours(1);

  private LogImport() {}

  /** What an import produced. */
  public static final class Result {
    private final Scenario scenario;
    private final ImmutableList<VmtLogLine> lines;
    private final ImmutableSortedSet<Integer> elisions;
    private final ImmutableList<String> skipped;
    private final LogFlavor.Detected flavor;
    private final Optional<TailLoop> loop;

    Result(
        Scenario scenario,
        ImmutableList<VmtLogLine> lines,
        ImmutableSortedSet<Integer> elisions,
        ImmutableList<String> skipped,
        LogFlavor.Detected flavor,
        Optional<TailLoop> loop) {
      this.scenario = scenario;
      this.lines = lines;
      this.elisions = elisions;
      this.skipped = skipped;
      this.flavor = flavor;
      this.loop = loop;
    }

    /** The scenario. */
    public Scenario scenario() {
      return scenario;
    }

    /** The vmt lines read from the log, in order. */
    public ImmutableList<VmtLogLine> lines() {
      return lines;
    }

    /**
     * Where the log leaves lines out: for each elision line, the index in {@link #lines()} of the
     * first line after it ({@code lines().size()} at the end).
     */
    public ImmutableSortedSet<Integer> elisions() {
      return elisions;
    }

    /** How many vmt lines the log had. */
    public int vmtLines() {
      return lines.size();
    }

    /** Lines that looked like vmt lines but are not in the catalogue, as {@code N: text}. */
    public ImmutableList<String> skipped() {
      return skipped;
    }

    /** The version family the log shows. */
    public LogFlavor flavor() {
      return flavor.flavor();
    }

    /** Why the importer chose {@link #flavor()}. */
    public String flavorReason() {
      return flavor.reason();
    }

    Optional<TailLoop> loop() {
      return loop;
    }
  }

  /**
   * Imports a log; a loop it ends in is kept going for {@link #DEFAULT_LOOP_RUN}.
   *
   * @param fileName the log's file name: the scenario is named after it
   * @param rawLines the log's lines
   */
  public static Result importLog(String fileName, List<String> rawLines) {
    return importLog(fileName, rawLines, DEFAULT_LOOP_RUN);
  }

  /**
   * Imports a log.
   *
   * @param fileName the log's file name: the scenario is named after it
   * @param rawLines the log's lines
   * @param loopRun how long the scenario keeps a loop the log ends in going, from its first line
   */
  public static Result importLog(String fileName, List<String> rawLines, Duration loopRun) {
    Preconditions.checkNotNull(rawLines, "rawLines");
    Preconditions.checkArgument(loopRun.compareTo(Duration.ZERO) > 0, "loopRun must be positive");
    VmtLogParser.Result parsed = VmtLogParser.parse(rawLines);
    ImmutableList<VmtLogLine> lines = parsed.lines();
    LogFlavor.Detected flavor = LogFlavor.detect(rawLines, lines);
    VmtFlavor machine = flavor.flavor().machine();
    // OpenBSD's guest-info tick runs on its own timer, every 15 s from attach: a grid to move the
    // log onto. The NetBSD machines run it on the TCLO tick, where it drifts with the tick's delays
    // (15 s after a failed reopen, 0 after a message): no fixed grid, the log stays where it is.
    InferenceRules rules =
        new InferenceRules(
            lines,
            parsed.elisions(),
            machine.guestInfoOnOwnTimer() ? TcloOptions.defaults().guestInfoInterval() : null,
            Duration.ZERO);
    rules.run();
    Duration last = Duration.ZERO;
    for (InferenceRules.Inferred e : rules.events) {
      last = e.at().compareTo(last) > 0 ? e.at() : last;
    }
    Duration length = rules.runLength(last, loopRun);

    Scenario.Builder b =
        Scenario.named(scenarioName(fileName))
            .description(
                "imported from "
                    + fileName
                    + ": "
                    + lines.size()
                    + " vmt lines, "
                    + rules.events.size()
                    + " host events")
            .flavor(flavor.flavor().machine());
    b.comment(
        "Imported from "
            + fileName
            + " by vmbackdoor import-log"
            + " (rules: docs/kernel-log-import.md).");
    b.comment("Flavor " + flavor.flavor().label() + ": " + flavor.reason() + ".");
    b.comment(
        "Times: the first host event at "
            + format(rules.clock.firstEvent())
            + " of virtual time, the others at their distance from it in the log"
            + rules.clock.describe());
    if (rules.clock.gridShift() != 0) {
      b.comment(
          "Moved "
              + rules.clock.gridShift()
              + " s so that the first guest-info failure comes just before a run of vmt_tick"
              + " (its own timer, every 15 s from attach).");
    }
    for (String s : parsed.unknown()) {
      b.comment("Skipped (not in the catalogue): line " + s);
    }
    for (String c : rules.scenarioComments) {
      b.comment(c);
    }
    if (rules.rejectUnsolicited) {
      b.rejectUnsolicitedTcloReplies(true);
    }
    rules.refusalRegisters.ifPresent(
        r -> {
          b.comment(
              "Refused calls print eax="
                  + (r == RefusalRegisters.ZERO ? "0" : "the magic")
                  + ": host refusalRegisters "
                  + r.keyword()
                  + ".");
          b.refusalRegisters(r);
        });
    if (rules.resetAfterUnsolicitedReply) {
      b.resetAfterUnsolicitedReply(true);
    }
    for (InferenceRules.Inferred e : rules.events) {
      Scenario.When when = b.at(e.at());
      e.comments().forEach(when::comment);
      e.action().addTo(when);
    }
    b.runFor(length);
    return new Result(b.build(), lines, parsed.elisions(), parsed.unknown(), flavor, rules.loop);
  }

  private static String scenarioName(String fileName) {
    String base = fileName.replaceFirst("\\.[A-Za-z0-9]+$", "").replaceAll("[^A-Za-z0-9._-]", "-");
    return base.isEmpty() ? "imported-log" : base;
  }

  static String format(Duration d) {
    long ms = d.toMillis();
    return String.format(Locale.ROOT, "%d:%02d.%03d", ms / 60_000, ms / 1000 % 60, ms % 1000);
  }
}
