package io.github.vmbackdoor.hostsim.logimport;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.internal.KebabCase;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.settings.RefusalRegisters;
import io.github.vmbackdoor.rpc.GuestOsState;
import io.github.vmbackdoor.rpc.VmtMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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

  final VmtLines log;
  final LogClock clock;
  final Optional<TailLoop> loop;
  final List<Inferred> events = new ArrayList<>();
  final List<String> scenarioComments = new ArrayList<>();
  boolean rejectUnsolicited;

  /**
   * What the eax words of refused calls say about the host: 0 is a real host's refusal, the magic
   * the model's older answer; empty when the log prints no eax of a refused call.
   */
  final Optional<RefusalRegisters> refusalRegisters;

  /** Whether a refused ping that a 'reset' follows shows the host's reset after a reset reply. */
  boolean resetAfterUnsolicitedReply;

  /** Pairs of refused ping and 'resetting rpc' explained by the host's reset cycle so far. */
  private int cyclePairs;

  /** Whether the next 'resetting rpc' belongs to the host's reset cycle. */
  private boolean cycleReset;

  /** Whether the VM is suspended: from a checkpoint-cut call to the resume or the next elision. */
  private boolean suspended;

  /** Whether the last RPCI failure was a checkpoint whose lines the log leaves out: a suspend. */
  private boolean hiddenSuspend;

  private boolean tcloDown;

  /** The status the failing TCLO call of the current bout printed (to see it change). */
  private int tcloStatus;

  private boolean checkpointSinceReset;
  private boolean reopenedAfterReset;
  private boolean tableFull;
  private int faults;

  /** The virtual time of the loop's first line, once the walk reached it. */
  private Duration loopStart;

  private int lastPowerLine = Integer.MIN_VALUE / 2;

  InferenceRules(List<VmtLogLine> lines, Set<Integer> elisions) {
    this(lines, elisions, null, Duration.ZERO);
  }

  /**
   * @param guestInfoGrid the interval of the machine's guest-info tick, or null
   * @param guestInfoPhase when the machine's guest-info tick first runs after attach
   */
  InferenceRules(
      List<VmtLogLine> lines,
      Set<Integer> elisions,
      Duration guestInfoGrid,
      Duration guestInfoPhase) {
    this.log = new VmtLines(lines, elisions);
    this.clock = new LogClock(lines, guestInfoGrid, guestInfoPhase);
    this.loop = TailLoop.find(lines, clock);
    this.refusalRegisters = log.refusalRegisters();
  }

  Duration time(int i) {
    Duration t = clock.time(i);
    if (suspended && !events.isEmpty()) {
      // Guest time stops while the VM is suspended: the stamps around a suspend are not distances,
      // and vmt cannot act on the restore sooner than its next tick, one second later.
      Duration earliest = events.get(events.size() - 1).at().plus(SUSPEND_GAP);
      return t.compareTo(earliest) < 0 ? earliest : t;
    }
    return t;
  }

  /** How far apart events inside a suspend are placed at least: vmt's one-second tick. */
  static final Duration SUSPEND_GAP = Duration.ofSeconds(1);

  void add(int anchor, List<String> comments, Action action) {
    events.add(new Inferred(time(anchor), comments, action));
  }

  void run() {
    int firstRepetitionEnd = loop.map(TailLoop::firstRepetitionEnd).orElse(-1);
    for (int i = 0; i < log.size(); i++) {
      VmtLogLine l = log.get(i);
      VmtMessage m = l.message();
      if (log.elidedBefore(i)) {
        suspended = false;
      }
      if (m.carriesRegisters()) {
        log.lowAt(i);
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
        if (refusalRegisters.orElse(RefusalRegisters.DEFAULT) == RefusalRegisters.ZERO
            && log.lowStatus(VmtMessage.SENDING_LENGTH_FAILED) == 0
            && log.lowBefore(i) != null
            && log.nextAnchor(i).orElse(null) == VmtMessage.RESETTING_RPC) {
          resetCycle(i);
          break;
        }
        if (tcloDown) {
          statusChange(i, VmtMessage.SENDING_LENGTH_FAILED, "ping");
        }
        if (!tcloDown) {
          tcloDown = true;
          int status = log.lowStatus(VmtMessage.SENDING_LENGTH_FAILED);
          tcloStatus = status;
          if ((status & BackdoorProtocol.STATUS_CLOSED) != 0) {
            add(
                log.anchorOf(i),
                log.cite(
                    i,
                    "the empty ping was refused with CLOSED: the host closed"
                        + " the TCLO channel (vmt pings every second from now on)"),
                Scenario.When::closeTclo);
          } else {
            add(
                log.anchorOf(i),
                log.cite(
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
        if (tcloDown && m == VmtMessage.TCLO_GET_LENGTH_FAILED) {
          statusChange(i, VmtMessage.GET_LENGTH_FAILED, "length request");
        }
        if (!tcloDown) {
          tcloDown = true;
          boolean length = m == VmtMessage.TCLO_GET_LENGTH_FAILED;
          int status =
              length
                  ? log.lowStatus(VmtMessage.GET_LENGTH_FAILED)
                  : log.lowStatus(VmtMessage.GET_DATA_FAILED);
          tcloStatus = status;
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
              log.anchorOf(i),
              log.cite(
                  i,
                  "no ping before the failed "
                      + (length ? "length" : "data")
                      + " request, so vmt had just handled a host command: the host sends one ('ping'),",
                  "and at vmt's next TCLO " + (length ? "length" : "data") + " request " + what),
              w -> w.fault(name, fault));
          add(log.anchorOf(i), List.of(), w -> w.sendTclo("ping"));
        }
        break;
      case RESETTING_RPC:
        tcloDown = false;
        reopenedAfterReset = true;
        if (cycleReset) {
          cycleReset = false;
          if (cyclePairs > 1) {
            break;
          }
        }
        if (checkpointSinceReset) {
          add(
              i,
              log.cite(
                  i,
                  "'reset' arrived while vmt's error flag was set; after a checkpoint"
                      + " the host sends 'reset' first, so: the checkpoint (suspend/resume) itself"),
              Scenario.When::checkpoint);
        } else {
          add(
              i,
              log.cite(i, "the host sent 'reset' while vmt's error flag was set: a host reset"),
              Scenario.When::hostReset);
        }
        checkpointSinceReset = false;
        break;
      case RESET_REPLY_FAILED:
        if (reopenedAfterReset && !rejectUnsolicited) {
          rejectUnsolicited = true;
          scenarioComments.add(log.quote(i));
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
                  time(log.anchorOf(i)),
                  log.cite(
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
                log.cite(i, "the host sent a command vmt does not know"),
                w -> w.sendTclo(command));
          }
          break;
        }
      case STATE_CHANGE_FAILED:
        if (hiddenSuspend) {
          hiddenSuspend = false;
          lastPowerLine = i;
          Duration at = events.get(events.size() - 1).at();
          events.add(
              new Inferred(
                  at,
                  log.cite(
                      i,
                      "a failed state-change status after an elision, and a resume follows: the"
                          + " host asked for OS_Suspend, whose 'VMware guest entering suspended"
                          + " state' (log(), no vmt0: prefix) the elision leaves out"),
                  w -> w.power(GuestOsState.SUSPEND)));
        } else if (i - lastPowerLine > 4) {
          // OS_PowerOn is the only power command vmt handles without a line of its own.
          Duration at = events.isEmpty() ? time(i) : events.get(events.size() - 1).at();
          events.add(
              new Inferred(
                  at,
                  log.cite(
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
        suspended = false;
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

  /**
   * A ping refused with eax = 0 and ecx = 0 that a 'reset' follows: the channel was alive (it
   * delivered the reset), so the host refused the ping itself. A real host does that to a channel
   * whose first message was vmt's unsolicited reset reply after a reopen, and queues 'reset', which
   * makes vmt close and reopen, and so on without end. The first pair needs a trigger (one refused
   * ping and a host reset); every later pair is the host's own cycle.
   */
  private void resetCycle(int i) {
    cycleReset = true;
    cyclePairs++;
    if (resetAfterUnsolicitedReply) {
      return;
    }
    resetAfterUnsolicitedReply = true;
    scenarioComments.add(log.quote(i - 1));
    scenarioComments.add(log.quote(i));
    scenarioComments.add(
        "  -> a ping refused with eax=0, ecx=0 and then a 'reset' on the same channel: the host"
            + " refuses the first ping of a channel whose first message was vmt's unsolicited reset"
            + " reply, and queues 'reset' (host resetAfterUnsolicitedReply true)");
    String name = "tclo-" + (++faults);
    Fault fault =
        Fault.builder()
            .protocol(BackdoorProtocol.PROTOCOL_TCLO)
            .step(Step.SENDSIZE)
            .nth(1)
            .clearSuccess()
            .build();
    add(
        i - 1,
        log.cite(
            i,
            "what started the cycle is not in the log: one refused ping (then the host's 'reset'"
                + " below) makes vmt close, reopen and send its reset reply unasked"),
        w -> w.fault(name, fault));
  }

  /**
   * Inside a bout of TCLO failures (vmt's own loop, a final loop included), the refused call's
   * status changed: the host changed how it answers the dead channel, and a second event says how.
   * A CLOSED channel that now answers 0 was forgotten (every channel's cookies invalid); one that
   * now answers CLOSED was closed.
   */
  private void statusChange(int i, VmtMessage low, String call) {
    VmtLogLine before = log.lowBefore(i);
    if (before == null || before.message() != low) {
      return;
    }
    int status = log.lowStatus(low);
    if (status == tcloStatus) {
      return;
    }
    tcloStatus = status;
    if ((status & BackdoorProtocol.STATUS_CLOSED) != 0) {
      add(
          log.anchorOf(i),
          log.cite(
              i, "the " + call + " is now refused with CLOSED: the host closed the TCLO channel"),
          Scenario.When::closeTclo);
    } else {
      add(
          log.anchorOf(i),
          log.cite(
              i,
              "the "
                  + call
                  + " is now refused with status "
                  + hex(status)
                  + ": the host forgot the channel it had closed (every channel's cookies"
                  + " invalid)"),
          w -> w.invalidateAllChannels(Invalidation.COOKIES_INVALID));
    }
  }

  private void power(int i, GuestOsState op) {
    lastPowerLine = i;
    add(i, log.cite(i, "the host asked for " + op.command()), w -> w.power(op));
  }

  private void rpciFault(int i, VmtMessage m) {
    if (m == VmtMessage.RPCI_OPEN_FAILED && tableFull) {
      return;
    }
    VmtLogLine cause = log.lowBefore(i);
    Step step =
        cause != null
            ? cause.failedStep()
            : switch (m) {
              case RPCI_OPEN_FAILED -> Step.OPEN;
              case RPCI_SEND_FAILED -> Step.SENDSIZE;
              case RPCI_GET_LENGTH_FAILED -> Step.RECVSIZE;
              default -> Step.RECV_HB;
            };
    boolean hidden = cause == null && log.elidedBefore(i) && log.resumeFollows(i);
    boolean checkpoint = hidden || cause != null && cause.isCheckpoint();
    Fault.Builder f = Fault.builder().protocol(BackdoorProtocol.PROTOCOL_RPCI).step(step).nth(1);
    String why;
    hiddenSuspend = hidden;
    if (checkpoint) {
      f.checkpoint();
      checkpointSinceReset = true;
      why =
          (hidden
                  ? "its vmware: line is left out (the elision before it), and a resume follows:"
                      + " the VM was suspended, so a checkpoint cut the next RPCI at "
                  : "status CPT without SUCCESS: a checkpoint cut the next RPCI at ")
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
      List<String> comments = new ArrayList<>(log.cite(i, why));
      events.add(new Inferred(trigger.at(), comments, w -> w.fault(name, fault)));
      events.add(trigger);
    } else {
      events.add(new Inferred(at, log.cite(i, why), w -> w.fault(name, fault)));
    }
    suspended |= checkpoint;
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
