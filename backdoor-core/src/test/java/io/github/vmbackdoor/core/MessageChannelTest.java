package io.github.vmbackdoor.core;

import static io.github.vmbackdoor.core.BackdoorProtocol.*;
import static io.github.vmbackdoor.core.ScriptedBackdoor.hbStatus;
import static io.github.vmbackdoor.core.ScriptedBackdoor.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.ScriptedBackdoor.Call;
import io.github.vmbackdoor.core.ScriptedBackdoor.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageChannelTest {

  static final int ID = 5;
  static final int CK_HIGH = 0x11112222;
  static final int CK_LOW = 0x33334444;

  final ScriptedBackdoor port = new ScriptedBackdoor();

  /** The registers a command-port message call on channel {@link #ID} must carry. */
  static Registers lb(int subCommand, int ebx) {
    return Registers.of(
        MAGIC, ebx, messageEcx(subCommand), Registers.words(ID, COMMAND_PORT), CK_HIGH, CK_LOW);
  }

  MessageChannel openedChannel() {
    port.answer(
        Registers.builder()
            .ecx(STATUS_SUCCESS << 16)
            .edx(Registers.words(ID, 0))
            .esi(CK_HIGH)
            .edi(CK_LOW)
            .build());
    MessageChannel channel = MessageChannel.open(port, PROTOCOL_RPCI);
    port.calls.clear();
    return channel;
  }

  static byte[] bytes(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (0xA0 + i);
    }
    return b;
  }

  @Nested
  class Open {
    @Test
    void opensWithTheCookieFlagAndKeepsIdAndCookies() {
      port.answer(
          Registers.builder()
              .ecx(STATUS_SUCCESS << 16)
              .edx(Registers.words(7, 0))
              .esi(0xCAFE0001)
              .edi(0xCAFE0002)
              .build());

      MessageChannel channel = MessageChannel.open(port, PROTOCOL_TCLO);

      assertThat(port.calls).hasSize(1);
      assertThat(port.calls.get(0).registers)
          .isEqualTo(Registers.of(MAGIC, PROTOCOL_TCLO | FLAG_COOKIE, 0x0000001E, 0x5658, 0, 0));
      assertThat(port.calls.get(0).registers.ebx()).isEqualTo(0xCF4C4354);
      assertThat(channel.id()).isEqualTo(7);
      assertThat(channel.cookieHigh()).isEqualTo(0xCAFE0001);
      assertThat(channel.cookieLow()).isEqualTo(0xCAFE0002);
      assertThat(channel.protocol()).isEqualTo(PROTOCOL_TCLO);
      assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void fallsBackToOpeningWithoutCookiesWhenTheHostRefusesTheFlag() {
      port.answer(status(0));
      port.answer(Registers.builder().ecx(STATUS_SUCCESS << 16).edx(Registers.words(3, 0)).build());

      MessageChannel channel = MessageChannel.open(port, PROTOCOL_RPCI);

      assertThat(port.calls)
          .extracting(c -> c.registers)
          .containsExactly(
              Registers.of(MAGIC, 0xC9435052, 0x1E, 0x5658, 0, 0),
              Registers.of(MAGIC, 0x49435052, 0x1E, 0x5658, 0, 0));
      assertThat(channel.id()).isEqualTo(3);
      assertThat(channel.cookieHigh()).isZero();
      assertThat(channel.cookieLow()).isZero();
    }

    @Test
    void failsNamingTheOpenStepWhenBothAttemptsAreRefused() {
      port.answer(status(0)).answer(Registers.of(MAGIC, 0, 0x1E, 0x5658, 0, 0));

      assertThatThrownBy(() -> MessageChannel.open(port, PROTOCOL_RPCI))
          .isInstanceOfSatisfying(
              MessageException.class,
              e -> {
                assertThat(e.step()).isEqualTo(Step.OPEN);
                assertThat(e.getMessage())
                    .isEqualTo("open failed, eax=564d5868, ecx=0000001e, edx=00005658");
              });
      assertThat(port.calls).hasSize(2);
    }
  }

  @Nested
  class Send {
    @Test
    void emptyMessageIsOneSendSizeOfZero() {
      MessageChannel channel = openedChannel();
      port.answer(status(STATUS_SUCCESS | STATUS_HB));

      channel.send(new byte[0]);

      assertThat(port.calls).extracting(c -> c.registers).containsExactly(lb(MESSAGE_SENDSIZE, 0));
      assertThat(lb(MESSAGE_SENDSIZE, 0).ecx()).isEqualTo(0x0001001E);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
    void packsFourLittleEndianBytesPerCallWithZeroPaddedTail(int length) {
      MessageChannel channel = openedChannel();
      byte[] message = bytes(length);
      int pieces = (length + 3) / 4;
      port.answer(status(STATUS_SUCCESS));
      for (int i = 0; i < pieces; i++) {
        port.answer(status(STATUS_SUCCESS));
      }

      channel.send(message);

      List<Registers> expected = new ArrayList<>();
      expected.add(lb(MESSAGE_SENDSIZE, length));
      for (int off = 0; off < length; off += 4) {
        int word = 0;
        for (int i = 0; i < 4; i++) {
          int b = off + i < length ? 0xA0 + off + i : 0;
          word |= b << (8 * i);
        }
        expected.add(lb(MESSAGE_SENDPAYLOAD, word));
      }
      assertThat(port.calls).extracting(c -> c.registers).containsExactlyElementsOf(expected);
    }

    @Test
    void tailPiecesAreZeroPaddedOnTheHighSide() {
      MessageChannel channel = openedChannel();
      port.answer(status(STATUS_SUCCESS))
          .answer(status(STATUS_SUCCESS))
          .answer(status(STATUS_SUCCESS));

      channel.send("RPCI!".getBytes(StandardCharsets.US_ASCII));

      assertThat(port.calls.get(1).registers.ebx()).isEqualTo(0x49435052);
      assertThat(port.calls.get(2).registers.ebx()).isEqualTo(0x00000021);
    }

    @Test
    void highBandwidthSendIsOneOutsWithCookieLowInEdiAndCookieHighInEbp() {
      MessageChannel channel = openedChannel();
      byte[] message = bytes(11);
      port.answer(status(STATUS_SUCCESS | STATUS_HB)).answer(hbStatus(STATUS_SUCCESS));

      channel.send(message);

      assertThat(port.calls).hasSize(2);
      Call hb = port.calls.get(1);
      assertThat(hb.op).isEqualTo(Op.OUTS);
      assertThat(hb.registers)
          .isEqualTo(
              Registers.of(
                  MAGIC, 0x00010000, 11, Registers.words(ID, HB_PORT), 0, CK_LOW, CK_HIGH));
      assertThat(hb.bytes).isEqualTo(message);
    }

    @Test
    void refusedSendSizeFailsAtOnceWithoutRetry() {
      MessageChannel channel = openedChannel();
      port.answer(Registers.of(MAGIC, 0, 0x1E, 0, 0, 0));

      assertThatThrownBy(() -> channel.send(bytes(3)))
          .isInstanceOfSatisfying(
              MessageException.class,
              e -> {
                assertThat(e.step()).isEqualTo(Step.SENDSIZE);
                assertThat(e.getMessage())
                    .isEqualTo("sending length failed, eax=564d5868, ecx=0000001e");
              });
      assertThat(port.calls).hasSize(1);
    }

    @Test
    void checkpointDuringFourBytePayloadRestartsFromSendSize() {
      MessageChannel channel = openedChannel();
      port.answer(status(STATUS_SUCCESS))
          .answer(status(STATUS_SUCCESS))
          .answer(status(STATUS_CPT))
          .answer(status(STATUS_SUCCESS))
          .answer(status(STATUS_SUCCESS))
          .answer(status(STATUS_SUCCESS));

      channel.send(bytes(6));

      assertThat(port.calls)
          .extracting(Call::subCommand)
          .containsExactly(
              MESSAGE_SENDSIZE,
              MESSAGE_SENDPAYLOAD,
              MESSAGE_SENDPAYLOAD,
              MESSAGE_SENDSIZE,
              MESSAGE_SENDPAYLOAD,
              MESSAGE_SENDPAYLOAD);
      assertThat(port.calls.get(3).registers).isEqualTo(lb(MESSAGE_SENDSIZE, 6));
      assertThat(port.remainingAnswers()).isZero();
    }

    @Test
    void checkpointDuringHighBandwidthSendRestartsFromSendSize() {
      MessageChannel channel = openedChannel();
      port.answer(status(STATUS_SUCCESS | STATUS_HB))
          .answer(hbStatus(STATUS_CPT))
          .answer(status(STATUS_SUCCESS | STATUS_HB))
          .answer(hbStatus(STATUS_SUCCESS));

      channel.send(bytes(40));

      assertThat(port.calls).extracting(c -> c.op).containsExactly(Op.IN, Op.OUTS, Op.IN, Op.OUTS);
      assertThat(port.calls.get(3).bytes).isEqualTo(bytes(40));
    }

    @Test
    void payloadFailureWithoutCheckpointFails() {
      MessageChannel channel = openedChannel();
      port.answer(status(STATUS_SUCCESS | STATUS_HB)).answer(hbStatus(STATUS_CLOSED));

      assertThatThrownBy(() -> channel.send(bytes(8)))
          .isInstanceOfSatisfying(
              MessageException.class,
              e -> {
                assertThat(e.step()).isEqualTo(Step.SEND_HB);
                assertThat(e.status()).isEqualTo(STATUS_CLOSED);
                assertThat(e.getMessage()).isEqualTo("send failed, ebx=00040000");
              });
    }

    @Test
    void checkpointRestartsAreBounded() {
      MessageChannel channel =
          MessageChannel.open(
              port.answer(
                  Registers.builder()
                      .ecx(STATUS_SUCCESS << 16)
                      .edx(Registers.words(ID, 0))
                      .esi(CK_HIGH)
                      .edi(CK_LOW)
                      .build()),
              PROTOCOL_RPCI,
              MessageChannel.Options.defaults().withMaxCheckpointRestarts(2));
      port.calls.clear();
      for (int i = 0; i < 3; i++) {
        port.answer(status(STATUS_SUCCESS)).answer(status(STATUS_CPT));
      }

      assertThatThrownBy(() -> channel.send(bytes(4)))
          .isInstanceOfSatisfying(
              MessageException.class,
              e -> {
                assertThat(e.step()).isEqualTo(Step.SENDPAYLOAD);
                assertThat(e.checkpointRetriesExhausted()).isTrue();
              });
      assertThat(port.calls).hasSize(6);
      assertThat(port.remainingAnswers()).isZero();
    }
  }

  @Nested
  class Receive {
    /** A RECVSIZE answer announcing {@code length} bytes. */
    Registers announce(int length, int extraStatus) {
      return Registers.builder()
          .ebx(length)
          .ecx((STATUS_SUCCESS | STATUS_DORECV | extraStatus) << 16)
          .edx(Registers.words(MESSAGE_SENDSIZE, 0))
          .build();
    }

    Registers piece(byte[] message, int offset) {
      return Registers.builder()
          .ebx(MessageChannel.littleEndianPiece(message, offset))
          .ecx(STATUS_SUCCESS << 16)
          .edx(Registers.words(MESSAGE_SENDPAYLOAD, 0))
          .build();
    }

    void scriptFourByteReceive(byte[] message) {
      port.answer(announce(message.length, 0));
      for (int off = 0; off < message.length; off += 4) {
        port.answer(piece(message, off));
      }
      port.answer(status(STATUS_SUCCESS));
    }

    @Test
    void noDoRecvMeansNoMessage() {
      MessageChannel channel = openedChannel();
      port.answer(status(STATUS_SUCCESS | STATUS_HB));

      assertThat(channel.receive()).isEmpty();
      assertThat(port.calls).extracting(c -> c.registers).containsExactly(lb(MESSAGE_RECVSIZE, 0));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9})
    void receivesEveryTailLengthOverFourByteCalls(int length) {
      MessageChannel channel = openedChannel();
      byte[] message = bytes(length);
      scriptFourByteReceive(message);

      assertThat(channel.receive()).isEqualTo(message);

      List<Registers> expected = new ArrayList<>();
      expected.add(lb(MESSAGE_RECVSIZE, 0));
      for (int off = 0; off < length; off += 4) {
        expected.add(lb(MESSAGE_RECVPAYLOAD, STATUS_SUCCESS));
      }
      expected.add(lb(MESSAGE_RECVSTATUS, STATUS_SUCCESS));
      assertThat(port.calls).extracting(c -> c.registers).containsExactlyElementsOf(expected);
    }

    @Test
    void zeroLengthMessageIsAcknowledged() {
      MessageChannel channel = openedChannel();
      port.answer(announce(0, 0)).answer(status(STATUS_SUCCESS));

      assertThat(channel.receive()).isEmpty();
      assertThat(port.calls)
          .extracting(Call::subCommand)
          .containsExactly(MESSAGE_RECVSIZE, MESSAGE_RECVSTATUS);
    }

    @Test
    void highBandwidthReceiveIsOneInsWithCookieHighInEsiAndCookieLowInEbp() {
      MessageChannel channel = openedChannel();
      byte[] message = bytes(13);
      port.answer(announce(13, STATUS_HB))
          .answerIns(hbStatus(STATUS_SUCCESS), message)
          .answer(status(STATUS_SUCCESS));

      assertThat(channel.receive()).isEqualTo(message);

      Call hb = port.calls.get(1);
      assertThat(hb.op).isEqualTo(Op.INS);
      assertThat(hb.registers)
          .isEqualTo(
              Registers.of(
                  MAGIC, 0x00010000, 13, Registers.words(ID, HB_PORT), CK_HIGH, 0, CK_LOW));
      assertThat(port.calls.get(2).registers).isEqualTo(lb(MESSAGE_RECVSTATUS, STATUS_SUCCESS));
    }

    @Test
    void recvSizeWithWrongDataIdFailsWithoutNotifyingTheHost() {
      MessageChannel channel = openedChannel();
      port.answer(announce(4, 0).withEdx(Registers.words(MESSAGE_SENDPAYLOAD, 0)));

      assertThatThrownBy(channel::receive)
          .isInstanceOfSatisfying(
              MessageException.class,
              e -> {
                assertThat(e.step()).isEqualTo(Step.RECVSIZE);
                assertThat(e.getMessage()).contains("protocol error: data id 2, expected 1");
              });
      assertThat(port.calls).hasSize(1);
    }

    @Test
    void recvPayloadWithWrongDataIdTellsTheHostWithStatusZero() {
      MessageChannel channel = openedChannel();
      byte[] message = bytes(8);
      port.answer(announce(8, 0))
          .answer(piece(message, 0))
          .answer(piece(message, 4).withEdx(Registers.words(MESSAGE_SENDSIZE, 0)))
          .answer(status(STATUS_SUCCESS));

      assertThatThrownBy(channel::receive)
          .isInstanceOfSatisfying(
              MessageException.class, e -> assertThat(e.step()).isEqualTo(Step.RECVPAYLOAD));
      assertThat(port.calls.get(3).registers).isEqualTo(lb(MESSAGE_RECVPAYLOAD, 0));
    }

    @Test
    void failedPayloadPieceTellsTheHostWithRecvPayloadStatusZero() {
      MessageChannel channel = openedChannel();
      port.answer(announce(8, 0)).answer(status(STATUS_CLOSED)).answer(status(STATUS_SUCCESS));

      assertThatThrownBy(channel::receive)
          .isInstanceOfSatisfying(
              MessageException.class,
              e -> {
                assertThat(e.step()).isEqualTo(Step.RECVPAYLOAD);
                assertThat(e.getMessage()).isEqualTo("get data failed, eax=00000000, ecx=00040000");
              });
      assertThat(port.calls)
          .extracting(c -> c.registers)
          .containsExactly(
              lb(MESSAGE_RECVSIZE, 0),
              lb(MESSAGE_RECVPAYLOAD, STATUS_SUCCESS),
              lb(MESSAGE_RECVPAYLOAD, 0));
    }

    @Test
    void failedStatusAfterFourBytePayloadTellsTheHostWithRecvStatusZero() {
      MessageChannel channel = openedChannel();
      byte[] message = bytes(4);
      port.answer(announce(4, 0))
          .answer(piece(message, 0))
          .answer(status(0))
          .answer(status(STATUS_SUCCESS));

      assertThatThrownBy(channel::receive)
          .isInstanceOfSatisfying(
              MessageException.class, e -> assertThat(e.step()).isEqualTo(Step.RECVSTATUS));
      assertThat(port.calls.get(3).registers).isEqualTo(lb(MESSAGE_RECVSTATUS, 0));
    }

    @Test
    void failedHighBandwidthReceiveTellsTheHostWithRecvPayloadStatusZero() {
      MessageChannel channel = openedChannel();
      port.answer(announce(20, STATUS_HB))
          .answerIns(hbStatus(0), null)
          .answer(status(STATUS_SUCCESS));

      assertThatThrownBy(channel::receive)
          .isInstanceOfSatisfying(
              MessageException.class,
              e -> {
                assertThat(e.step()).isEqualTo(Step.RECV_HB);
                assertThat(e.getMessage()).isEqualTo("get data failed, ebx=00000000");
              });
      assertThat(port.calls.get(2).registers).isEqualTo(lb(MESSAGE_RECVPAYLOAD, 0));
    }

    @Test
    void checkpointDuringFourBytePayloadRestartsFromRecvSize() {
      MessageChannel channel = openedChannel();
      byte[] message = bytes(6);
      port.answer(announce(6, 0)).answer(piece(message, 0)).answer(status(STATUS_CPT));
      scriptFourByteReceive(message);

      assertThat(channel.receive()).isEqualTo(message);
      assertThat(port.calls)
          .extracting(Call::subCommand)
          .containsExactly(
              MESSAGE_RECVSIZE,
              MESSAGE_RECVPAYLOAD,
              MESSAGE_RECVPAYLOAD,
              MESSAGE_RECVSIZE,
              MESSAGE_RECVPAYLOAD,
              MESSAGE_RECVPAYLOAD,
              MESSAGE_RECVSTATUS);
    }

    @Test
    void checkpointDuringHighBandwidthReceiveRestartsFromRecvSize() {
      MessageChannel channel = openedChannel();
      byte[] message = bytes(30);
      port.answer(announce(30, STATUS_HB))
          .answerIns(hbStatus(STATUS_CPT), null)
          .answer(announce(30, STATUS_HB))
          .answerIns(hbStatus(STATUS_SUCCESS), message)
          .answer(status(STATUS_SUCCESS));

      assertThat(channel.receive()).isEqualTo(message);
      assertThat(port.calls)
          .extracting(c -> c.op)
          .containsExactly(Op.IN, Op.INS, Op.IN, Op.INS, Op.IN);
    }

    @Test
    void checkpointAtRecvStatusRestartsFromRecvSize() {
      MessageChannel channel = openedChannel();
      byte[] message = bytes(5);
      port.answer(announce(5, STATUS_HB))
          .answerIns(hbStatus(STATUS_SUCCESS), message)
          .answer(status(STATUS_CPT))
          .answer(announce(5, STATUS_HB))
          .answerIns(hbStatus(STATUS_SUCCESS), message)
          .answer(status(STATUS_SUCCESS));

      assertThat(channel.receive()).isEqualTo(message);
      assertThat(port.calls).hasSize(6);
      assertThat(port.remainingAnswers()).isZero();
    }

    @Test
    void exhaustedCheckpointRestartsFailAndTellTheHost() {
      port.answer(
          Registers.builder()
              .ecx(STATUS_SUCCESS << 16)
              .edx(Registers.words(ID, 0))
              .esi(CK_HIGH)
              .edi(CK_LOW)
              .build());
      MessageChannel channel =
          MessageChannel.open(
              port, PROTOCOL_RPCI, MessageChannel.Options.defaults().withMaxCheckpointRestarts(1));
      port.calls.clear();
      byte[] message = bytes(4);
      for (int i = 0; i < 2; i++) {
        port.answer(announce(4, 0)).answer(piece(message, 0)).answer(status(STATUS_CPT));
      }
      port.answer(status(STATUS_SUCCESS));

      assertThatThrownBy(channel::receive)
          .isInstanceOfSatisfying(
              MessageException.class,
              e -> {
                assertThat(e.step()).isEqualTo(Step.RECVSTATUS);
                assertThat(e.checkpointRetriesExhausted()).isTrue();
              });
      assertThat(port.calls.get(port.calls.size() - 1).registers)
          .isEqualTo(lb(MESSAGE_RECVSTATUS, 0));
      assertThat(port.remainingAnswers()).isZero();
    }

    @Test
    void announcedLengthOverTheLimitIsRefusedAndReported() {
      port.answer(
          Registers.builder()
              .ecx(STATUS_SUCCESS << 16)
              .edx(Registers.words(ID, 0))
              .esi(CK_HIGH)
              .edi(CK_LOW)
              .build());
      MessageChannel channel =
          MessageChannel.open(
              port, PROTOCOL_RPCI, MessageChannel.Options.defaults().withMaxReceiveSize(100));
      port.calls.clear();
      port.answer(announce(101, STATUS_HB)).answer(status(STATUS_SUCCESS));

      assertThatThrownBy(channel::receive)
          .isInstanceOf(MessageException.class)
          .hasMessageContaining("101 bytes");
      assertThat(port.calls.get(1).registers).isEqualTo(lb(MESSAGE_RECVPAYLOAD, 0));
    }
  }

  @Nested
  class Close {
    @Test
    void closeSendsCloseAndForgetsTheChannel() {
      MessageChannel channel = openedChannel();
      port.answer(status(STATUS_SUCCESS));

      channel.close();
      channel.close();

      assertThat(port.calls).extracting(c -> c.registers).containsExactly(lb(MESSAGE_CLOSE, 0));
      assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void refusedCloseIsReportedButTheChannelIsForgottenAnyway() {
      MessageChannel channel = openedChannel();
      port.answer(status(0));

      assertThatThrownBy(channel::close)
          .isInstanceOfSatisfying(
              MessageException.class, e -> assertThat(e.step()).isEqualTo(Step.CLOSE));
      assertThat(channel.isOpen()).isFalse();
      assertThatThrownBy(() -> channel.send(new byte[0])).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(channel::receive).isInstanceOf(IllegalStateException.class);
      channel.close();
      assertThat(port.calls).hasSize(1);
    }
  }

  @Nested
  class Holder {
    /** A transport answering on the holder it is given, remembering each holder. */
    final class InPlace implements Backdoor {
      final List<MutableRegisters> holders = new ArrayList<>();

      @Override
      public Registers in(Registers registers) {
        throw new AssertionError("the channel calls with its holder");
      }

      @Override
      public Registers outs(Registers registers, byte[] bytes) {
        throw new AssertionError("the channel calls with its holder");
      }

      @Override
      public Registers ins(Registers registers, byte[] into) {
        throw new AssertionError("the channel calls with its holder");
      }

      @Override
      public void in(MutableRegisters registers) {
        holders.add(registers);
        // OPEN gives channel ID; every other call succeeds with nothing to receive.
        registers.ecx(STATUS_SUCCESS << 16).edx(Registers.words(ID, 0));
      }
    }

    @Test
    void everyCallOfAChannelLoadsOneHolderAgain() {
      InPlace transport = new InPlace();
      MessageChannel channel = MessageChannel.open(transport, PROTOCOL_TCLO);
      channel.send(new byte[0]);
      assertThat(channel.receive()).isEmpty();
      channel.send(new byte[0]);
      channel.close();
      assertThat(channel.id()).isEqualTo(ID);
      assertThat(transport.holders).hasSize(5);
      assertThat(transport.holders)
          .allSatisfy(h -> assertThat(h).isSameAs(transport.holders.get(0)));
    }

    @Test
    void aTransportWithoutAHolderPathIsCalledWithTheSameRegistersAsBefore() {
      MessageChannel channel = openedChannel();
      port.answer(Registers.zero().withEcx(STATUS_SUCCESS << 16));
      channel.send(new byte[0]);
      assertThat(port.calls).extracting(c -> c.registers).containsExactly(lb(MESSAGE_SENDSIZE, 0));
    }

    @Test
    void theDefaultHolderPathLoadsTheValueAnswer() {
      MutableRegisters holder = new MutableRegisters().set(MAGIC, 1, 2, 3, 4, 5, 6);
      port.answer(Registers.of(7, 8, 9, 10, 11, 12, 13));
      port.in(holder);
      assertThat(port.calls)
          .extracting(c -> c.registers)
          .containsExactly(Registers.of(MAGIC, 1, 2, 3, 4, 5, 6));
      assertThat(holder.holds(Registers.of(7, 8, 9, 10, 11, 12, 13))).isTrue();
      assertThat(holder.toRegisters()).isEqualTo(Registers.of(7, 8, 9, 10, 11, 12, 13));
    }
  }
}
