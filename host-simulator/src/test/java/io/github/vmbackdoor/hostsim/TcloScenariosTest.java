package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios.TROUBLE;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.hostsim.record.PowerOperationReport;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.Classification;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.GuestOsState;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import io.github.vmbackdoor.rpc.TcloHealth;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The seven TCLO acceptance scenarios, each against the fixed, legacy and proposed-patch machines
 * on a {@link VirtualHost}, in virtual time (one hour per run).
 */
class TcloScenariosTest {

  private static final Duration LENGTH = Duration.ofHours(1);

  /** A finished run: the outcome, and the host and service for inspection. */
  private static final class Run {
    final ScenarioOutcome outcome;
    final VirtualHost host;
    final ToolsService service;
    final List<ScenarioOutcome.TimedLine> lines;

    Run(Scenario scenario, TcloMachines machine) {
      ScenarioRunner runner = ScenarioRunner.prepare(scenario, machine);
      this.outcome = runner.run();
      this.host = runner.host();
      this.service = runner.service().orElseThrow();
      this.lines = outcome.lines();
    }

    List<String> linesFrom(Duration from) {
      return outcome.linesFrom(from);
    }

    long countLines(String text, Duration from, Duration to) {
      return lines.stream().filter(l -> l.text().equals(text) && within(l.at(), from, to)).count();
    }

    long countEvents(Type type, Duration from, Duration to) {
      return outcome.events().stream()
          .filter(e -> e.event().type() == type && within(e.at(), from, to))
          .count();
    }

    Classification outcome(Duration trouble) {
      assertThat(trouble).isEqualTo(outcome.troubleStart());
      return outcome.classification();
    }

    java.util.Optional<Duration> recoveryAfter(Duration trouble) {
      assertThat(trouble).isEqualTo(outcome.troubleStart());
      return outcome.timeToRecover();
    }

    private static boolean within(Duration at, Duration from, Duration to) {
      return at.compareTo(from) >= 0 && at.compareTo(to) < 0;
    }
  }

  private static final String FAILED_PING = "vmt0: failed to send TCLO outgoing ping";
  private static final String RESETTING = "vmt0: resetting rpc";

