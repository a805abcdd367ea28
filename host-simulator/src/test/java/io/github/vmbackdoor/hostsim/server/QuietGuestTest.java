package io.github.vmbackdoor.hostsim.server;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server's read timeout against a real host, in the server's own connection pipeline (no
 * sockets) with the pipeline's clock and the host's virtual time moved together: a guest quiet for
 * minutes keeps its connection while it holds a channel, a connection that holds nothing is still
 * timed out, and an answer the server holds back for a {@code delay=} fault longer than the read
 * timeout is never taken for the client being idle.
 */
class QuietGuestTest {

  private static final Duration READ_TIMEOUT =
      Duration.ofSeconds(SimulatorServer.DEFAULT_READ_TIMEOUT_SECONDS);

  private final Simulation sim = Simulation.create(24);
  private final VirtualHost host =
      VirtualHost.builder().simulation(sim).highBandwidth(false).build();
  private final List<String> rejections = new ArrayList<>();
  private final SimulatorServer server =
      SimulatorServer.builder(
              name -> name.equals("vm") ? host.connect("guest", ConnectionPolicy.DEFAULTS) : null)
          .ioThreads(1)
          .ticker(sim.ticker())
          .readTimeout(READ_TIMEOUT)
          .rejectionListener((error, text) -> rejections.add(error + ": " + text))
          .start();
  private final EmbeddedChannel connection = new EmbeddedChannel();

  @AfterEach
  void close() {
    connection.finishAndReleaseAll();
    server.close();
  }

  /** The guest's side of the connection: each call one request frame and its answer. */
  private final Backdoor guest =
      new Backdoor() {
        private int sequence;

        @Override
        public Registers in(Registers registers) {
          connection.writeInbound(
              Unpooled.wrappedBuffer(
                  RawClient.request(WireProtocol.IN, ++sequence, registers, new byte[0])));
          byte[] body = answer();
          assertThat(RawClient.sequenceOf(body)).isEqualTo(sequence);
          return RawClient.registersOf(body);
        }

        @Override
        public Registers outs(Registers registers, byte[] bytes) {
          throw new UnsupportedOperationException("the host offers no high bandwidth");
        }

        @Override
        public Registers ins(Registers registers, byte[] into) {
          throw new UnsupportedOperationException("the host offers no high bandwidth");
        }
      };

  /** The body of the next frame the server wrote, which must be an IN response. */
  private byte[] answer() {
    ByteBuf out = connection.readOutbound();
    assertThat(out).as("an answer (rejections: %s)", rejections).isNotNull();
    try {
      out.readInt();
      int type = out.readUnsignedByte();
      byte[] body = new byte[out.readableBytes()];
      out.readBytes(body);
      assertThat(type)
          .as("frame type (rejections: %s)", rejections)
          .isEqualTo(WireProtocol.IN_RESPONSE);
      return body;
    } finally {
      out.release();
    }
  }

  private void helloDone() {
    connection.freezeTime();
    server.initConnection(connection);
    connection.writeInbound(Unpooled.wrappedBuffer(RawClient.hello("vm")));
    ByteBuf ok = connection.readOutbound();
    assertThat((int) ok.getUnsignedByte(4)).isEqualTo(WireProtocol.HELLO_OK);
    ok.release();
  }

  /** Host time and the pipeline's clock move together; the read timeout's checks run. */
  private void quietFor(Duration d) {
    for (Duration left = d; !left.isZero(); ) {
      Duration step = left.compareTo(Duration.ofSeconds(1)) < 0 ? left : Duration.ofSeconds(1);
      sim.advance(step);
      connection.advanceTimeBy(step.toNanos(), TimeUnit.NANOSECONDS);
      connection.runScheduledPendingTasks();
      left = left.minus(step);
    }
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  @Test
  void aGuestQuietForFiveMinutesGoesOnOnItsOpenChannel() {
    helloDone();
    MessageChannel rpci = MessageChannel.open(guest, PROTOCOL_RPCI);
    rpci.send("info-set guestinfo.before 1".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(text(rpci.receive())).isEqualTo("1 ");

    quietFor(Duration.ofMinutes(5));

    assertThat(rejections).isEmpty();
    assertThat(connection.isActive()).isTrue();
    rpci.send("info-get guestinfo.before".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(text(rpci.receive())).isEqualTo("1 1");
    rpci.close();
  }

  @Test
  void aConnectionThatHoldsNothingIsStillTimedOut() {
    helloDone();
    MessageChannel rpci = MessageChannel.open(guest, PROTOCOL_RPCI);
    rpci.close();

    quietFor(READ_TIMEOUT.plusSeconds(1));

    assertThat(rejections).singleElement().asString().startsWith("IDLE_TIMEOUT: ");
    assertThat(connection.isActive()).isFalse();
  }

  @Test
  void aDelayLongerThanTheReadTimeoutIsTheServersWaitNotTheClients() {
    helloDone();
    host.installFault(
        Fault.builder().step(MessageException.Step.CLOSE).delay(Duration.ofSeconds(90)).build());
    MessageChannel rpci = MessageChannel.open(guest, PROTOCOL_RPCI);
    // The CLOSE is answered 90 s later; the guest holds no channel meanwhile.
    Registers close =
        Registers.of(
            BackdoorProtocol.MAGIC,
            0,
            BackdoorProtocol.CMD_MESSAGE | BackdoorProtocol.MESSAGE_CLOSE << 16,
            rpci.id() << 16,
            rpci.cookieHigh(),
            rpci.cookieLow(),
            0);
    connection.writeInbound(
        Unpooled.wrappedBuffer(RawClient.request(WireProtocol.IN, 99, close, new byte[0])));
    assertThat(connection.<Object>readOutbound()).as("held back").isNull();

    quietFor(Duration.ofSeconds(90));

    byte[] body = answer();
    assertThat(RawClient.sequenceOf(body)).isEqualTo(99);
    assertThat(RawClient.registersOf(body).ecxHigh() & 1).as("SUCCESS").isEqualTo(1);
    assertThat(rejections).isEmpty();
    assertThat(connection.isActive()).isTrue();
  }
}
