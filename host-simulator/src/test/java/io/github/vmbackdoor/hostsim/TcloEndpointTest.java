package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import io.github.vmbackdoor.hostsim.settings.RefusalRegisters;
import io.github.vmbackdoor.hostsim.settings.TcloTakeover;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TcloEndpointTest {

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  static String rpci(VirtualHost host, String request) {
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      ch.send(bytes(request));
      return text(ch.receive());
    }
  }

  @Test
  void resetComesFirstAndOnlyAfterTheGuestSaidItIsThere() {
    VirtualHost host = VirtualHost.builder().build();
    host.enqueueTclo("ping");
    MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    assertThat(tclo.receive()).as("nothing before the first empty message").isEmpty();
    tclo.send(new byte[0]);
    assertThat(text(tclo.receive())).isEqualTo("reset");
    assertThat(host.records().tcloCommandsSent()).containsExactly("reset");
    assertThat(tclo.receive()).as("nothing more while a command is outstanding").isEmpty();
    tclo.send(bytes("OK ATR toolbox"));
    assertThat(text(tclo.receive())).isEqualTo("ping");
    tclo.send(bytes("OK "));
    assertThat(tclo.receive()).isEmpty();
    assertThat(host.records().tcloCommandsSent()).containsExactly("reset", "ping");
    assertThat(host.records().tcloExchanges())
        .extracting(TcloExchange::command, TcloExchange::reply)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                Optional.of("reset"), Optional.of("OK ATR toolbox")),
            org.assertj.core.groups.Tuple.tuple(Optional.of("ping"), Optional.of("OK ")));
    assertThat(host.records().tcloReplies()).containsExactly("OK ATR toolbox", "OK ");
  }

  @Test
  void everyNewTcloChannelGetsResetFirst() {
    VirtualHost host = VirtualHost.builder().build();
    MessageChannel first = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    first.send(new byte[0]);
    assertThat(text(first.receive())).isEqualTo("reset");
    first.send(bytes("OK ATR toolbox"));
    first.close();
    host.enqueueTclo("Capabilities_Register");
    MessageChannel second = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    second.send(new byte[0]);
    assertThat(text(second.receive())).isEqualTo("reset");
    second.send(bytes("OK ATR toolbox"));
    assertThat(text(second.receive())).isEqualTo("Capabilities_Register");
  }

  @Test
  void unsolicitedReplyIsAcceptedAndIgnoredByDefault() {
    VirtualHost host = VirtualHost.builder().build();
    MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    tclo.send(bytes("OK ATR toolbox"));
    assertThat(host.records().tcloExchanges())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.outcome()).isEqualTo(TcloExchange.Outcome.UNSOLICITED_ACCEPTED);
              assertThat(e.command()).isEmpty();
              assertThat(e.reply()).contains("OK ATR toolbox");
            });
    // it also counts as the guest saying it is there
    assertThat(text(tclo.receive())).isEqualTo("reset");
  }

  @Test
  void unsolicitedReplyIsRefusedAtSendSizeWhenThePolicySaysSo() {
    VirtualHost host = VirtualHost.builder().rejectUnsolicitedTcloReplies(true).build();
    MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    assertThatThrownBy(() -> tclo.send(bytes("OK ATR toolbox")))
        .isInstanceOfSatisfying(
            MessageException.class,
            e -> assertThat(e.step()).isEqualTo(MessageException.Step.SENDSIZE));
    assertThat(host.records().tcloExchanges())
        .singleElement()
        .extracting(TcloExchange::outcome)
        .isEqualTo(TcloExchange.Outcome.UNSOLICITED_REJECTED);
    assertThat(tclo.receive()).as("not heard from yet").isEmpty();
    tclo.send(new byte[0]);
    assertThat(text(tclo.receive())).isEqualTo("reset");
    tclo.send(bytes("OK ATR toolbox"));
    assertThat(host.records().tcloReplies()).containsExactly("OK ATR toolbox");
  }

  @Test
  void aChannelWhoseFirstMessageWasAnUnsolicitedReplyHasItsNextPingRefusedOnceAndIsReset() {
    VirtualHost host = VirtualHost.builder().resetAfterUnsolicitedReply(true).build();
    MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    // vmt after a reopen: its reset reply first, unasked; the host takes it.
    tclo.send(bytes("OK ATR toolbox"));
    assertThat(host.records().tcloExchanges())
        .singleElement()
        .extracting(TcloExchange::outcome)
        .isEqualTo(TcloExchange.Outcome.UNSOLICITED_ACCEPTED);
    assertThat(text(tclo.receive())).isEqualTo("reset");
    tclo.send(bytes("OK ATR toolbox"));
    assertThat(tclo.receive()).isEmpty();
    // The next empty ping is refused: eax = 0, ecx = 0; and "reset" is queued.
    assertThatThrownBy(() -> tclo.send(new byte[0]))
        .isInstanceOfSatisfying(
            MessageException.class,
            e -> {
              assertThat(e.step()).isEqualTo(MessageException.Step.SENDSIZE);
              assertThat(e.registers().eax()).isZero();
              assertThat(e.registers().ecx()).isZero();
            });
    assertThat(host.records().pendingTcloCommands()).containsExactly("reset");
    // Once per channel: the ping after it goes through, and the reset is delivered.
    tclo.send(new byte[0]);
    assertThat(text(tclo.receive())).isEqualTo("reset");
    tclo.send(bytes("OK ATR toolbox"));
    tclo.send(new byte[0]);
    assertThat(tclo.receive()).isEmpty();
    tclo.close();
  }

  @Test
  void aChannelThatPingsFirstIsNeverRefusedByTheResetAfterAnUnsolicitedReply() {
    VirtualHost host = VirtualHost.builder().resetAfterUnsolicitedReply(true).build();
    MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    tclo.send(new byte[0]);
    assertThat(text(tclo.receive())).isEqualTo("reset");
    tclo.send(bytes("OK ATR toolbox"));
    for (int i = 0; i < 5; i++) {
      tclo.send(new byte[0]);
      assertThat(tclo.receive()).isEmpty();
    }
    assertThat(host.records().pendingTcloCommands()).isEmpty();
  }

  @Test
  void withoutTheRuleAnUnsolicitedFirstReplyIsFollowedByPingsThatGoThrough() {
    VirtualHost host = VirtualHost.builder().build();
    MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    tclo.send(bytes("OK ATR toolbox"));
    assertThat(text(tclo.receive())).isEqualTo("reset");
    tclo.send(bytes("OK ATR toolbox"));
    tclo.send(new byte[0]);
    assertThat(tclo.receive()).isEmpty();
  }

  @Test
  void aRefusedCallAnswersEaxZeroByDefaultAndTheMagicWhenAsLoaded() {
    for (RefusalRegisters r : RefusalRegisters.values()) {
      VirtualHost host = VirtualHost.builder().refusalRegisters(r).build();
      io.github.vmbackdoor.core.Registers in =
          io.github.vmbackdoor.core.Registers.builder()
              .eax(BackdoorProtocol.MAGIC)
              .ecx(BackdoorProtocol.CMD_MESSAGE | (1 << 16))
              .edx(BackdoorProtocol.COMMAND_PORT | (7 << 16))
              .build();
      io.github.vmbackdoor.core.Registers out = host.backdoor().in(in);
      assertThat(out.ecx()).as("%s: no such channel, status 0", r).isZero();
      assertThat(out.eax()).isEqualTo(r == RefusalRegisters.ZERO ? 0 : BackdoorProtocol.MAGIC);
      // A call answered with SUCCESS leaves eax as loaded either way.
      MessageChannel rpci = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
      rpci.close();
      assertThat(host.records().callLog().get(host.records().callLog().size() - 1).answer().eax())
          .isEqualTo(BackdoorProtocol.MAGIC);
    }
  }

  @Test
  void powerOperationIsQueuedAndTrackedWithTheStateChangeStatus() {
    VirtualHost host = VirtualHost.builder().build();
    MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    tclo.send(new byte[0]);
    tclo.receive();
    tclo.send(bytes("OK ATR toolbox"));
    host.requestPowerOperation(GuestOsState.HALT);
    assertThat(text(tclo.receive())).isEqualTo("OS_Halt");
    assertThat(rpci(host, "tools.os.statechange.status 1 1\0")).isEqualTo("1 ");
    tclo.send(bytes("OK "));
    assertThat(host.records().powerOperations())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.operation()).isEqualTo(GuestOsState.HALT);
              assertThat(p.reply()).contains("OK ");
              assertThat(p.reportedSuccess()).contains(true);
            });
  }

  @Test
  void aCommandOutstandingWhenTheChannelDiesIsRecordedAsLost() {
    VirtualHost host = VirtualHost.builder().build();
    MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    tclo.send(new byte[0]);
    assertThat(text(tclo.receive())).isEqualTo("reset");
    tclo.close();
    assertThat(host.records().tcloExchanges())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.command()).contains("reset");
              assertThat(e.outcome()).isEqualTo(TcloExchange.Outcome.CHANNEL_LOST);
            });
  }

  @Test
  void aSecondTcloUserTakesTheChannelAndTheyFight() {
    VirtualHost host = VirtualHost.builder().build();
    MessageChannel guest = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    guest.send(new byte[0]);
    assertThat(text(guest.receive())).isEqualTo("reset");
    guest.send(bytes("OK ATR toolbox"));
    int other = host.openCompetingTcloChannel();
    assertThat(host.records().activeTcloChannel()).contains(other);
    assertThatThrownBy(() -> guest.send(new byte[0]))
        .isInstanceOfSatisfying(
            MessageException.class,
            e ->
                assertThat(e.status() & io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CLOSED)
                    .isNotZero());
    guest.close();
    MessageChannel again = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    // The new channel takes toolbox back when its reset reply names it.
    assertThat(host.records().activeTcloChannel()).contains(other);
    again.send(new byte[0]);
    assertThat(text(again.receive())).isEqualTo("reset");
    again.send(bytes("OK ATR toolbox"));
    assertThat(host.records().activeTcloChannel()).contains(again.id());
    assertThat(host.records().channel(other))
        .get()
        .extracting(ChannelInfo::state)
        .isEqualTo(ChannelInfo.State.HOST_CLOSED);
  }

  @Test
  void aCommandWhoseReceiveFailedIsOfferedAgain() {
    VirtualHost host = VirtualHost.builder().highBandwidth(false).build();
    Guest g = Guest.open(host.backdoor(), PROTOCOL_TCLO, true);
    g.status(io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE, 0);
    assertThat(g.call(io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE, 0).ebx())
        .isEqualTo(5);
    g.status(io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVPAYLOAD, 0);
    assertThat(host.records().outstandingTcloCommand()).isEmpty();
    assertThat(host.records().tcloCommandsSent()).isEmpty();
    assertThat(g.call(io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE, 0).ebx())
        .as("reset offered again")
        .isEqualTo(5);
  }

  @Test
  void hostResetAndCheckpointPutResetAheadOfQueuedCommandsOnce() {
    VirtualHost host = VirtualHost.builder().build();
    MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    tclo.send(new byte[0]);
    assertThat(text(tclo.receive())).isEqualTo("reset");
    tclo.send(bytes("OK ATR toolbox"));
    host.enqueueTclo("ping");
    host.hostReset();
    host.checkpoint();
    assertThat(host.records().pendingTcloCommands()).containsExactly("reset", "ping");
    assertThat(text(tclo.receive())).isEqualTo("reset");
    tclo.send(bytes("OK ATR toolbox"));
    assertThat(text(tclo.receive())).isEqualTo("ping");
  }

  @Test
  void takeoverCanInvalidateTheOlderChannelsCookies() {
    VirtualHost host =
        VirtualHost.builder()
            .tcloTakeover(TcloTakeover.displaceOlder(Invalidation.COOKIES_INVALID))
            .build();
    MessageChannel guest = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    guest.send(new byte[0]);
    assertThat(text(guest.receive())).isEqualTo("reset");
    guest.send(bytes("OK ATR toolbox"));
    host.enqueueTclo("ping");
    assertThat(text(guest.receive())).isEqualTo("ping");
    int other = host.openCompetingTcloChannel();
    assertThat(host.records().channels()).extracting(ChannelInfo::id).containsExactly(other);
    assertThatThrownBy(() -> guest.send(bytes("OK ")))
        .isInstanceOfSatisfying(MessageException.class, e -> assertThat(e.status()).isZero());
    assertThatThrownBy(guest::close).isInstanceOf(MessageException.class);
    assertThat(host.records().tcloExchanges())
        .last()
        .extracting(TcloExchange::outcome)
        .isEqualTo(TcloExchange.Outcome.CHANNEL_LOST);
  }

  /** A TCLO channel that said it is there, fetched its "reset" and answered for {@code app}. */
  private static MessageChannel claim(VirtualHost host, String app) {
    MessageChannel channel = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    channel.send(new byte[0]);
    assertThat(text(channel.receive())).isEqualTo("reset");
    channel.send(bytes("OK ATR " + app));
    return channel;
  }

  @ParameterizedTest(name = "high bandwidth {0}")
  @ValueSource(booleans = {true, false})
  void refuseNewerRefusesTheSecondResetReplyAndLeavesTheFirstChannelServed(boolean highBandwidth) {
    VirtualHost host =
        VirtualHost.builder()
            .highBandwidth(highBandwidth)
            .tcloTakeover(TcloTakeover.refuseNewer())
            .build();
    MessageChannel first = claim(host, "toolbox-dnd");
    MessageChannel second = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    second.send(new byte[0]);
    assertThat(text(second.receive())).isEqualTo("reset");

    // The reply that claims toolbox-dnd again is refused where it completes: status 0.
    assertThatThrownBy(() -> second.send(bytes("OK ATR toolbox-dnd")))
        .isInstanceOfSatisfying(
            MessageException.class,
            e -> {
              assertThat(e.status()).isZero();
              assertThat(e.step())
                  .isEqualTo(
                      highBandwidth
                          ? MessageException.Step.SEND_HB
                          : MessageException.Step.SENDPAYLOAD);
            });
    // The refused channel is closed host-side: every call answers CLOSED, and its CLOSE frees it.
    assertThatThrownBy(second::receive)
        .isInstanceOfSatisfying(
            MessageException.class,
            e -> assertThat(e.status()).isEqualTo(BackdoorProtocol.STATUS_CLOSED));
    second.close();
    assertThat(host.records().channels()).extracting(ChannelInfo::id).containsExactly(first.id());

    // The first channel keeps the application and is served as before.
    assertThat(host.records().activeTcloChannel("toolbox-dnd")).contains(first.id());
    host.enqueueTclo("toolbox-dnd", "ping");
    assertThat(text(first.receive())).isEqualTo("ping");
    first.send(bytes("OK "));
    assertThat(host.records().tcloExchanges())
        .extracting(TcloExchange::channelId, TcloExchange::reply, TcloExchange::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                first.id(), Optional.of("OK ATR toolbox-dnd"), TcloExchange.Outcome.ANSWERED),
            org.assertj.core.groups.Tuple.tuple(
                second.id(), Optional.of("OK ATR toolbox-dnd"), TcloExchange.Outcome.CLAIM_REFUSED),
            org.assertj.core.groups.Tuple.tuple(
                first.id(), Optional.of("OK "), TcloExchange.Outcome.ANSWERED));
  }

  @Test
  void refuseNewerLetsAnotherApplicationAndALaterChannelIn() {
    VirtualHost host = VirtualHost.builder().tcloTakeover(TcloTakeover.refuseNewer()).build();
    MessageChannel dnd = claim(host, "toolbox-dnd");
    MessageChannel toolbox = claim(host, "toolbox");
    assertThat(host.records().activeTcloChannel("toolbox")).contains(toolbox.id());
    assertThat(host.records().activeTcloChannel("toolbox-dnd")).contains(dnd.id());

    // Once the holder has closed, the next channel of the application takes it.
    dnd.close();
    MessageChannel next = claim(host, "toolbox-dnd");
    assertThat(host.records().activeTcloChannel("toolbox-dnd")).contains(next.id());
    host.enqueueTclo("toolbox-dnd", "ping");
    assertThat(text(next.receive())).isEqualTo("ping");
  }

  @Test
  void refuseNewerGivesTheApplicationUpWhenTheHolderHasBeenIdleTooLong() {
    Simulation sim = Simulation.create(1);
    VirtualHost host =
        VirtualHost.builder()
            .simulation(sim)
            .idleTimeout(Duration.ofMinutes(5))
            .tcloTakeover(TcloTakeover.refuseNewer())
            .build();
    MessageChannel gone = claim(host, "toolbox-dnd");
    sim.advance(Duration.ofMinutes(4));
    MessageChannel early = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    early.send(new byte[0]);
    assertThat(text(early.receive())).isEqualTo("reset");
    assertThatThrownBy(() -> early.send(bytes("OK ATR toolbox-dnd")))
        .isInstanceOf(MessageException.class);
    early.close();

    // A holder that went quiet (its process died without closing) is closed as idle when the
    // next channel claims the application, which then takes it.
    MessageChannel late = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    late.send(new byte[0]);
    sim.advance(Duration.ofMinutes(2));
    assertThat(text(late.receive())).isEqualTo("reset");
    late.send(bytes("OK ATR toolbox-dnd"));
    assertThat(host.records().activeTcloChannel("toolbox-dnd")).contains(late.id());
    assertThat(host.records().channels())
        .filteredOn(c -> c.id() == gone.id())
        .extracting(ChannelInfo::state)
        .containsExactly(ChannelInfo.State.TIMED_OUT);
  }

  @Test
  void refuseNewerRefusesTheOtherProcessWhileTheGuestHoldsToolbox() {
    VirtualHost host = VirtualHost.builder().tcloTakeover(TcloTakeover.refuseNewer()).build();
    MessageChannel guest = claim(host, "toolbox");
    int other = host.openCompetingTcloChannel();
    assertThat(host.records().channels())
        .filteredOn(c -> c.id() == other)
        .extracting(ChannelInfo::state)
        .containsExactly(ChannelInfo.State.HOST_CLOSED);
    assertThat(host.records().activeTcloChannel("toolbox")).contains(guest.id());
    host.enqueueTclo("ping");
    assertThat(text(guest.receive())).isEqualTo("ping");
  }
}
