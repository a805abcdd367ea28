package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_CLOSE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSTATUS;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CLOSED;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.time.Simulation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InvalidationTest {

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void hostClosedChannelAnswersClosedToEveryCallButAcceptsTheClose() {
    VirtualHost host = VirtualHost.builder().build();
    Guest g = Guest.open(host.backdoor(), PROTOCOL_RPCI, true);
    assertThat(host.invalidateChannel(g.id, Invalidation.HOST_CLOSED)).isTrue();
    for (int sub :
        new int[] {
          MESSAGE_SENDSIZE,
          MESSAGE_SENDPAYLOAD,
          MESSAGE_RECVSIZE,
          MESSAGE_RECVPAYLOAD,
          MESSAGE_RECVSTATUS
        }) {
      assertThat(g.status(sub, 1)).as("sub-command %d", sub).isEqualTo(STATUS_CLOSED);
    }
    assertThat(g.outs(new byte[1]).ebxHigh()).isEqualTo(STATUS_CLOSED);
    assertThat(g.ins(new byte[1]).ebxHigh()).isEqualTo(STATUS_CLOSED);
    assertThat(host.records().channel(g.id))
        .get()
        .extracting(ChannelInfo::state)
        .isEqualTo(ChannelInfo.State.HOST_CLOSED);
    assertThat(g.status(MESSAGE_CLOSE, 0)).isEqualTo(STATUS_SUCCESS);
    assertThat(host.records().channels()).isEmpty();
    assertThat(host.records().rpciRequests()).isEmpty();
  }

  @Test
  void invalidCookiesFailEveryCallIncludingTheCloseAndAFreshOpenWorks() {
    VirtualHost host = VirtualHost.builder().build();
    MessageChannel old = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    Guest g = new Guest(host.backdoor(), old.id(), old.cookieHigh(), old.cookieLow());
    host.invalidateChannel(old.id(), Invalidation.COOKIES_INVALID);
    for (int sub :
        new int[] {
          MESSAGE_SENDSIZE,
          MESSAGE_SENDPAYLOAD,
          MESSAGE_RECVSIZE,
          MESSAGE_RECVPAYLOAD,
          MESSAGE_RECVSTATUS,
          MESSAGE_CLOSE
        }) {
      assertThat(g.status(sub, 1) & STATUS_SUCCESS).as("sub-command %d", sub).isZero();
    }
    assertThatThrownBy(() -> old.send(bytes("log x")))
        .isInstanceOfSatisfying(
            MessageException.class,
            e -> assertThat(e.step()).isEqualTo(MessageException.Step.SENDSIZE));
    assertThatThrownBy(old::close).isInstanceOf(MessageException.class);
    try (MessageChannel fresh = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      assertThat(fresh.id()).as("the slot was discarded, so it is reused").isEqualTo(old.id());
      assertThat(g.status(MESSAGE_SENDSIZE, 0)).as("old cookies on the reused slot").isZero();
      fresh.send(bytes("log y"));
      assertThat(fresh.receive()).isEqualTo(bytes("1 "));
    }
    assertThat(host.records().guestLog()).containsExactly("y");
  }

  @Test
  void afterHostCloseTheOldMessageChannelFailsAndAFreshOneWorks() {
    VirtualHost host = VirtualHost.builder().build();
    MessageChannel old = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    host.invalidateAllChannels(Invalidation.HOST_CLOSED);
    assertThatThrownBy(() -> old.send(bytes("log x")))
        .isInstanceOfSatisfying(
            MessageException.class, e -> assertThat(e.status()).isEqualTo(STATUS_CLOSED));
    assertThatThrownBy(old::receive).isInstanceOf(MessageException.class);
    old.close();
    try (MessageChannel fresh = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      fresh.send(bytes("log y"));
      assertThat(fresh.receive()).isEqualTo(bytes("1 "));
    }
  }

  @Test
  void idleChannelsAreClosedWithTimeoutAfterThePolicysTime() {
    Simulation sim = Simulation.create(1);
    VirtualHost host =
        VirtualHost.builder().simulation(sim).idleTimeout(Duration.ofSeconds(30)).build();
    MessageChannel busy = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    MessageChannel idle = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    for (int i = 0; i < 4; i++) {
      sim.runFor(Duration.ofSeconds(10));
      busy.send(new byte[0]);
      busy.receive();
    }
    assertThatThrownBy(() -> idle.send(bytes("log late")))
        .isInstanceOfSatisfying(
            MessageException.class,
            e -> assertThat(e.status()).isEqualTo(STATUS_CLOSED | STATUS_TIMEOUT));
    assertThat(host.records().channel(idle.id()))
        .get()
        .extracting(ChannelInfo::state)
        .isEqualTo(ChannelInfo.State.TIMED_OUT);
    assertThat(host.records().channel(busy.id()))
        .get()
        .extracting(ChannelInfo::state)
        .isEqualTo(ChannelInfo.State.OPEN);
    idle.close();
    assertThat(host.records().channel(idle.id())).isEmpty();
  }

  @Test
  void expiredChannelsAreSweptAtOpenAndTheirSlotsReclaimedWhenTheTableIsFull() {
    Simulation sim = Simulation.create(1);
    VirtualHost host =
        VirtualHost.builder()
            .simulation(sim)
            .channelTableSize(2)
            .idleTimeout(Duration.ofSeconds(5))
            .build();
    MessageChannel a = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    MessageChannel b = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    sim.runFor(Duration.ofSeconds(6));
    assertThat(host.expireIdleChannels()).isEqualTo(2);
    MessageChannel c = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    assertThat(c.id()).isIn(a.id(), b.id());
    assertThat(host.records().channels()).hasSize(2);
  }

  @Test
  void aHostWithoutAGivenSimulationRunsOnItsOwn() {
    VirtualHost host = VirtualHost.builder().idleTimeout(Duration.ofSeconds(1)).build();
    MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    Simulation own = host.simulation().orElseThrow();
    own.runFor(Duration.ofSeconds(2));
    assertThat(host.hostTime()).isEqualTo(Duration.ofSeconds(2));
    assertThatThrownBy(() -> ch.send(bytes("log x"))).isInstanceOf(MessageException.class);
  }
}
