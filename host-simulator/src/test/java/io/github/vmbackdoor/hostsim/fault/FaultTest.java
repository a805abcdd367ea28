package io.github.vmbackdoor.hostsim.fault;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CLOSED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.hostsim.time.Simulation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FaultTest {

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static boolean roundTrip(VirtualHost host, String request) {
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      ch.send(bytes(request));
      ch.receive();
      return true;
    } catch (MessageException e) {
      return false;
    }
  }

  @Test
  void nthHitsOnlyThatOccurrence() {
    VirtualHost host = VirtualHost.builder().build();
    host.installFault(
        Fault.builder().protocol(PROTOCOL_RPCI).step(Step.SENDSIZE).nth(2).clearSuccess().build());
    assertThat(roundTrip(host, "log 1")).isTrue();
    assertThat(roundTrip(host, "log 2")).isFalse();
    assertThat(roundTrip(host, "log 3")).isTrue();
    assertThat(host.records().guestLog()).containsExactly("1", "3");
  }

  @Test
  void protocolAndChannelNarrowTheMatch() {
    VirtualHost host = VirtualHost.builder().build();
    host.installFault(Fault.builder().protocol(PROTOCOL_TCLO).clearSuccess().build());
    assertThat(roundTrip(host, "log rpci")).isTrue();
    assertThatThrownBy(() -> MessageChannel.open(host.backdoor(), PROTOCOL_TCLO))
        .isInstanceOf(MessageException.class);
    host.clearFaults();
    host.installFault(Fault.builder().channel(1).clearSuccess().build());
    MessageChannel zero = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    assertThat(zero.id()).isZero();
    zero.send(new byte[0]);
    assertThat(roundTrip(host, "log on channel 1")).isFalse();
  }

  @Test
  void aTimeWindowLimitsTheFault() {
    Simulation sim = Simulation.create(5);
    VirtualHost host = VirtualHost.builder().simulation(sim).build();
    host.installFault(
        Fault.builder()
            .between(Duration.ofSeconds(10), Duration.ofSeconds(20))
            .clearSuccess()
            .build());
    assertThat(roundTrip(host, "log before")).isTrue();
    sim.runFor(Duration.ofSeconds(10));
    assertThat(roundTrip(host, "log during")).isFalse();
    sim.runFor(Duration.ofSeconds(10));
    assertThat(roundTrip(host, "log after")).isTrue();
  }

  @Test
  void probabilityDrawsFromTheSeededSource() {
    int[] hits = new int[2];
    String[] patterns = new String[2];
    for (int run = 0; run < 2; run++) {
      VirtualHost host = VirtualHost.builder().seed(11).build();
      host.installFault(
          Fault.builder().step(Step.SENDSIZE).probability(0.3).clearSuccess().build());
      StringBuilder pattern = new StringBuilder();
      for (int i = 0; i < 200; i++) {
        boolean ok = roundTrip(host, "log " + i);
        pattern.append(ok ? '.' : 'x');
        if (!ok) {
          hits[run]++;
        }
      }
      patterns[run] = pattern.toString();
    }
    assertThat(patterns[1]).isEqualTo(patterns[0]);
    assertThat(hits[0]).isBetween(30, 90);
  }

  @Test
  void corruptPayloadInvertsTheFirstByteMoved() {
    VirtualHost host = VirtualHost.builder().build();
    host.installFault(Fault.builder().step(Step.SEND_HB).nth(1).corruptPayload().build());
    roundTrip(host, "mog x");
    assertThat(host.records().rpciRequests())
        .extracting(RpciRequest::text)
        .containsExactly((char) ('m' ^ 0xFF) + "og x");
    host.clearFaults();
    host.installFault(Fault.builder().step(Step.RECVPAYLOAD).nth(1).corruptPayload().build());
    VirtualHost lb = VirtualHost.builder().highBandwidth(false).build();
    lb.installFault(Fault.builder().step(Step.RECVPAYLOAD).nth(1).corruptPayload().build());
    try (MessageChannel ch = MessageChannel.open(lb.backdoor(), PROTOCOL_RPCI)) {
      ch.send(bytes("log x"));
      assertThat(ch.receive()).isEqualTo(new byte[] {(byte) ('1' ^ 0xFF), ' '});
    }
  }

  @Test
  void delayAdvancesTheSimulationClock() {
    Simulation sim = Simulation.create(5);
    VirtualHost host = VirtualHost.builder().simulation(sim).build();
    host.installFault(Fault.builder().step(Step.RECVSIZE).delay(Duration.ofMillis(250)).build());
    assertThat(roundTrip(host, "log slow")).isTrue();
    assertThat(sim.elapsed()).isEqualTo(Duration.ofMillis(250));
    assertThat(host.records().guestLog()).containsExactly("slow");
  }

  @Test
  void closeAndDropChannelActions() {
    VirtualHost host = VirtualHost.builder().build();
    host.installFault(Fault.builder().step(Step.RECVSIZE).nth(1).closeChannel().build());
    MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    ch.send(bytes("log a"));
    assertThatThrownBy(ch::receive)
        .isInstanceOfSatisfying(
            MessageException.class, e -> assertThat(e.status()).isEqualTo(STATUS_CLOSED));
    ch.close();
    assertThat(host.records().channels()).isEmpty();

    host.clearFaults();
    host.installFault(Fault.builder().step(Step.SENDSIZE).nth(1).dropChannel().build());
    MessageChannel dropped = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    assertThatThrownBy(() -> dropped.send(bytes("log b"))).isInstanceOf(MessageException.class);
    assertThat(host.records().channels()).isEmpty();
    assertThatThrownBy(dropped::close).isInstanceOf(MessageException.class);
  }

  @Test
  void faultsAreValuesWithAReadableForm() {
    Fault f =
        Fault.builder().protocol(PROTOCOL_RPCI).step(Step.RECV_HB).nth(3).checkpoint().build();
    assertThat(f.toString()).isEqualTo("Fault{CHECKPOINT protocol=RPCI step=RECV_HB nth=3}");
    assertThatThrownBy(() -> Fault.builder().build()).isInstanceOf(IllegalStateException.class);
  }
}
