package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Registers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server's real connection pipeline, without sockets, fed thousands of mutated conversations in
 * random chunks: no exception ever reaches the end of the pipeline, a connection gets at most one
 * ERROR frame and it is its last, and an ERROR always closes it.
 */
class PipelineFuzzTest {

  private static final int SALT = 0x5EED;
  private static SimulatorServer server;

  @BeforeAll
  static void start() {
    FakeHost host = new FakeHost(SALT);
    server =
        SimulatorServer.builder(name -> name.equals("vm") ? host : null)
            .handshakeTimeout(Duration.ofHours(1))
            .ioThreads(1)
            .start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A valid conversation: HELLO and some requests; returns the number of requests. */
  private static int conversation(Random random, ByteArrayOutputStream out) {
    out.writeBytes(RawClient.hello("vm"));
    int requests = random.nextInt(6);
    for (int i = 1; i <= requests; i++) {
      Registers registers =
          Registers.of(random.nextInt(), random.nextInt(), 0, random.nextInt(), 0, 0, 0);
      int count = random.nextInt(40);
      switch (random.nextInt(3)) {
        case 0:
          out.writeBytes(RawClient.request(WireProtocol.IN, i, registers, new byte[0]));
          break;
        case 1:
          byte[] bytes = new byte[count];
          random.nextBytes(bytes);
          out.writeBytes(RawClient.request(WireProtocol.OUTS, i, registers.withEcx(count), bytes));
          break;
        default:
          out.writeBytes(
              RawClient.request(WireProtocol.INS, i, registers.withEcx(count), new byte[0]));
      }
    }
    return requests;
  }

  private static byte[] mutate(byte[] input, Random random) {
    switch (random.nextInt(5)) {
      case 0: // flip a few bytes
        byte[] flipped = input.clone();
        for (int i = 0; i < 1 + random.nextInt(4); i++) {
          flipped[random.nextInt(flipped.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return flipped;
      case 1: // cut anywhere
        return Arrays.copyOf(input, random.nextInt(input.length));
      case 2: // junk appended
        byte[] junk = new byte[1 + random.nextInt(64)];
        random.nextBytes(junk);
        byte[] longer = Arrays.copyOf(input, input.length + junk.length);
        System.arraycopy(junk, 0, longer, input.length, junk.length);
        return longer;
      case 3: // pure junk
        byte[] noise = new byte[1 + random.nextInt(256)];
        random.nextBytes(noise);
        return noise;
      default: // unchanged
        return input;
    }
  }

  @Test
  void mutatedConversationsNeverEscapeThePipeline() {
    int errors = 0;
    int clean = 0;
    for (int seed = 0; seed < 3000; seed++) {
      Random random = new Random(seed);
      ByteArrayOutputStream valid = new ByteArrayOutputStream();
      int requests = conversation(random, valid);
      byte[] validBytes = valid.toByteArray();
      byte[] input = mutate(validBytes, random);

      EmbeddedChannel channel = new EmbeddedChannel();
      server.initConnection(channel);
      int offset = 0;
      while (offset < input.length && channel.isOpen()) {
        int chunk = Math.min(input.length - offset, 1 + random.nextInt(48));
        channel.writeInbound(Unpooled.wrappedBuffer(input, offset, chunk));
        channel.checkException();
        offset += chunk;
      }
      channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
      channel.close();
      channel.checkException();

      List<Integer> types = outboundTypes(channel, seed);
      int errorIndex = types.indexOf(WireProtocol.ERROR);
      if (errorIndex >= 0) {
        errors++;
        assertThat(errorIndex)
            .as("seed %s: ERROR is the last frame", seed)
            .isEqualTo(types.size() - 1);
      }
      if (Arrays.equals(input, validBytes)) {
        clean++;
        assertThat(types)
            .as("seed %s: a valid conversation", seed)
            .doesNotContain(WireProtocol.ERROR);
        assertThat(types).as("seed %s", seed).hasSize(1 + requests);
      }
      channel.finishAndReleaseAll();
    }
    assertThat(errors).as("conversations rejected").isGreaterThan(1000);
    assertThat(clean).as("conversations left valid").isGreaterThan(300);
  }

  /** The types of the frames the server wrote, each checked for a sane length. */
  private static List<Integer> outboundTypes(EmbeddedChannel channel, int seed) {
    List<Integer> types = new ArrayList<>();
    ByteBuf out;
    while ((out = channel.readOutbound()) != null) {
      try {
        while (out.isReadable()) {
          int length = out.readInt();
          assertThat(length)
              .as("seed %s: frame length", seed)
              .isBetween(1, WireProtocol.MAX_FRAME_LENGTH);
          types.add((int) out.readUnsignedByte());
          out.skipBytes(length - 1);
        }
      } finally {
        out.release();
      }
    }
    return types;
  }
}
