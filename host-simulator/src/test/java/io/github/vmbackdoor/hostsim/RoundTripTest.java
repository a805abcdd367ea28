package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The real MessageChannel against VirtualHost: messages of many lengths go there and back. */
class RoundTripTest {

  /** An RPCI handler for every command that answers with the request's own bytes. */
  static final RpciHandler ECHO =
      req -> req.text() + "\0".repeat(req.length() - req.text().length());

  static VirtualHost echoHost(boolean highBandwidth, boolean cookies) {
    return VirtualHost.builder()
        .seed(7)
        .highBandwidth(highBandwidth)
        .cookies(cookies)
        .callLogLimit(0)
        .historyLimit(0)
        .rpciHandler("*", ECHO)
        .build();
  }

  static byte[] message(int length, SplittableRandom random) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return b;
  }

  /** The boundaries that matter plus a dense sample of the rest (every 97th length). */
  static List<Integer> sampleLengths() {
    List<Integer> l = new ArrayList<>();
    IntStream.rangeClosed(0, 9).forEach(l::add);
    IntStream.rangeClosed(4095, 4097).forEach(l::add);
    IntStream.rangeClosed(65530, 65536).forEach(l::add);
    for (int n = 10; n < 65530; n += 97) {
      l.add(n);
    }
    return l;
  }

  static Stream<Arguments> transports() {
    return Stream.of(
        Arguments.of(true, true), Arguments.of(true, false),
        Arguments.of(false, true), Arguments.of(false, false));
  }

  @ParameterizedTest(name = "HB {0}, cookies {1}")
  @MethodSource("transports")
  void boundaryAndSampledLengthsRoundTrip(boolean highBandwidth, boolean cookies) {
    VirtualHost host = echoHost(highBandwidth, cookies);
    SplittableRandom random = new SplittableRandom(1);
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      assertThat(ch.cookieHigh() != 0 || ch.cookieLow() != 0).isEqualTo(cookies);
      for (int length : sampleLengths()) {
        byte[] m = message(length, random);
        ch.send(m);
        assertThat(ch.receive()).as("length %d", length).isEqualTo(m);
      }
    }
  }

  @Test
  void everyLengthUpToTheLimitRoundTripsOverHighBandwidth() {
    VirtualHost host = echoHost(true, true);
    SplittableRandom random = new SplittableRandom(2);
    byte[] pool = message(65536 + 64, random);
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      for (int length = 0; length <= 65536; length++) {
        byte[] m = java.util.Arrays.copyOfRange(pool, length % 64, length % 64 + length);
        ch.send(m);
        byte[] back = ch.receive();
        if (!java.util.Arrays.equals(back, m)) {
          assertThat(back).as("length %d", length).isEqualTo(m);
        }
      }
    }
  }

  @ParameterizedTest(name = "HB {0}, cookies {1}")
  @MethodSource("transports")
  void overSixtyFourKibIsRefusedAtSendSize(boolean highBandwidth, boolean cookies) {
    VirtualHost host = echoHost(highBandwidth, cookies);
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      for (int length = 65537; length <= 70000; length++) {
        byte[] m = new byte[length];
        assertThatThrownBy(() -> ch.send(m))
            .isInstanceOfSatisfying(
                MessageException.class,
                e -> assertThat(e.step()).isEqualTo(MessageException.Step.SENDSIZE));
      }
      // nothing arrived, and the channel still works
      assertThat(ch.receive()).isEmpty();
      ch.send("ping".getBytes(StandardCharsets.US_ASCII));
      assertThat(ch.receive()).isEqualTo("ping".getBytes(StandardCharsets.US_ASCII));
    }
  }

  static Stream<Arguments> limits() {
    return Stream.of(
            0,
            1,
            4097,
            HostPolicy.DEFAULTS.guestMessageLimit(),
            69_633,
            HostPolicy.MAX_GUEST_MESSAGE_LIMIT)
        .flatMap(limit -> transports().map(t -> Arguments.of(limit, t.get()[0], t.get()[1])));
  }

  @ParameterizedTest(name = "limit {0}, HB {1}, cookies {2}")
  @MethodSource("limits")
  void aMessageOfTheHostsLimitGoesThroughAndOneByteMoreIsRefusedAtSendSize(
      int limit, boolean highBandwidth, boolean cookies) {
    VirtualHost host =
        VirtualHost.builder()
            .seed(7)
            .highBandwidth(highBandwidth)
            .cookies(cookies)
            .guestMessageLimit(limit)
            .callLogLimit(0)
            .historyLimit(0)
            .rpciHandler("*", ECHO)
            .build();
    SplittableRandom random = new SplittableRandom(limit);
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      byte[] atLimit = message(limit, random);
      ch.send(atLimit);
      assertThat(ch.receive()).isEqualTo(atLimit);
      byte[] over = message(limit + 1, random);
      assertThatThrownBy(() -> ch.send(over))
          .isInstanceOfSatisfying(
              MessageException.class,
              e -> {
                assertThat(e.step()).isEqualTo(MessageException.Step.SENDSIZE);
                assertThat(e.registers().ecx()).as("status 0, no HB").isZero();
              });
      // Nothing arrived, and the channel still works.
      assertThat(ch.receive()).isEmpty();
      ch.send(new byte[0]);
      assertThat(ch.receive()).isEmpty();
    }
  }
}
