package io.github.vmbackdoor.hostsim.logimport;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.internal.KebabCase;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The inference rules: a walk over a log's vmt lines that infers, for each line that needs one, the
 * host event that made vmt print it (docs/kernel-log-import.md, "Rules").
 */
final class InferenceRules {

  /** How long a scenario runs after its last event when the log does not end in a loop. */
  static final Duration AFTER_LAST_EVENT = Duration.ofMillis(2_500);

  /** One inferred host event, before it becomes a scenario entry. */
  record Inferred(Duration at, List<String> comments, Action action) {}

  /** What an inferred event adds to the scenario. */
  @FunctionalInterface
  interface Action {
    Scenario.Builder addTo(Scenario.When when);
  }

  final List<VmtLogLine> lines;
  final LogClock clock;
  final Optional<TailLoop> loop;
  final List<Inferred> events = new ArrayList<>();
  final List<String> scenarioComments = new ArrayList<>();
  boolean rejectUnsolicited;

  private boolean tcloDown;
  private boolean checkpointSinceReset;
  private boolean reopenedAfterReset;
  private boolean tableFull;
  private VmtLogLine low;
  private int lowIndex = -1;
  private int faults;

  /** The virtual time of the loop's first line, once the walk reached it. */
  private Duration loopStart;

  private int lastPowerLine = Integer.MIN_VALUE / 2;

  InferenceRules(List<VmtLogLine> lines) {
    this.lines = lines;
    this.clock = new LogClock(lines);
    this.loop = TailLoop.find(lines, clock);
  }

  Duration time(int i) {
    return clock.time(i);
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
    int firstRepetitionEnd = loop.map(TailLoop::firstRepetitionEnd).orElse(-1);
    for (int i = 0; i < lines.size(); i++) {
      VmtLogLine l = lines.get(i);
      VmtMessage m = l.message();
      if (m.carriesRegisters()) {
        low = l;
        lowIndex = i;
      } else {
        step(i, m, l);
      }
      if (i == firstRepetitionEnd) {
        loopStart = time(loop.get().start());
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
                  + " the host rejects unsolicited TCLO replies (host rejectUnsolicitedTcloReplies)");
        }
        reopenedAfterReset = false;
        break;
      case REOPEN_FAILED:
        if (!tableFull) {
          tableFull = true;
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
            add(i, cite(i, "the host sent a command vmt does not know"), w -> w.sendTclo(command));
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
                  w -> w.power(GuestOsState.POWER_ON)));
        }
        break;
      case ENTERING_SUSPEND:
        power(i, GuestOsState.SUSPEND);
        break;
      case GUEST_RESUMING:
      case RESUMING_FROM_SUSPEND:
        power(i, GuestOsState.RESUME);
        break;
      case HOST_SHUTDOWN:
        power(i, GuestOsState.HALT);
        break;
      case HOST_REBOOT:
        power(i, GuestOsState.REBOOT);
        break;
      default:
        // A consequence of an event already inferred (the RPCI's caller, a close that
        // failed), or boot-time identification: no host event of its own.
        break;
    }
  }

  private void power(int i, GuestOsState op) {
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
   * The run length: {@code loopRun} past the start of the loop the log ends in (the loop was still
   * going when the log was cut), or a little after the last event.
   */
  Duration runLength(Duration lastEvent, Duration loopRun) {
    if (loop.isPresent() && loopStart != null) {
      TailLoop t = loop.get();
      scenarioComments.add(
          "The log ends in a loop ("
              + t.period()
              + " lines, "
              + t.repetitions()
              + " times, every "
              + t.cadence().getSeconds()
              + " s): it was still going when the log was cut, so the run keeps it going for "
              + LogImport.format(loopRun)
              + ".");
      Duration end = loopStart.plus(loopRun);
      return end.compareTo(lastEvent) > 0 ? end : lastEvent.plus(AFTER_LAST_EVENT);
    }
    Duration end = lastEvent.plus(AFTER_LAST_EVENT);
    return end.isZero() ? LogClock.FIRST_EVENT : end;
  }
}
