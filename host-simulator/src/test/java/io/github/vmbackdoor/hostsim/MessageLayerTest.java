package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_CLOSE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSTATUS;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_DORECV;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_HB;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The host side of the message layer at register level: statuses, order, cookies, the table. */
class MessageLayerTest {

  static final int LOG = 0x20676f6c; // "log " little-endian

  static VirtualHost host(boolean highBandwidth) {
    return VirtualHost.builder().seed(3).highBandwidth(highBandwidth).build();
  }

  @Test
  void openWithCookieFlagGivesCookiesWithoutGivesNone() {
    VirtualHost host = host(true);
    Registers with = Guest.openCall(host.backdoor(), PROTOCOL_RPCI, true);
    assertThat(with.ecxHigh()).isEqualTo(STATUS_SUCCESS);
    assertThat(with.ecxLow()).isZero();
    assertThat(with.edxLow()).isZero();
    assertThat(with.esi() != 0 || with.edi() != 0).isTrue();
    Registers without = Guest.openCall(host.backdoor(), PROTOCOL_RPCI, false);
    assertThat(without.ecxHigh()).isEqualTo(STATUS_SUCCESS);
    assertThat(without.esi()).isZero();
    assertThat(without.edi()).isZero();
    assertThat(without.edxHigh()).isNotEqualTo(with.edxHigh());
    assertThat(host.records().channels())
        .extracting(ChannelInfo::cookies)
        .containsExactly(true, false);
  }

  @Test
  void statusBitsOfASendAndAReceiveOverFourBytePieces() {
    VirtualHost host = host(false);
    Guest g = Guest.open(host.backdoor(), PROTOCOL_RPCI, true);
    assertThat(g.status(MESSAGE_SENDSIZE, 5)).isEqualTo(STATUS_SUCCESS);
    assertThat(g.status(MESSAGE_SENDPAYLOAD, LOG)).isEqualTo(STATUS_SUCCESS);
    assertThat(g.status(MESSAGE_SENDPAYLOAD, 'x')).isEqualTo(STATUS_SUCCESS);
    assertThat(host.records().rpciRequests())
        .extracting(RpciRequest::text)
        .containsExactly("log x");
    Registers size = g.call(MESSAGE_RECVSIZE, 0);
    assertThat(size.ecxHigh()).isEqualTo(STATUS_SUCCESS | STATUS_DORECV);
    assertThat(size.edxHigh()).isEqualTo(MESSAGE_SENDSIZE);
    assertThat(size.ebx()).isEqualTo(2);
    Registers piece = g.call(MESSAGE_RECVPAYLOAD, STATUS_SUCCESS);
    assertThat(piece.ecxHigh()).isEqualTo(STATUS_SUCCESS);
    assertThat(piece.edxHigh()).isEqualTo(MESSAGE_SENDPAYLOAD);
    assertThat(piece.ebx()).isEqualTo('1' | ' ' << 8);
    assertThat(g.status(MESSAGE_RECVSTATUS, STATUS_SUCCESS)).isEqualTo(STATUS_SUCCESS);
    assertThat(g.status(MESSAGE_RECVSIZE, 0)).as("reply consumed").isEqualTo(STATUS_SUCCESS);
  }

  @Test
  void highBandwidthIsOfferedAtSendSizeAndRecvSizeAndAnswersExactlySuccessInEbx() {
    VirtualHost host = host(true);
    Guest g = Guest.open(host.backdoor(), PROTOCOL_RPCI, true);
    byte[] request = "log hello".getBytes(StandardCharsets.US_ASCII);
    assertThat(g.status(MESSAGE_SENDSIZE, request.length)).isEqualTo(STATUS_SUCCESS | STATUS_HB);
    assertThat(g.outs(request).ebx()).isEqualTo(0x00010000);
    Registers size = g.call(MESSAGE_RECVSIZE, 0);
    assertThat(size.ecxHigh()).isEqualTo(STATUS_SUCCESS | STATUS_DORECV | STATUS_HB);
    byte[] reply = new byte[size.ebx()];
    assertThat(g.ins(reply).ebx()).isEqualTo(0x00010000);
    assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("1 ");
    assertThat(g.status(MESSAGE_RECVSTATUS, STATUS_SUCCESS)).isEqualTo(STATUS_SUCCESS);
    assertThat(host.records().guestLog()).containsExactly("hello");
  }

