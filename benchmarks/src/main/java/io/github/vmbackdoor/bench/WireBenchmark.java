package io.github.vmbackdoor.bench;

import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 5: one register call (GETVERSION, an IN frame of 37 bytes answered by an IN_RESPONSE of 37
 * bytes) over TCP loopback with {@link RemoteBackdoor} against a {@link SimulatorServer}, and next
 * to it, in the same run, the floor: a blocking-socket ping-pong of the same frame sizes between a
 * plain client and a plain server thread that reads 37 bytes and writes 37 bytes back. Both sides
 * use TCP_NODELAY. The ratio of the two is the transport's overhead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class WireBenchmark {

  /** The frame size of an IN request and of its IN_RESPONSE. */
  static final int FRAME_BYTES = 37;

  private SimulatorServer server;
  private RemoteBackdoor remote;
  private Registers getVersion;

  private ServerSocket rawServer;
  private Thread rawServerThread;
  private Socket rawClient;
  private OutputStream rawOut;
  private DataInputStream rawIn;
  private final byte[] rawRequest = new byte[FRAME_BYTES];
  private final byte[] rawResponse = new byte[FRAME_BYTES];

  /** Starts the simulator server and the raw server, and connects a client to each. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    VirtualHost host = VirtualHost.builder().seed(1).callLogLimit(0).historyLimit(0).build();
    server = SimulatorServer.builder(name -> host.backdoor()).start();
    remote = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm");
    getVersion =
        Registers.of(
            BackdoorProtocol.MAGIC,
            0,
            BackdoorCommand.GETVERSION.number(),
            BackdoorProtocol.COMMAND_PORT,
            0,
            0);

    rawServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    rawServerThread = new Thread(this::echo, "raw-ping-pong-server");
    rawServerThread.setDaemon(true);
    rawServerThread.start();
    rawClient = new Socket();
    rawClient.setTcpNoDelay(true);
    rawClient.connect(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), rawServer.getLocalPort()));
    rawOut = rawClient.getOutputStream();
    rawIn = new DataInputStream(rawClient.getInputStream());
    rawRequest[3] = FRAME_BYTES - 4;
    rawRequest[4] = 0x02;
  }

  /** The plain server: read one 37-byte frame, write one 37-byte frame, until the end. */
  private void echo() {
    try (Socket s = rawServer.accept()) {
      s.setTcpNoDelay(true);
      DataInputStream in = new DataInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      byte[] frame = new byte[FRAME_BYTES];
      while (true) {
        in.readFully(frame);
        frame[4] = (byte) 0x82;
        out.write(frame);
      }
    } catch (IOException e) {
      // The client closed: the run is over.
    }
  }

  /** Closes both connections and both servers. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException, InterruptedException {
    remote.close();
    server.close();
    rawClient.close();
    rawServer.close();
    rawServerThread.join(5_000);
  }

  /** GETVERSION over the wire: RemoteBackdoor, Netty server, VirtualHost, and back. */
  @Benchmark
  public Registers remoteBackdoor() {
    return remote.in(getVersion);
  }

  /** The floor: 37 bytes out, 37 bytes back, blocking sockets on both ends. */
  @Benchmark
  public byte rawPingPong() {
    try {
      rawOut.write(rawRequest);
      rawIn.readFully(rawResponse);
      return rawResponse[4];
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
