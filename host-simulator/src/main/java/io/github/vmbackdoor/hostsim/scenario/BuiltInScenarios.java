package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Duration;
import java.util.Optional;

/**
 * The seven TCLO failure scenarios the project checks every machine against (and {@code demo}
 * shows). Each runs one virtual hour; the trouble starts at 10 minutes.
 */
public final class BuiltInScenarios {

  /** When the trouble starts in every built-in scenario. */
  public static final Duration TROUBLE = Duration.ofMinutes(10);

  private static final ImmutableList<Scenario> ALL =
      ImmutableList.of(
          Scenario.named("host-closes-tclo")
              .description("host closes the TCLO channel after 10 min")
              .at(TROUBLE)
              .comment("The host closes the TCLO channel (a close is still accepted):")
              .comment("the reported AMD-V case.")
              .closeTclo()
              .build(),
          Scenario.named("checkpoint-in-state-change")
              .description("checkpoint inside the reply to tools.os.statechange.status 1 5")
              .at(TROUBLE)
              .comment("The first RPCI reply fetched after 10 min is cut by a checkpoint,")
              .fault(
                  "cpt-in-reply",
                  Fault.builder()
                      .protocol(BackdoorProtocol.PROTOCOL_RPCI)
                      .step(Step.RECV_HB)
                      .nth(1)
                      .checkpoint()
                      .build())
              .at(TROUBLE)
              .comment("and that is the state-change status of this suspend.")
              .power(GuestOsState.SUSPEND)
              .at(TROUBLE.plusSeconds(5))
              .checkpoint()
              .at(TROUBLE.plusSeconds(5))
              .power(GuestOsState.RESUME)
              .build(),
          Scenario.named("rejects-unsolicited-replies")
              .description("host rejects unsolicited replies; an RPCI fails, then a reset")
              .rejectUnsolicitedTcloReplies(true)
              .at(TROUBLE)
              .comment("One RPCI open fails (vmt's sticky error flag is set),")
              .fault(
                  "rpci-open",
                  Fault.builder()
                      .protocol(BackdoorProtocol.PROTOCOL_RPCI)
                      .step(Step.OPEN)
                      .nth(1)
                      .clearSuccess()
                      .build())
              .at(TROUBLE)
              .comment("the RPCI that fails is the power-on state-change status,")
              .power(GuestOsState.POWER_ON)
              .at(TROUBLE.plusSeconds(5))
              .comment("then the host resets.")
              .hostReset()
              .build(),
          Scenario.named("cookies-invalidated")
              .description("TCLO cookies invalidated (close fails too)")
              .at(TROUBLE)
              .invalidateTclo(Invalidation.COOKIES_INVALID)
              .build(),
          Scenario.named("leaking-closes")
              .description("8-channel host, RPCI closes fail (channels leak), reset every 2 min")
              .channelTableSize(BackdoorProtocol.MAX_CHANNELS_OLD)
              .at(TROUBLE)
              .fault(
                  "rpci-close",
                  Fault.builder()
                      .protocol(BackdoorProtocol.PROTOCOL_RPCI)
                      .step(Step.CLOSE)
                      .clearSuccess()
                      .build())
              .every(Duration.ofMinutes(2))
              .from(TROUBLE.plusMinutes(2))
              .hostReset()
              .build(),
          Scenario.named("second-tclo-user")
              .description("a second TCLO user takes the channel over")
              .at(TROUBLE)
              .competingTcloChannel()
              .build(),
          Scenario.named("ping-reset-cycle")
              .description(
                  "the field's cycle: the host refuses the first ping after an unsolicited reset"
                      + " reply, and resets; one ping refused, then a reset")
              .resetAfterUnsolicitedReply(true)
              .at(TROUBLE)
              .comment("One ping is refused (vmt's sticky error flag is set),")
              .fault(
                  "ping",
                  Fault.builder()
                      .protocol(BackdoorProtocol.PROTOCOL_TCLO)
                      .step(Step.SENDSIZE)
                      .nth(1)
                      .clearSuccess()
                      .build())
              .at(TROUBLE.plusMillis(1500))
              .comment("then the host resets. vmt closes, reopens and sends its reset reply")
              .comment("unasked; the host refuses that channel's first ping and resets it again.")
              .hostReset()
              .build());

  private BuiltInScenarios() {}

  /** All seven, in the order of docs/state-machines.md. */
  public static ImmutableList<Scenario> all() {
    return ALL;
  }

  /** The built-in scenario of this name. */
  public static Optional<Scenario> named(String name) {
    return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** The reported case: the host closes the TCLO channel after 10 virtual minutes. */
  public static Scenario hostClosesTclo() {
    return ALL.get(0);
  }

  /** Suspend/resume with the checkpoint inside the reply to the state-change status. */
  public static Scenario checkpointInStateChange() {
    return ALL.get(1);
  }

  /** The host rejects unsolicited replies; one RPCI fails, then the host resets. */
  public static Scenario rejectsUnsolicitedReplies() {
    return ALL.get(2);
  }

  /** The TCLO channel's cookies are invalidated, so its close fails too. */
  public static Scenario cookiesInvalidated() {
    return ALL.get(3);
  }

  /** An 8-channel host whose RPCI closes fail; the host resets every 2 minutes. */
  public static Scenario leakingCloses() {
    return ALL.get(4);
  }

  /** A second TCLO user opens its own channel and never polls it. */
  public static Scenario secondTcloUser() {
    return ALL.get(5);
  }

  /**
   * The field's {@code failed to send TCLO outgoing ping} / {@code resetting rpc} cycle: a host
   * that refuses the first ping of a channel whose first message was an unsolicited reset reply,
   * and resets it (docs/host-model.md 4.1); one refused ping and a host reset start it.
   */
  public static Scenario pingResetCycle() {
    return ALL.get(6);
  }
}
