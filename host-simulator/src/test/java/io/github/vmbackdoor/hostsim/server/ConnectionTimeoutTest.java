package io.github.vmbackdoor.hostsim.server;

import static io.github.vmbackdoor.hostsim.server.BackpressureTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Registers;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The read timeout after HELLO and the per-address connection cap: idle or half-sent connections
 * cannot hold the connection budget (issue findings on idle floods and frame headers whose body
 * never comes).
 */
class ConnectionTimeoutTest {

  private static final int SALT = 0x71DE;
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final ManualTicker ticker = new ManualTicker();
  private final LinkedBlockingQueue<String> rejections = new LinkedBlockingQueue<>();

  private SimulatorServer.Builder server() {
    FakeHost host = new FakeHost(SALT);
    return SimulatorServer.builder(name -> name.equals("vm") ? host : null)
        .ioThreads(1)
        .ticker(ticker)
        .readTimeout(TIMEOUT)
        .rejectionListener((error, text) -> rejections.add(error + ": " + text));
  }

  private static RawClient established(SimulatorServer server) throws IOException {
    RawClient client = new RawClient(server.address());
    client.send(RawClient.hello("vm"));
    assertThat(client.readFrame().type).isEqualTo(WireProtocol.HELLO_OK);
    return client;
  }

  private static void call(RawClient client, int n) throws IOException {
    Registers r = Registers.of(n, 2, 3, 4, 5, 6, 7);
    client.send(RawClient.request(WireProtocol.IN, n, r, new byte[0]));
    RawClient.Frame answer = client.readFrame();
    assertThat(answer.type).isEqualTo(WireProtocol.IN_RESPONSE);
    assertThat(RawClient.registersOf(answer.body)).isEqualTo(FakeHost.expectedIn(SALT, r));
  }

  @Test
  void anIdleConnectionAfterHelloIsClosedAfterTheReadTimeout() throws Exception {
    try (SimulatorServer server = server().start();
        RawClient idle = established(server)) {
      ticker.advance(TIMEOUT.minusMillis(1));
      call(idle, 1);
      ticker.advance(TIMEOUT.minusMillis(1));
      call(idle, 2);
      assertThat(rejections).isEmpty();
      ticker.advance(TIMEOUT);
      // The answer to call 2 counts as taken when the server's write of it completes, which can
      // come a moment after the client has read it, and so after the advance above; then the
      // connection has been idle for less than the timeout, and one more advance makes it so.
      String rejection = rejections.poll(5, TimeUnit.SECONDS);
      if (rejection == null) {
        ticker.advance(TIMEOUT);
        rejection = rejections.poll(60, TimeUnit.SECONDS);
      }
      assertThat(rejection).startsWith("IDLE_TIMEOUT: no complete request");
      RawClient.Frame error = idle.expectErrorAndClose(WireError.IDLE_TIMEOUT);
      assertThat(error.errorText()).contains("read timeout 60000 ms");
      awaitTrue(() -> server.connectionCount() == 0, "the connection closed");
    }
  }

  /** A frame header promising 69,665 bytes whose body never comes is closed after the timeout. */
  @Test
  void aFrameHeaderWhoseBodyNeverComesIsClosedAfterTheReadTimeout() throws Exception {
    try (SimulatorServer server = server().start();
        RawClient client = established(server)) {
      byte[] header =
          ByteBuffer.allocate(5)
              .putInt(WireProtocol.MAX_FRAME_LENGTH)
              .put((byte) WireProtocol.OUTS)
              .array();
      client.send(header);
      // A slowloris: a byte now and then is no progress.
      for (int i = 0; i < 9; i++) {
        ticker.advance(TIMEOUT.dividedBy(10));
        client.send(new byte[] {0});
      }
      ticker.advance(TIMEOUT.dividedBy(10));
      RawClient.Frame error = client.expectErrorAndClose(WireError.IDLE_TIMEOUT);
      assertThat(error.errorText()).startsWith("no complete request and no answer taken for");
      assertThat(rejections).hasSize(1);
    }
  }

  /**
   * An idle flood from one address takes at most its share of the connection budget; the others
   * refused with TOO_MANY_CONNECTIONS, another address is still admitted.
   */
  @Test
  void oneAddressGetsAtMostItsCapOfConnections() throws Exception {
    try (SimulatorServer server = server().maxConnectionsPerAddress(3).start()) {
      List<RawClient> admitted = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          admitted.add(established(server));
        }
        try (RawClient fourth = new RawClient(server.address())) {
          RawClient.Frame error = fourth.expectErrorAndClose(WireError.TOO_MANY_CONNECTIONS);
          assertThat(error.errorText())
              .isEqualTo("the server already serves 3 connections from 127.0.0.1");
        }
        // Another loopback address is another client.
        try (Socket other = new Socket()) {
          other.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
          other.connect(server.address(), 5000);
          other.getOutputStream().write(RawClient.hello("vm"));
          byte[] ok = other.getInputStream().readNBytes(11);
          assertThat(ok[4] & 0xFF).isEqualTo(WireProtocol.HELLO_OK);
        }
        admitted.remove(0).close();
        awaitTrue(() -> server.connectionCount() == 2, "a slot of 127.0.0.1 freed");
        admitted.add(established(server));
      } finally {
        for (RawClient c : admitted) {
          c.close();
        }
      }
      assertThat(rejections).hasSize(1);
    }
  }

  /** An unknown VM's name is echoed escaped and cut, never with raw control or bidi characters. */
  @Test
  void anEchoedVmNameIsEscapedAndCut() throws Exception {
    try (SimulatorServer server = server().start();
        RawClient client = new RawClient(server.address())) {
      char[] name = new char[200];
      Arrays.fill(name, 'x');
      name[0] = '\u202e';
      name[1] = '\u2028';
      client.send(RawClient.hello(new String(name)));
      RawClient.Frame error = client.expectErrorAndClose(WireError.MALFORMED_FRAME);
      assertThat(error.errorText())
          .startsWith("a VM name has no control or formatting characters: \"\\u202e\\u2028xxx")
          .endsWith("...(80 more characters)\"")
          .doesNotContain("\u202e")
          .doesNotContain("\u2028");
    }
  }
}
