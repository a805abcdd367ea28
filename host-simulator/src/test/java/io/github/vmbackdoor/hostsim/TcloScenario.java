package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The six failure scenarios of the TCLO acceptance tests. Each one is a host configuration and
 * a timeline of host events; trouble starts at {@link #TROUBLE} and every run lasts one virtual
 * hour.
 */
enum TcloScenario {

  /** The host closes the TCLO channel (a close is still accepted): the reported AMD-V case. */
  HOST_CLOSES_TCLO("host closes the TCLO channel after 10 min") {
    @Override
    void script(TcloRun run) {
      run.at(TROUBLE, () -> run.host.activeTcloChannel()
          .ifPresent(id -> run.host.invalidateChannel(id, Invalidation.HOST_CLOSED)));
    }
  },

  /** Suspend/resume with the checkpoint inside the reply to the state-change status. */
  CHECKPOINT_IN_STATE_CHANGE("checkpoint inside the reply to tools.os.statechange.status 1 5") {
    @Override
    void script(TcloRun run) {
      run.at(TROUBLE, () -> {
        run.host.installFault(Fault.builder().protocol(BackdoorProtocol.PROTOCOL_RPCI)
            .step(Step.RECV_HB).nth(1).checkpoint().build());
        run.host.requestPowerOperation(PowerOperation.SUSPEND);
      });
      run.at(TROUBLE.plusSeconds(5), () -> {
        run.host.checkpoint();
        run.host.requestPowerOperation(PowerOperation.RESUME);
      });
    }
  },

  /** The host rejects unsolicited replies; one RPCI open fails, then the host resets. */
  REJECTS_UNSOLICITED_REPLIES("host rejects unsolicited replies; an RPCI fails, then a reset") {
    @Override
    UnaryOperator<VirtualHost.Builder> host() {
      return b -> b.rejectUnsolicitedTcloReplies(true);
    }

    @Override
    void script(TcloRun run) {
      run.at(TROUBLE, () -> {
        run.host.installFault(Fault.builder().protocol(BackdoorProtocol.PROTOCOL_RPCI)
            .step(Step.OPEN).nth(1).clearSuccess().build());
        run.host.requestPowerOperation(PowerOperation.POWER_ON);
      });
      run.at(TROUBLE.plusSeconds(5), run.host::hostReset);
    }
  },

  /** The TCLO channel's cookies are invalidated, so its close fails too. */
  COOKIES_INVALIDATED("TCLO cookies invalidated (close fails too)") {
    @Override
    void script(TcloRun run) {
      run.at(TROUBLE, () -> run.host.activeTcloChannel()
          .ifPresent(id -> run.host.invalidateChannel(id, Invalidation.COOKIES_INVALID)));
    }
  },

  /**
   * An 8-channel host whose RPCI closes fail, so every RPCI channel leaks; the host resets every
   * 2 min. vmt's 15-s uptime report leaks a channel each time until the table is full; the
   * legacy machine then closes TCLO on the next reset, its uptime report takes the slot that
   * close freed, and every reopen fails from then on. The proposed patch resets TCLO after every
   * failed uptime report (flapping). The fixed machine's TCLO channel is never touched (its own
   * unified-loop requests leak on this host too, but fail without consequence).
   */
  LEAKING_CLOSES("8-channel host, RPCI closes fail (channels leak), reset every 2 min") {
    @Override
    UnaryOperator<VirtualHost.Builder> host() {
      return b -> b.channelTableSize(BackdoorProtocol.MAX_CHANNELS_OLD);
    }

    @Override
    void script(TcloRun run) {
      run.at(TROUBLE, () -> run.host.installFault(Fault.builder()
          .protocol(BackdoorProtocol.PROTOCOL_RPCI).step(Step.CLOSE).clearSuccess().build()));
      for (Duration t = TROUBLE.plusMinutes(2); t.compareTo(LENGTH) < 0; t = t.plusMinutes(2)) {
        run.at(t, run.host::hostReset);
      }
    }
  },

  /** A second TCLO user opens its own channel and never polls it. */
  SECOND_TCLO_USER("a second TCLO user takes the channel over") {
    @Override
    void script(TcloRun run) {
      run.at(TROUBLE, run.host::openCompetingTcloChannel);
    }
  };

  /** When the trouble starts. */
  static final Duration TROUBLE = Duration.ofMinutes(10);
  /** How long every run lasts. */
  static final Duration LENGTH = Duration.ofHours(1);

  private final String description;

  TcloScenario(String description) {
    this.description = description;
  }

  String description() {
    return description;
  }

  UnaryOperator<VirtualHost.Builder> host() {
    return UnaryOperator.identity();
  }

  abstract void script(TcloRun run);

  /** Runs the scenario for one virtual hour against one machine. */
  TcloRun run(ToolsService.Machine machine) {
    TcloRun run = new TcloRun(machine, host());
    script(run);
    return run.start().runUntil(LENGTH);
  }
}
