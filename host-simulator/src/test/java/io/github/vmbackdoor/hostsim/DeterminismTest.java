package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.record.CallRecord;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Guest ticks and host events on one loop: the same seed gives the same call log. */
class DeterminismTest {

  /** A small open-vm-tools-like TCLO loop with RPCI state-change reports, for scenarios. */
  static final class LoopGuest {
    final VirtualHost host;
    final SplittableRandom random;
    MessageChannel tclo;
    String pending;
    int idleDelay;

    LoopGuest(VirtualHost host, SplittableRandom random) {
      this.host = host;
      this.random = random;
    }

    Duration tick() {
      try {
        if (tclo == null) {
          tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
          pending = null;
        }
        tclo.send(bytes(pending == null ? "" : pending));
        pending = null;
        String command = new String(tclo.receive(), StandardCharsets.ISO_8859_1);
        if (command.isEmpty()) {
          idleDelay = Math.min(idleDelay == 0 ? 1 : idleDelay * 2, 10);
          return Duration.ofMillis(idleDelay * 10L);
        }
        idleDelay = 0;
        if (command.equals("reset")) {
          pending = "OK ATR toolbox";
        } else if (command.startsWith("OS_")) {
          int state =
              List.of("OS_Halt", "OS_Reboot", "OS_PowerOn", "OS_Resume", "OS_Suspend")
                      .indexOf(command)
                  + 1;
          rpci("tools.os.statechange.status 1 " + state + "\0");
          pending = "OK ";
        } else {
          pending = "OK ";
        }
        if (random.nextInt(4) == 0) {
          rpci("info-set guestinfo.r" + random.nextInt(10) + " " + "v".repeat(random.nextInt(300)));
        }
        return Duration.ZERO;
      } catch (MessageException e) {
        if (tclo != null) {
          try {
            tclo.close();
          } catch (MessageException ignored) {
            // the channel is forgotten whatever the host said
          }
          tclo = null;
        }
        return Duration.ofSeconds(1);
      }
    }

    void rpci(String request) {
      try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
        ch.send(bytes(request));
        ch.receive();
      } catch (MessageException e) {
        // an RPCI failure does not stop the loop
      }
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static String run(long seed) {
    Simulation sim = Simulation.create(seed);
    VirtualHost host =
        VirtualHost.builder()
            .simulation(sim)
            .channelTableSize(8)
            .idleTimeout(Duration.ofSeconds(20))
            .callLogLimit(1_000_000)
            .build();
    host.installFault(Fault.builder().step(Step.SEND_HB).probability(0.05).checkpoint().build());
    host.installFault(
        Fault.builder()
            .protocol(PROTOCOL_TCLO)
            .step(Step.RECVSIZE)
            .probability(0.01)
            .clearSuccess()
            .build());
    LoopGuest guest = new LoopGuest(host, sim.splitRandom());
    sim.repeat(Duration.ZERO, guest::tick);
    SplittableRandom events = sim.splitRandom();
    for (int i = 0; i < 12; i++) {
      Duration at = Duration.ofMillis(events.nextLong(60_000));
      switch (events.nextInt(5)) {
        case 0:
          sim.schedule(at, host::checkpoint);
          break;
        case 1:
          sim.schedule(at, () -> host.requestPowerOperation(GuestOsState.SUSPEND));
          break;
        case 2:
          sim.schedule(at, () -> host.invalidateAllChannels(Invalidation.HOST_CLOSED));
          break;
        case 3:
          sim.schedule(at, () -> host.invalidateAllChannels(Invalidation.COOKIES_INVALID));
          break;
        default:
          sim.schedule(at, () -> host.enqueueTclo("ping"));
      }
    }
    sim.runFor(Duration.ofSeconds(60));
    return host.records().callLog().stream()
        .map(CallRecord::toString)
        .collect(Collectors.joining("\n"));
  }

  @Test
  void sameSeedSameScenarioGivesAByteIdenticalCallLog() {
    String first = run(2026);
    String second = run(2026);
    assertThat(first.lines().count()).isGreaterThan(1000);
    assertThat(first).contains("[CHECKPOINT]");
    assertThat(second).isEqualTo(first);
    assertThat(run(2027)).isNotEqualTo(first);
  }
}
