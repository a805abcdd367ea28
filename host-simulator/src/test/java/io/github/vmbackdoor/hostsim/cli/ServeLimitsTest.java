package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoorException;
import io.github.vmbackdoor.hostsim.server.WireError;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bounds {@code serve} puts on its connections, set on its command line: the read timeout and
 * the connections of one client address. (Bad values: {@code BadInputTest}; the defaults in the
 * help: {@code MainTest}.)
 */
class ServeLimitsTest {

  @Test
  void aConnectionIdleForTheReadTimeoutIsClosed() throws Exception {
    try (RunningServe serve = new RunningServe("--read-timeout", "1s");
        Socket idle = new Socket(serve.host(), serve.port())) {
      idle.setSoTimeout(20_000);
      idle.getOutputStream().write(hello("vm1"));
      long start = System.nanoTime();
      DataInputStream in = new DataInputStream(idle.getInputStream());
      assertThat(frame(in)[0] & 0xFF).as("HELLO_OK").isEqualTo(0x81);
      byte[] error = frame(in);
      Duration waited = Duration.ofNanos(System.nanoTime() - start);
      assertThat(error[0] & 0xFF).as("ERROR").isEqualTo(0xFF);
      assertThat(((error[1] & 0xFF) << 8) | (error[2] & 0xFF))
          .isEqualTo(WireError.IDLE_TIMEOUT.code());
      assertThat(new String(error, 3, error.length - 3, StandardCharsets.UTF_8))
          .contains("(read timeout 1000 ms)");
      assertThat(waited).isBetween(Duration.ofMillis(900), Duration.ofSeconds(15));
    }
  }

  @Test
  void oneAddressGetsAtMostItsCapOfConnections() throws Exception {
    try (RunningServe serve = new RunningServe("--max-connections-per-address", "2")) {
      List<RemoteBackdoor> admitted = new ArrayList<>();
      try {
        admitted.add(RemoteBackdoor.connect(serve.host(), serve.port(), "vm1"));
        admitted.add(RemoteBackdoor.connect(serve.host(), serve.port(), "vm1"));
        RemoteBackdoorException refused =
            catchThrowableOfType(
                RemoteBackdoorException.class,
                () -> RemoteBackdoor.connect(serve.host(), serve.port(), "vm1"));
        assertThat(refused.error()).contains(WireError.TOO_MANY_CONNECTIONS);
        assertThat(refused.serverMessage()).contains("127.0.0.1");
        // Another loopback address is another client.
        try (Socket other = new Socket()) {
          other.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
          other.connect(new InetSocketAddress(serve.host(), serve.port()), 5000);
          other.setSoTimeout(10_000);
          other.getOutputStream().write(hello("vm1"));
          assertThat(frame(new DataInputStream(other.getInputStream()))[0] & 0xFF).isEqualTo(0x81);
        }
      } finally {
        admitted.forEach(RemoteBackdoor::close);
      }
    }
  }

  @Test
  void aServerThatSpinsBeforeParkingAnswersAsOneThatParksAtOnce() throws Exception {
    for (String spin : new String[] {"0s", "50us", "1s"}) {
      try (RunningServe serve = new RunningServe("--spin-before-park", spin);
          RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
        for (int i = 0; i < 100; i++) {
          Registers answer =
              guest.in(
                  Registers.of(
                      BackdoorProtocol.MAGIC,
                      0,
                      BackdoorCommand.GETVERSION.number(),
                      BackdoorProtocol.COMMAND_PORT,
                      0,
                      0));
          assertThat(answer.ebx()).as(spin).isEqualTo(BackdoorProtocol.MAGIC);
        }
      }
    }
  }

  /** The client's HELLO for {@code vm} (docs/wire-protocol.md §3). */
  private static byte[] hello(String vm) {
    byte[] name = vm.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(13 + name.length)
        .putInt(9 + name.length)
        .put((byte) 0x01)
        .putInt(0x564D4244)
        .putShort((short) 1)
        .putShort((short) name.length)
        .put(name)
        .array();
  }

  /** One frame's body: its type byte and what follows. */
  private static byte[] frame(DataInputStream in) throws IOException {
    byte[] body = new byte[in.readInt()];
    in.readFully(body);
    return body;
  }
}
