package io.github.vmbackdoor.hostsim.logimport;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.Fault;
import io.github.vmbackdoor.hostsim.Invalidation;
import io.github.vmbackdoor.hostsim.KebabCase;
import io.github.vmbackdoor.hostsim.PowerOperation;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.rpc.VmtFlavor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Turns a kernel log with vmt(4) lines into a {@link Scenario} that reproduces the host behaviour
 * the log implies. The rules are in {@code docs/kernel-log-import.md}; each event of the scenario
 * carries comments naming the log lines it came from.
 */
public final class LogImport {

  /** Where the first host event lands in virtual time: between two of vmt's guest-info ticks. */
  static final Duration FIRST_EVENT = Duration.ofMillis(605_500);

  /** vmt's delay after a TCLO failure. */
  static final Duration ERROR_CADENCE = Duration.ofSeconds(1);

  /** vmt's delay after a failed reopen. */
  static final Duration REOPEN_CADENCE = Duration.ofSeconds(15);

  /** How long a scenario runs after its last event when the log does not end in a loop. */
  static final Duration AFTER_LAST_EVENT = Duration.ofMillis(2_500);

  private static final int MAX_LOOP_PERIOD = 8;

  private LogImport() {}

  /** What an import produced. */
  public static final class Result {
    private final Scenario scenario;
    private final ImmutableList<VmtLogLine> lines;
    private final ImmutableList<String> skipped;

    Result(Scenario scenario, ImmutableList<VmtLogLine> lines, ImmutableList<String> skipped) {
      this.scenario = scenario;
      this.lines = lines;
      this.skipped = skipped;
    }

    /** The scenario. */
    public Scenario scenario() {
      return scenario;
    }

    /** The vmt lines read from the log, in order. */
    public ImmutableList<VmtLogLine> lines() {
      return lines;
    }

    /** How many vmt lines the log had. */
    public int vmtLines() {
      return lines.size();
    }

    /** Lines that looked like vmt lines but are not in the catalogue, as {@code N: text}. */
    public ImmutableList<String> skipped() {
      return skipped;
    }
  }

  /** One inferred host event, before it becomes a scenario entry. */
  private record Inferred(Duration at, List<String> comments, Action action) {}

  @FunctionalInterface
  private interface Action {
    Scenario.Builder addTo(Scenario.When when);
  }

  /**
   * Imports a log.
   *
   * @param fileName the log's file name: the scenario is named after it
   * @param rawLines the log's lines
   */
  public static Result importLog(String fileName, List<String> rawLines) {
    Preconditions.checkNotNull(rawLines, "rawLines");
    VmtLogParser.Result parsed = VmtLogParser.parse(rawLines);
    ImmutableList<VmtLogLine> lines = parsed.lines();
    VmtFlavor flavor = flavor(rawLines, lines);
    Importer importer = new Importer(lines, flavorReason(rawLines, lines));
    importer.run();
    Duration last = Duration.ZERO;
    for (Inferred e : importer.events) {
      last = e.at().compareTo(last) > 0 ? e.at() : last;
    }
    Duration length = importer.runLength(last);

    Scenario.Builder b =
        Scenario.named(scenarioName(fileName))
            .description(
                "imported from "
                    + fileName
                    + ": "
                    + lines.size()
                    + " vmt lines, "
                    + importer.events.size()
                    + " host events")
            .flavor(flavor);
    b.comment(
        "Imported from "
            + fileName
            + " by vmbackdoor import-log"
            + " (rules: docs/kernel-log-import.md).");
    b.comment(
        "Flavor " + flavor.name().toLowerCase(Locale.ROOT) + ": " + importer.flavorReason + ".");
    b.comment(
        "Times: the first host event at "
            + format(FIRST_EVENT)
            + " of virtual time, the"
            + " others at their distance from it in the log"
            + (importer.stamped
                ? "."
                : " (the log has no time stamps: one second per line but the vmware: ones)."));
    for (String s : parsed.unknown()) {
      b.comment("Skipped (not in the catalogue): line " + s);
    }
    for (String c : importer.scenarioComments) {
      b.comment(c);
    }
    if (importer.rejectUnsolicited) {
      b.rejectUnsolicitedTcloReplies(true);
    }
    for (Inferred e : importer.events) {
      Scenario.When when = b.at(e.at());
      e.comments().forEach(when::comment);
      e.action().addTo(when);
    }
    b.runFor(length);
    return new Result(b.build(), lines, parsed.unknown());
  }