  private static void assertRecoveredWithinTwoSeconds(Run run) {
    assertThat(run.recoveryAfter(TROUBLE))
        .hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(2)));
    assertThat(run.outcome(TROUBLE)).isEqualTo(Classification.RECOVERED);
    assertThat(run.service.machine().health()).isEqualTo(TcloHealth.UP);
  }

  @ParameterizedTest
  @EnumSource(TcloMachines.class)
  void hostClosesTheTcloChannel(TcloMachines machine) {
    Run run = new Run(BuiltInScenarios.hostClosesTclo(), machine);
    assertThat(run.linesFrom(Duration.ZERO).subList(0, Math.min(3, run.lines.size())))
        .startsWith("vmware: sending length failed, eax=0, ecx=0x40000", FAILED_PING);
    if (machine == TcloMachines.LEGACY) {
      // Once a second for the remaining 50 minutes, and it never polls again.
      assertThat(run.countLines(FAILED_PING, TROUBLE, LENGTH.plusSeconds(1)))
          .isBetween(2999L, 3001L);
      assertThat(run.countEvents(Type.POLLED, TROUBLE, LENGTH.plusSeconds(1))).isZero();
      assertThat(run.outcome(TROUBLE)).isEqualTo(Classification.STUCK);
    } else {
      assertRecoveredWithinTwoSeconds(run);
      assertThat(run.countLines(FAILED_PING, TROUBLE, LENGTH)).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(TcloMachines.class)
  void checkpointInsideTheStateChangeReply(TcloMachines machine) {
    Run run = new Run(BuiltInScenarios.checkpointInStateChange(), machine);
    List<PowerOperationReport> ops = run.host.records().powerOperations();
    assertThat(ops)
        .extracting(PowerOperationReport::operation)
        .containsExactly(GuestOsState.SUSPEND, GuestOsState.RESUME);
    assertThat(ops.get(0).reply()).contains("OK ");
    assertThat(ops.get(1).reportedSuccess()).contains(true);
    // The request itself reached the host every time; what the checkpoint cancelled was the
    // fetch of the host's answer, which only the fixed machine retries.
    assertThat(ops.get(0).reportedSuccess()).contains(true);
    switch (machine) {
      case FIXED:
        assertThat(run.lines).isEmpty();
        assertThat(run.outcome(TROUBLE)).isEqualTo(Classification.UNAFFECTED);
        break;
      case LEGACY:
        assertThat(run.linesFrom(TROUBLE))
            .containsExactly(
                "VMware guest entering suspended state",
                "vmware: get data failed, ebx=0x100000",
                "vmt0: failed to get rpci response data",
                "vmt0: unable to send state change result",
                RESETTING,
                "vmt0: guest resuming from suspended state");
        assertThat(run.outcome(TROUBLE)).isEqualTo(Classification.RECOVERED);
        // The reopen after "resetting rpc" sent the reset reply unasked (and the host took it).
        assertThat(run.host.records().tcloExchanges())
            .extracting(TcloExchange::outcome)
            .contains(TcloExchange.Outcome.UNSOLICITED_ACCEPTED);
        break;
      default:
        // The patch resets at the end of the same tick, without waiting for the host's reset.
        assertThat(run.linesFrom(TROUBLE))
            .containsExactly(
                "VMware guest entering suspended state",
                "vmware: get data failed, ebx=0x100000",
                "vmt0: failed to get rpci response data",
                "vmt0: unable to send state change result",
                RESETTING,
                "vmt0: guest resuming from suspended state");
        assertThat(run.outcome(TROUBLE)).isEqualTo(Classification.RECOVERED);
        break;
    }
  }

  @ParameterizedTest
  @EnumSource(TcloMachines.class)
  void hostRejectsUnsolicitedReplies(TcloMachines machine) {
    Run run = new Run(BuiltInScenarios.rejectsUnsolicitedReplies(), machine);
    long rejected =
        run.host.records().tcloExchanges().stream()
            .filter(e -> e.outcome() == TcloExchange.Outcome.UNSOLICITED_REJECTED)
            .count();
    if (machine == TcloMachines.LEGACY) {
      // "resetting rpc" / "failed to send reset reply", about every three seconds.
      assertThat(run.countLines(RESETTING, TROUBLE, LENGTH.plusSeconds(1))).isGreaterThan(900);
      assertThat(run.countLines("vmt0: failed to send reset reply", TROUBLE, LENGTH.plusSeconds(1)))
          .isGreaterThan(900);
      assertThat(rejected).isGreaterThan(900);
      // It polls between the resets: failures keep coming back, whatever the run length.
      assertThat(run.outcome(TROUBLE)).isEqualTo(Classification.FLAPPING);
    } else {
      assertThat(rejected).isZero();
      assertThat(run.countEvents(Type.UNSOLICITED_RESET_REPLY_SENT, Duration.ZERO, LENGTH))
          .isZero();
      assertThat(run.outcome(TROUBLE)).isIn(Classification.UNAFFECTED, Classification.RECOVERED);
      assertThat(run.countLines("vmt0: failed to send reset reply", Duration.ZERO, LENGTH))
          .isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(TcloMachines.class)
  void cookiesInvalidatedSoTheCloseFailsToo(TcloMachines machine) {
    Run run = new Run(BuiltInScenarios.cookiesInvalidated(), machine);
    switch (machine) {
      case FIXED:
        assertRecoveredWithinTwoSeconds(run);
        assertThat(run.countEvents(Type.CLOSE_FAILED, TROUBLE, LENGTH)).isEqualTo(1);
        break;
      case PROPOSED_PATCH:
        // The refused close leaves the channel "alive": it is pinged every second, forever.
        assertThat(
                run.countLines(
                    "vmware: close failed, eax=0, ecx=0", TROUBLE, LENGTH.plusSeconds(1)))
            .isBetween(2999L, 3001L);
        assertThat(run.countLines(FAILED_PING, TROUBLE, LENGTH.plusSeconds(1)))
            .isBetween(2999L, 3001L);
        assertThat(run.countEvents(Type.CHANNEL_OPENED, TROUBLE, LENGTH.plusSeconds(1))).isZero();
        assertThat(run.outcome(TROUBLE)).isEqualTo(Classification.STUCK);
        break;
      default:
        assertThat(run.countLines(FAILED_PING, TROUBLE, LENGTH.plusSeconds(1)))
            .isBetween(2999L, 3001L);
        assertThat(run.countLines(RESETTING, TROUBLE, LENGTH.plusSeconds(1))).isZero();
        assertThat(run.outcome(TROUBLE)).isEqualTo(Classification.STUCK);
        break;
    }
  }

  @ParameterizedTest
  @EnumSource(TcloMachines.class)
  void eightChannelHostWithLeakingCloses(TcloMachines machine) {
    Run run = new Run(BuiltInScenarios.leakingCloses(), machine);
    Duration lastTenMinutes = LENGTH.minusMinutes(10);
    long tcloChannels =
        run.host.records().channels().stream()
            .filter(c -> c.protocol() == BackdoorProtocol.PROTOCOL_TCLO)
            .count();
    switch (machine) {
      case FIXED:
        // RPCI failures never touch TCLO: one channel, polled to the end.
        assertThat(tcloChannels).isEqualTo(1);
        assertThat(run.countEvents(Type.RESETTING, Duration.ZERO, LENGTH.plusSeconds(1))).isZero();
        assertThat(run.outcome(TROUBLE)).isEqualTo(Classification.UNAFFECTED);
        assertThat(run.host.records().tcloReplies()).contains("OK ATR toolbox");
        break;
      case LEGACY:
        // Leaked RPCI channels fill the table; once the TCLO slot is lost, every 15 s.
        assertThat(
                run.countLines(
                    "vmt0: unable to reopen TCLO channel", lastTenMinutes, LENGTH.plusSeconds(1)))
            .isBetween(39L, 41L);
        assertThat(run.countEvents(Type.POLLED, lastTenMinutes, LENGTH.plusSeconds(1))).isZero();
        assertThat(run.outcome(TROUBLE)).isEqualTo(Classification.STUCK);
        break;
      default:
        assertThat(run.countLines(RESETTING, lastTenMinutes, LENGTH.plusSeconds(1))).isPositive();
        assertThat(run.outcome(TROUBLE)).isIn(Classification.FLAPPING, Classification.STUCK);
        break;
    }
  }

  @ParameterizedTest
  @EnumSource(TcloMachines.class)
  void aSecondTcloUserTakesTheChannel(TcloMachines machine) {
    Run run = new Run(BuiltInScenarios.secondTcloUser(), machine);
    if (machine == TcloMachines.LEGACY) {
      // Never closes (no "reset" gets through), so it never takes the channel back.
      assertThat(run.countLines(FAILED_PING, TROUBLE, LENGTH.plusSeconds(1)))
          .isBetween(2999L, 3001L);
      assertThat(run.countEvents(Type.CHANNEL_OPENED, TROUBLE, LENGTH.plusSeconds(1))).isZero();
      assertThat(run.outcome(TROUBLE)).isEqualTo(Classification.STUCK);
    } else {
      // Closes, reopens and so takes the channel back from the other user.
      assertRecoveredWithinTwoSeconds(run);
      assertThat(run.countEvents(Type.CHANNEL_OPENED, TROUBLE, LENGTH)).isEqualTo(1);
      assertThat(run.host.records().activeTcloChannel()).isPresent();
    }
  }

  @ParameterizedTest
  @EnumSource(TcloMachines.class)
  void theFieldsPingResetCycle(TcloMachines machine) {
    Run run = new Run(BuiltInScenarios.pingResetCycle(), machine);
    if (machine == TcloMachines.LEGACY) {
      // The field log's triple, from the first refused ping to the end of the hour: a refused
      // ping, then a reset on the reopened channel, every 3 s (NetBSD 10's delay).
      assertThat(run.linesFrom(LENGTH.minusMinutes(1)))
          .containsSubsequence(
              "vmware: sending length failed, eax=0, ecx=0", FAILED_PING, RESETTING);
      assertThat(run.countLines(RESETTING, TROUBLE, LENGTH.plusSeconds(1))).isBetween(990L, 1001L);
      assertThat(run.countLines(FAILED_PING, TROUBLE, LENGTH.plusSeconds(1)))
          .isBetween(990L, 1001L);
      assertThat(run.outcome(TROUBLE)).isIn(Classification.STUCK, Classification.FLAPPING);
      Scenario older =
          BuiltInScenarios.pingResetCycle().toBuilder()
              .flavor(io.github.vmbackdoor.rpc.VmtFlavor.NETBSD_6_9)
              .build();
      Run netbsd69 = new Run(older, machine);
      // Every 2.02 s with NetBSD 6-9's one-tick reschedule after a handled message.
      assertThat(netbsd69.linesFrom(LENGTH.minusMinutes(1)))
          .containsSubsequence(
              "vmware: sending length failed, eax=00000000, ecx=00000000", FAILED_PING, RESETTING);
      assertThat(netbsd69.countLines(RESETTING, TROUBLE, LENGTH.plusSeconds(1)))
          .isBetween(1470L, 1490L);
    } else {
      // One refused ping; they close and reopen with an empty message, which the rule ignores.
      assertRecoveredWithinTwoSeconds(run);
      assertThat(run.countLines(FAILED_PING, TROUBLE, LENGTH.plusSeconds(1))).isEqualTo(1);
    }
  }
}