  @Test
  void wrongCookieOrIdGetsNoSuccessAndChangesNothing() {
    VirtualHost host = host(false);
    Guest g = Guest.open(host.backdoor(), PROTOCOL_RPCI, true);
    Guest wrongHigh = g.withCookies(g.cookieHigh + 1, g.cookieLow);
    Guest wrongLow = g.withCookies(g.cookieHigh, g.cookieLow ^ 0x8000);
    Guest wrongId = g.withId(g.id + 1);
    for (Guest bad : List.of(wrongHigh, wrongLow, wrongId)) {
      assertThat(bad.status(MESSAGE_SENDSIZE, 4)).isZero();
      assertThat(bad.status(MESSAGE_SENDPAYLOAD, LOG)).isZero();
      assertThat(bad.status(MESSAGE_RECVSIZE, 0)).isZero();
      assertThat(bad.status(MESSAGE_CLOSE, 0)).isZero();
      assertThat(bad.outs(new byte[4]).ebxHigh()).isZero();
    }
    assertThat(host.records().channels())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.state()).isEqualTo(ChannelInfo.State.OPEN);
              assertThat(c.operation()).isEqualTo(ChannelInfo.Operation.IDLE);
            });
    assertThat(host.records().rpciRequests()).isEmpty();
    // the right cookies still work
    assertThat(g.status(MESSAGE_SENDSIZE, 4)).isEqualTo(STATUS_SUCCESS);
    assertThat(g.status(MESSAGE_SENDPAYLOAD, 0x00676f6c)).isEqualTo(STATUS_SUCCESS);
    assertThat(host.records().rpciRequests())
        .extracting(RpciRequest::command)
        .containsExactly("log");
  }

  @Test
  void outOfOrderSubCallsGetNoSuccessAndStoreNothing() {
    VirtualHost host = host(true);
    Guest g = Guest.open(host.backdoor(), PROTOCOL_RPCI, true);
    assertThat(g.status(MESSAGE_SENDPAYLOAD, LOG)).as("payload without size").isZero();
    assertThat(g.outs(new byte[4]).ebxHigh()).as("HB out without size").isZero();
    assertThat(g.status(MESSAGE_RECVPAYLOAD, STATUS_SUCCESS)).as("payload without size").isZero();
    assertThat(g.ins(new byte[4]).ebxHigh()).as("HB in without size").isZero();
    assertThat(g.status(MESSAGE_RECVSTATUS, STATUS_SUCCESS)).as("status without size").isZero();
    assertThat(g.status(MESSAGE_SENDSIZE, 8)).isEqualTo(STATUS_SUCCESS | STATUS_HB);
    assertThat(g.outs(new byte[7]).ebxHigh()).as("HB out shorter than announced").isZero();
    assertThat(g.status(MESSAGE_RECVSTATUS, STATUS_SUCCESS)).as("status mid-send").isZero();
    assertThat(host.records().rpciRequests()).isEmpty();
    // the announced message can still be sent in full
    assertThat(g.status(MESSAGE_SENDPAYLOAD, LOG)).isEqualTo(STATUS_SUCCESS);
    assertThat(g.outs(new byte[4]).ebxHigh()).as("HB after a 4-byte piece").isZero();
    assertThat(g.status(MESSAGE_SENDPAYLOAD, 0x21212121)).isEqualTo(STATUS_SUCCESS);
    assertThat(g.status(MESSAGE_SENDPAYLOAD, 0x21212121))
        .as("beyond the announced length")
        .isZero();
    assertThat(host.records().rpciRequests())
        .extracting(RpciRequest::text)
        .containsExactly("log !!!!");
    // receive: status before the payload is fetched
    assertThat(g.call(MESSAGE_RECVSIZE, 0).ebx()).isEqualTo(2);
    assertThat(g.status(MESSAGE_RECVSTATUS, STATUS_SUCCESS)).isZero();
    assertThat(g.ins(new byte[3]).ebxHigh()).as("HB in longer than announced").isZero();
    byte[] reply = new byte[2];
    assertThat(g.ins(reply).ebxHigh()).isEqualTo(STATUS_SUCCESS);
    assertThat(g.status(MESSAGE_RECVPAYLOAD, STATUS_SUCCESS))
        .as("payload after all fetched")
        .isZero();
    assertThat(g.status(MESSAGE_RECVSTATUS, STATUS_SUCCESS)).isEqualTo(STATUS_SUCCESS);
  }

  @Test
  void aSecondSendSizeMidMessageIsRefusedAndTheChannelStaysUsable() {
    VirtualHost host = host(false);
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      Guest g = new Guest(host.backdoor(), ch.id(), ch.cookieHigh(), ch.cookieLow());
      assertThat(g.status(MESSAGE_SENDSIZE, 8)).isEqualTo(STATUS_SUCCESS);
      assertThat(g.status(MESSAGE_SENDPAYLOAD, LOG)).isEqualTo(STATUS_SUCCESS);
      assertThat(g.status(MESSAGE_SENDSIZE, 8)).isZero();
      assertThat(host.records().rpciRequests()).isEmpty();
      assertThat(host.records().channel(ch.id()))
          .get()
          .extracting(ChannelInfo::operation)
          .isEqualTo(ChannelInfo.Operation.IDLE);
      ch.send("log again".getBytes(StandardCharsets.US_ASCII));
      assertThat(ch.receive()).isEqualTo("1 ".getBytes(StandardCharsets.US_ASCII));
      assertThat(host.records().rpciRequests())
          .extracting(RpciRequest::text)
          .containsExactly("log again");
    }
  }

  @Test
  void aFailedReceiveReportedByTheGuestKeepsTheMessageForARetry() {
    VirtualHost host = host(false);
    Guest g = Guest.open(host.backdoor(), PROTOCOL_RPCI, true);
    g.status(MESSAGE_SENDSIZE, 3);
    g.status(MESSAGE_SENDPAYLOAD, 0x676f6c);
    assertThat(g.call(MESSAGE_RECVSIZE, 0).ebx()).isEqualTo(2);
    assertThat(g.status(MESSAGE_RECVPAYLOAD, 0x10000))
        .as("status masked to bit 0: failure")
        .isEqualTo(STATUS_SUCCESS);
    assertThat(g.call(MESSAGE_RECVSIZE, 0).ebx()).as("offered again").isEqualTo(2);
    g.call(MESSAGE_RECVPAYLOAD, STATUS_SUCCESS);
    assertThat(g.status(MESSAGE_RECVSTATUS, 0)).isEqualTo(STATUS_SUCCESS);
    assertThat(g.call(MESSAGE_RECVSIZE, 0).ecxHigh())
        .as("still offered")
        .isEqualTo(STATUS_SUCCESS | STATUS_DORECV);
    g.call(MESSAGE_RECVPAYLOAD, STATUS_SUCCESS);
    assertThat(g.status(MESSAGE_RECVSTATUS, 0xFFFF0001)).isEqualTo(STATUS_SUCCESS);
    assertThat(g.status(MESSAGE_RECVSIZE, 0)).as("consumed").isEqualTo(STATUS_SUCCESS);
  }

  @Test
  void theNinthOpenOnAnEightChannelHostFailsAndClosingOneFreesIt() {
    VirtualHost host = VirtualHost.builder().channelTableSize(8).build();
    List<MessageChannel> open = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      open.add(MessageChannel.open(host.backdoor(), i == 0 ? PROTOCOL_TCLO : PROTOCOL_RPCI));
    }
    assertThat(open).extracting(MessageChannel::id).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThatThrownBy(() -> MessageChannel.open(host.backdoor(), PROTOCOL_RPCI))
        .isInstanceOfSatisfying(
            MessageException.class,
            e -> assertThat(e.step()).isEqualTo(MessageException.Step.OPEN));
    open.get(5).close();
    MessageChannel again = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    assertThat(again.id()).isEqualTo(5);
    assertThat(host.records().channels()).hasSize(8);
  }

  @Test
  void unknownProtocolAndCookiesOnAnOldHostAreRefused() {
    VirtualHost old = VirtualHost.builder().cookies(false).build();
    assertThat(Guest.openCall(old.backdoor(), PROTOCOL_RPCI, true).ecxHigh()).isZero();
    try (MessageChannel ch = MessageChannel.open(old.backdoor(), PROTOCOL_RPCI)) {
      assertThat(ch.cookieHigh()).isZero();
      assertThat(ch.cookieLow()).isZero();
      ch.send("log x".getBytes(StandardCharsets.US_ASCII));
      assertThat(ch.receive()).isEqualTo("1 ".getBytes(StandardCharsets.US_ASCII));
    }
    assertThat(Guest.openCall(old.backdoor(), 0x12345678, false).ecxHigh()).isZero();
  }

  @Test
  void highBandwidthCallsAreRefusedWhenTheHostDoesNotOfferIt() {
    VirtualHost host = host(false);
    Guest g = Guest.open(host.backdoor(), PROTOCOL_RPCI, true);
    assertThat(g.status(MESSAGE_SENDSIZE, 4)).isEqualTo(STATUS_SUCCESS);
    assertThat(g.outs("log ".getBytes(StandardCharsets.US_ASCII)).ebxHigh()).isZero();
    assertThat(host.records().rpciRequests()).isEmpty();
  }

  @Test
  void zeroLengthSendIsLegal() {
    VirtualHost host = host(true);
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      ch.send(new byte[0]);
      assertThat(new String(ch.receive(), StandardCharsets.US_ASCII))
          .isEqualTo("0 Unknown command");
    }
  }

  @Test
  void callsFromSeveralThreadsOnOneHostAllSucceed() throws Exception {
    VirtualHost host = VirtualHost.builder().callLogLimit(0).build();
    int threads = 4;
    int each = 200;
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      int n = t;
      Thread w =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < each; i++) {
                    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
                      String key = "guestinfo.t" + n + "." + i;
                      ch.send(("info-set " + key + " v" + i).getBytes(StandardCharsets.US_ASCII));
                      assertThat(ch.receive()).isEqualTo("1 ".getBytes(StandardCharsets.US_ASCII));
                    }
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    assertThat(failures).isEmpty();
    assertThat(host.records().guestInfo()).hasSize(threads * each);
    assertThat(host.records().channels()).isEmpty();
  }

  @Test
  void highBandwidthCookiesMustSitWhereEachDirectionPutsThem() {
    VirtualHost host = host(true);
    Guest g = Guest.open(host.backdoor(), PROTOCOL_RPCI, true);
    byte[] request = "log hb".getBytes(StandardCharsets.US_ASCII);
    g.status(MESSAGE_SENDSIZE, request.length);
    // outs wants edi = low, ebp = high; the ins placement (esi = high, ebp = low) is refused
    Registers insStyle =
        Registers.of(
            io.github.vmbackdoor.core.BackdoorProtocol.MAGIC,
            0x00010000,
            request.length,
            Registers.words(g.id, io.github.vmbackdoor.core.BackdoorProtocol.HB_PORT),
            g.cookieHigh,
            0,
            g.cookieLow);
    assertThat(host.backdoor().outs(insStyle, request).ebxHigh()).isZero();
    assertThat(g.outs(request).ebxHigh()).isEqualTo(STATUS_SUCCESS);
    assertThat(g.call(MESSAGE_RECVSIZE, 0).ebx()).isEqualTo(2);
    Registers outsStyle =
        Registers.of(
            io.github.vmbackdoor.core.BackdoorProtocol.MAGIC,
            0x00010000,
            2,
            Registers.words(g.id, io.github.vmbackdoor.core.BackdoorProtocol.HB_PORT),
            0,
            g.cookieLow,
            g.cookieHigh);
    assertThat(host.backdoor().ins(outsStyle, new byte[2]).ebxHigh()).isZero();
    assertThat(g.ins(new byte[2]).ebxHigh()).isEqualTo(STATUS_SUCCESS);
  }

  @Test
  void aShorterHighBandwidthReadIsServedAndCountsAsTheWholeMessage() {
    // vmt reads at most its buffer size (NetBSD: 255 bytes) of a longer TCLO message
    VirtualHost host = host(true);
    host.putGuestInfo("guestinfo.long", "y".repeat(300));
    Guest g = Guest.open(host.backdoor(), PROTOCOL_RPCI, true);
    byte[] request = "info-get guestinfo.long".getBytes(StandardCharsets.US_ASCII);
    g.status(MESSAGE_SENDSIZE, request.length);
    g.outs(request);
    assertThat(g.call(MESSAGE_RECVSIZE, 0).ebx()).isEqualTo(302);
    assertThat(g.ins(new byte[303]).ebxHigh()).as("longer than announced").isZero();
    byte[] first = new byte[255];
    assertThat(g.ins(first).ebx()).isEqualTo(0x00010000);
    assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("1 " + "y".repeat(253));
    assertThat(g.status(MESSAGE_RECVSTATUS, 1)).isEqualTo(STATUS_SUCCESS);
    assertThat(g.status(MESSAGE_RECVSIZE, 0)).as("consumed").isEqualTo(STATUS_SUCCESS | STATUS_HB);
  }
}