  private static String scenarioName(String fileName) {
    String base = fileName.replaceFirst("\\.[A-Za-z0-9]+$", "").replaceAll("[^A-Za-z0-9._-]", "-");
    return base.isEmpty() ? "imported-log" : base;
  }

  /** OpenBSD when the log says so (syslog program /bsd, OpenBSD-only lines, run-in lines). */
  private static VmtFlavor flavor(List<String> raw, List<VmtLogLine> lines) {
    return flavorReason(raw, lines).startsWith("OpenBSD") ? VmtFlavor.OPENBSD : VmtFlavor.NETBSD;
  }

  static String flavorReason(List<String> raw, List<VmtLogLine> lines) {
    for (String r : raw) {
      if (r.contains(" /bsd:")) {
        return "OpenBSD (the syslog program is /bsd)";
      }
    }
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).message() == VmtMessage.RESUMING_FROM_SUSPEND) {
        return "OpenBSD (it prints 'VMware guest resuming from suspended state')";
      }
      if (i > 0 && lines.get(i).lineNumber() == lines.get(i - 1).lineNumber()) {
        return "OpenBSD (debug lines without a newline run into the next)";
      }
    }
    for (String r : raw) {
      if (r.contains(" /netbsd:")) {
        return "NetBSD (the syslog program is /netbsd)";
      }
    }
    return "NetBSD (nothing OpenBSD-only in the log)";
  }

  static String format(Duration d) {
    long ms = d.toMillis();
    return String.format(Locale.ROOT, "%d:%02d.%03d", ms / 60_000, ms / 1000 % 60, ms % 1000);
  }

  /** The walk over the lines: state, and the events inferred. */
  private static final class Importer {
    final List<VmtLogLine> lines;
    final String flavorReason;
    final List<Inferred> events = new ArrayList<>();
    final List<String> scenarioComments = new ArrayList<>();
    boolean stamped;
    boolean rejectUnsolicited;

    private double origin = Double.NaN;
    private final double[] seconds;
    private boolean tcloDown;
    private boolean checkpointSinceReset;
    private boolean reopenedAfterReset;
    private boolean tableFull;
    private VmtLogLine low;
    private int lowIndex = -1;
    private int faults;

    /** The last event before the loop the log ends in, and the loop's length. */
    private Duration loopEvent;

    private int loopRepetitions;
    private int loopPeriod;
    private Duration loopStart;
    private Duration loopCadence = ERROR_CADENCE;
    private int lastPowerLine = Integer.MIN_VALUE / 2;

    Importer(List<VmtLogLine> lines, String flavorReason) {
      this.lines = lines;
      this.flavorReason = flavorReason;
      this.seconds = new double[lines.size()];
      this.stamped = !lines.isEmpty() && lines.stream().allMatch(l -> l.seconds().isPresent());
      int vmtLine = 0;
      for (int i = 0; i < lines.size(); i++) {
        VmtLogLine l = lines.get(i);
        if (stamped) {
          seconds[i] = l.seconds().getAsDouble();
        } else {
          if (l.message().prefix() != VmtMessage.Prefix.VMWARE) {
            vmtLine++;
          }
          seconds[i] = vmtLine;
        }
      }
    }

    /** The virtual time of line {@code i}: relative to the first event's line. */
    Duration time(int i) {
      if (Double.isNaN(origin)) {
        origin = seconds[i];
      }
      double rel = Math.max(0, seconds[i] - origin);
      return FIRST_EVENT.plusNanos(Math.round(rel * 1e9));
    }

    void add(int anchor, List<String> comments, Action action) {
      events.add(new Inferred(time(anchor), comments, action));
    }

    String quote(int i) {
      return "line " + lines.get(i).lineNumber() + ": " + lines.get(i).text();
    }

    /** The comments for an event explained by line i and the low-level line before it. */
    List<String> cite(int i, String... inference) {
      List<String> c = new ArrayList<>();
      if (low != null && lowIndex == i - 1) {
        c.add(quote(i - 1));
      }
      c.add(quote(i));
      for (String s : inference) {
        c.add("  -> " + s);
      }
      return c;
    }

    int anchorOf(int i) {
      return low != null && lowIndex == i - 1 ? i - 1 : i;
    }

    void run() {
      int tailStart = tailLoopStart();
      int firstRepetitionEnd = tailStart < 0 ? -1 : tailStart + loopPeriod - 1;
      for (int i = 0; i < lines.size(); i++) {
        VmtLogLine l = lines.get(i);
        VmtMessage m = l.message();
        if (m.carriesRegisters()) {
          low = l;
          lowIndex = i;
        } else {
          step(i, m, l);
        }
        if (i == firstRepetitionEnd && !events.isEmpty()) {
          loopEvent = events.get(events.size() - 1).at();
          loopCadence = cadence(tailStart);
          loopStart = time(tailStart);
        }
      }
    }

    private void step(int i, VmtMessage m, VmtLogLine l) {
      switch (m) {
        case PING_FAILED:
          if (!tcloDown) {
            tcloDown = true;
            int status = lowStatus(VmtMessage.SENDING_LENGTH_FAILED);
            if ((status & BackdoorProtocol.STATUS_CLOSED) != 0) {
              add(
                  anchorOf(i),
                  cite(
                      i,
                      "the empty ping was refused with CLOSED: the host closed"
                          + " the TCLO channel (vmt pings every second from now on)"),
                  Scenario.When::closeTclo);
            } else {
              add(
                  anchorOf(i),
                  cite(
                      i,
                      "the empty ping was refused with status "
                          + hex(status)
                          + ": the host no longer knows the TCLO channel (vmt pings every"
                          + " second from now on)"),
                  w -> w.invalidateTclo(Invalidation.COOKIES_INVALID));
            }
          }
          break;
        case TCLO_GET_LENGTH_FAILED:
        case TCLO_GET_DATA_FAILED:
          if (!tcloDown) {
            tcloDown = true;
            boolean length = m == VmtMessage.TCLO_GET_LENGTH_FAILED;
            int status =
                length
                    ? lowStatus(VmtMessage.GET_LENGTH_FAILED)
                    : lowStatus(VmtMessage.GET_DATA_FAILED);
            Step step = length ? Step.RECVSIZE : Step.RECV_HB;
            Fault.Builder f =
                Fault.builder().protocol(BackdoorProtocol.PROTOCOL_TCLO).step(step).nth(2);
            String what;
            if ((status & BackdoorProtocol.STATUS_CPT) != 0) {
              f.checkpoint();
              what = "a checkpoint cut it";
            } else if ((status & BackdoorProtocol.STATUS_CLOSED) != 0) {
              f.closeChannel();
              what = "the host closed the channel there";
            } else {
              f.dropChannel();
              what = "the host dropped the channel there (status " + hex(status) + ")";
            }
            String name = "tclo-" + (++faults);
            Fault fault = f.build();
            add(
                anchorOf(i),
                cite(
                    i,
                    "no ping before the failed "
                        + (length ? "length" : "data")
                        + " request, so vmt had just handled a host command: the host sends one ('ping'),",
                    "and at vmt's next TCLO " + (length ? "length" : "data") + " request " + what),
                w -> w.fault(name, fault));
            add(anchorOf(i), List.of(), w -> w.sendTclo("ping"));
          }
          break;
        case RESETTING_RPC:
          tcloDown = false;
          reopenedAfterReset = true;
          if (checkpointSinceReset) {
            add(
                i,
                cite(
                    i,
                    "'reset' arrived while vmt's error flag was set; after a checkpoint"
                        + " the host sends 'reset' first, so: the checkpoint (suspend/resume) itself"),
                Scenario.When::checkpoint);
          } else {
            add(
                i,
                cite(i, "the host sent 'reset' while vmt's error flag was set: a host reset"),
                Scenario.When::hostReset);
          }
          checkpointSinceReset = false;
          break;
        case RESET_REPLY_FAILED:
          if (reopenedAfterReset && !rejectUnsolicited) {
            rejectUnsolicited = true;
            scenarioComments.add(quote(i));
            scenarioComments.add(
                "  -> the unsolicited reset reply after the reopen was refused:"
                    + " the host rejects unsolicited TCLO replies (host reject-unsolicited-replies)");
          }
          reopenedAfterReset = false;
          break;
        case REOPEN_FAILED:
          if (!tableFull) {
            tableFull = true;
            loopCadence = REOPEN_CADENCE;
            events.add(
                new Inferred(
                    time(anchorOf(i)),
                    cite(
                        i,
                        "vmt closed TCLO and cannot open it again: the channel table is full"
                            + " (another process holds every channel); vmt retries every 15 s"),
                    Scenario.When::fillChannelTable));
          }
          break;
        case RPCI_OPEN_FAILED:
        case RPCI_SEND_FAILED:
        case RPCI_GET_LENGTH_FAILED:
        case RPCI_GET_DATA_FAILED:
          rpciFault(i, m);
          break;
        case UNKNOWN_COMMAND:
          {
            String command = l.detail().replaceAll("^\"|\"$", "");
            if (!command.isEmpty()) {
              add(
                  i,
                  cite(i, "the host sent a command vmt does not know"),
                  w -> w.sendTclo(command));
            }
            break;
          }
        case STATE_CHANGE_FAILED:
          if (i - lastPowerLine > 4) {
            // OS_PowerOn is the only power command vmt handles without a line of its own.
            Duration at = events.isEmpty() ? time(i) : events.get(events.size() - 1).at();
            events.add(
                new Inferred(
                    at,
                    cite(
                        i,
                        "a failed state-change status with no power"
                            + " line just before it: the host asked for OS_PowerOn (vmt prints nothing for"
                            + " it)"),
                    w -> w.power(PowerOperation.POWER_ON)));
          }
          break;
        case ENTERING_SUSPEND:
          power(i, PowerOperation.SUSPEND);
          break;
        case GUEST_RESUMING:
        case RESUMING_FROM_SUSPEND:
          power(i, PowerOperation.RESUME);
          break;
        case HOST_SHUTDOWN:
          power(i, PowerOperation.HALT);
          break;
        case HOST_REBOOT:
          power(i, PowerOperation.REBOOT);
          break;
        default:
          // A consequence of an event already inferred (the RPCI's caller, a close that
          // failed), or boot-time identification: no host event of its own.
          break;
      }
    }

    private void power(int i, PowerOperation op) {
      lastPowerLine = i;
      add(i, cite(i, "the host asked for " + op.command()), w -> w.power(op));
    }

    private void rpciFault(int i, VmtMessage m) {
      if (m == VmtMessage.RPCI_OPEN_FAILED && tableFull) {
        return;
      }
      VmtLogLine cause = low != null && lowIndex == i - 1 ? low : null;
      Step step;
      if (cause == null) {
        step =
            m == VmtMessage.RPCI_OPEN_FAILED
                ? Step.OPEN
                : m == VmtMessage.RPCI_SEND_FAILED
                    ? Step.SENDSIZE
                    : m == VmtMessage.RPCI_GET_LENGTH_FAILED ? Step.RECVSIZE : Step.RECV_HB;
      } else {
        switch (cause.message()) {
          case OPEN_FAILED:
            step = Step.OPEN;
            break;
          case SENDING_LENGTH_FAILED:
            step = Step.SENDSIZE;
            break;
          case SEND_FAILED:
            step = Step.SEND_HB;
            break;
          case GET_LENGTH_FAILED:
            step = Step.RECVSIZE;
            break;
          case ACK_DATA_FAILED:
            step = Step.RECVSTATUS;
            break;
          default:
            step = Step.RECV_HB;
            break;
        }
      }
      boolean checkpoint = cause != null && cause.isCheckpoint();
      Fault.Builder f = Fault.builder().protocol(BackdoorProtocol.PROTOCOL_RPCI).step(step).nth(1);
      String why;
      if (checkpoint) {
        f.checkpoint();
        checkpointSinceReset = true;
        why =
            "status CPT without SUCCESS: a checkpoint cut the next RPCI at "
                + KebabCase.of(step)
                + " (vmt does not retry)";
      } else {
        f.clearSuccess();
        why = "the host refused the next RPCI at " + KebabCase.of(step) + " (no SUCCESS)";
      }
      String name = "rpci-" + (++faults);
      Fault fault = f.build();
      int anchor = cause != null ? i - 1 : i;
      // Installed with the event that makes vmt send this RPCI when that came just before.
      Duration at = time(anchor);
      if (!events.isEmpty()
          && events.get(events.size() - 1).comments().stream()
              .anyMatch(c -> c.contains("the host asked for"))) {
        Inferred trigger = events.remove(events.size() - 1);
        List<String> comments = new ArrayList<>(cite(i, why));
        events.add(new Inferred(trigger.at(), comments, w -> w.fault(name, fault)));
        events.add(trigger);
        return;
      }
      events.add(new Inferred(at, cite(i, why), w -> w.fault(name, fault)));
    }

    private int lowStatus(VmtMessage expected) {
      if (low == null || low.message() != expected) {
        return 0;
      }
      OptionalInt s = low.status();
      return s.orElse(0);
    }

    private static String hex(int status) {
      return "0x" + Integer.toHexString(status);
    }

    /**
     * Where the log's final loop starts (the group of up to eight lines that repeats most to the
     * end of the log, at least twice), or -1.
     */
    int tailLoopStart() {
      int n = lines.size();
      int bestCoverage = 0;
      for (int p = 1; p <= MAX_LOOP_PERIOD && 2 * p <= n; p++) {
        int k = 1;
        while ((k + 1) * p <= n && sameBlock(n - p, n - (k + 1) * p, p)) {
          k++;
        }
        if (k >= 2 && k * p > bestCoverage) {
          bestCoverage = k * p;
          loopPeriod = p;
          loopRepetitions = k;
        }
      }
      return bestCoverage == 0 ? -1 : n - bestCoverage;
    }

    private boolean sameBlock(int a, int b, int p) {
      for (int j = 0; j < p; j++) {
        VmtLogLine x = lines.get(a + j);
        VmtLogLine y = lines.get(b + j);
        if (x.message() != y.message()
            || !x.registers().equals(y.registers())
            || !x.detail().equals(y.detail())) {
          return false;
        }
      }
      return true;
    }

    /**
     * The pace of the final loop starting at line {@code start}: 15 s for failed reopens; else the
     * log's own pace in whole seconds when the log has stamps and it is at least half a second;
     * else vmt's one second.
     */
    private Duration cadence(int start) {
      for (int j = start; j < start + loopPeriod; j++) {
        if (lines.get(j).message() == VmtMessage.REOPEN_FAILED) {
          return REOPEN_CADENCE;
        }
      }
      if (stamped && loopRepetitions >= 2) {
        double first = seconds[start];
        double last = seconds[start + (loopRepetitions - 1) * loopPeriod];
        double pace = (last - first) / (loopRepetitions - 1);
        if (pace >= 0.5) {
          return Duration.ofSeconds(Math.round(pace));
        }
      }
      return ERROR_CADENCE;
    }

    /** The run length: the end of the final loop, or a little after the last event. */
    Duration runLength(Duration lastEvent) {
      if (loopEvent != null && loopRepetitions >= 2) {
        scenarioComments.add(
            "The log ends in a loop that repeats "
                + loopRepetitions
                + " times; the run stops after as many of vmt's repetitions (every "
                + loopCadence.getSeconds()
                + " s).");
        if (stamped) {
          // The loop's first line is placed just before vmt's tick that prints it; stop a
          // little after the tick of the last repetition.
          Duration end =
              loopStart
                  .plus(loopCadence.multipliedBy(loopRepetitions - 1))
                  .plus(loopCadence.multipliedBy(3).dividedBy(4));
          return end.compareTo(lastEvent) > 0 ? end : lastEvent.plus(AFTER_LAST_EVENT);
        }
        return loopEvent.plus(loopCadence.multipliedBy(loopRepetitions));
      }
      Duration end = lastEvent.plus(AFTER_LAST_EVENT);
      return end.isZero() ? FIRST_EVENT : end;
    }
  }

  /** For tests: the flavor an import chooses. */
  static VmtFlavor flavorOf(List<String> raw) {
    return flavor(raw, VmtLogParser.parse(raw).lines());
  }
}
