package io.github.vmbackdoor.hostsim.server;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.VirtualHost;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared-memory channel of a connection, against a fake client that writes the mapped region as
 * the trap helper does: the same frames give the same answers as on the socket (RPCI over the
 * high-bandwidth port included) and the same call log; a sleeping side is woken by its doorbell; a
 * region of garbage closes its own connection only; an offer the server cannot take leaves the
 * connection on TCP.
 */
class SharedRegionTest {

  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

  /** Where a socket is awaited: generous, the machine may be loaded. */
  private static final int SOCKET_MILLIS = 60_000;

  private final List<SimulatorServer> servers = new ArrayList<>();
  private final List<Path> files = new ArrayList<>();

  @BeforeAll
  static void needsDevShm() {
    assumeTrue(Files.isDirectory(Path.of(SharedRegion.DIRECTORY)), "no /dev/shm here");
  }

  @AfterEach
  void stop() throws IOException {
    servers.forEach(SimulatorServer::close);
    for (Path file : files) {
      Files.deleteIfExists(file);
    }
  }

  private SimulatorServer serve(Backdoor host, Duration spin) {
    SimulatorServer server =
        SimulatorServer.builder(name -> name.equals("vm1") ? host : null)
            .spinBeforePark(spin)
            .start();
    servers.add(server);
    return server;
  }

  /** A region file as the helper makes it: mode 0600, the header's magic and version. */
  private Path regionFile(String mode) throws IOException {
    Path path = Path.of(SharedRegion.DIRECTORY + SharedRegion.PREFIX + "test-" + UUID.randomUUID());
    files.add(path);
    Files.createFile(
        path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
    try (FileChannel file =
        FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      MappedByteBuffer map = file.map(FileChannel.MapMode.READ_WRITE, 0, SharedRegion.SIZE);
      INT.setVolatile(map, SharedRegion.MAGIC_AT, SharedRegion.MAGIC);
      INT.setVolatile(map, SharedRegion.VERSION_AT, SharedRegion.VERSION);
    }
    return path;
  }

  private static byte[] offer(String path, int size) {
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + 7 + name.length)
        .putInt(7 + name.length)
        .put((byte) WireProtocol.SHM_OFFER)
        .putInt(size)
        .putShort((short) name.length)
        .put(name)
        .array();
  }

  private static RawClient connect(SimulatorServer server) throws IOException {
    RawClient client = new RawClient(new InetSocketAddress("127.0.0.1", server.port()));
    client.socket.setSoTimeout(SOCKET_MILLIS);
    client.send(RawClient.hello("vm1"));
    assertThat(client.readFrame().type).isEqualTo(WireProtocol.HELLO_OK);
    return client;
  }

  /** A client whose calls go through a region it offered, as the trap helper's do. */
  private final class RegionClient implements AutoCloseable {
    final RawClient socket;
    final MappedByteBuffer map;

    RegionClient(SimulatorServer server) throws IOException {
      socket = connect(server);
      Path path = regionFile("rw-------");
      try (FileChannel file =
          FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        map = file.map(FileChannel.MapMode.READ_WRITE, 0, SharedRegion.SIZE);
      }
      socket.send(offer(path.toString(), SharedRegion.SIZE));
      RawClient.Frame answer = socket.readFrame();
      assertThat(answer.type).as("%s", answer).isEqualTo(WireProtocol.SHM_OK);
      Files.delete(path);
    }

    /** Writes a frame into the region and hands it over, ringing if the poller sleeps. */
    void post(byte[] frame) throws IOException {
      map.put(SharedRegion.HEADER, frame);
      INT.setVolatile(map, SharedRegion.STATE_AT, SharedRegion.REQUEST);
      if ((int) INT.getVolatile(map, SharedRegion.SERVER_SLEEPS_AT) != 0) {
        ring();
      }
    }

    void ring() throws IOException {
      socket.send(new byte[] {0, 0, 0, 1, WireProtocol.DOORBELL});
    }

    /**
     * One call: the client says it sleeps before it posts, so the server always rings when it has
     * answered; the answer is read from the region after the doorbell.
     */
    byte[] exchange(byte[] frame) throws IOException {
      INT.setVolatile(map, SharedRegion.CLIENT_SLEEPS_AT, 1);
      post(frame);
      RawClient.Frame bell = socket.readFrame();
      assertThat(bell.type).as("%s", bell).isEqualTo(WireProtocol.SERVER_DOORBELL);
      assertThat((int) INT.getVolatile(map, SharedRegion.STATE_AT)).isEqualTo(SharedRegion.ANSWER);
      INT.setVolatile(map, SharedRegion.CLIENT_SLEEPS_AT, 0);
      int length = map.getInt(SharedRegion.HEADER);
      byte[] answer = new byte[4 + length];
      map.get(SharedRegion.HEADER, answer);
      return answer;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static byte[] exchangeOverTcp(RawClient client, byte[] frame) {
    try {
      client.send(frame);
      RawClient.Frame f = client.readFrame();
      return ByteBuffer.allocate(5 + f.body.length)
          .putInt(1 + f.body.length)
          .put((byte) f.type)
          .put(f.body)
          .array();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A guest backdoor that makes its calls as raw frames and keeps each frame and answer. */
  private static final class FrameGuest implements Backdoor {
    final List<String> transcript = new ArrayList<>();
    private final Function<byte[], byte[]> exchange;
    private int sequence;

    FrameGuest(Function<byte[], byte[]> exchange) {
      this.exchange = exchange;
    }

    private byte[] call(int type, Registers r, byte[] bytes) {
      byte[] frame = RawClient.request(type, ++sequence, r, bytes);
      byte[] answer = exchange.apply(frame);
      transcript.add(HexFormat.of().formatHex(frame) + " -> " + HexFormat.of().formatHex(answer));
      return answer;
    }

    private static Registers registers(byte[] answer) {
      return RawClient.registersOf(java.util.Arrays.copyOfRange(answer, 5, answer.length));
    }

    @Override
    public Registers in(Registers registers) {
      return registers(call(WireProtocol.IN, registers, new byte[0]));
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      return registers(call(WireProtocol.OUTS, registers, bytes));
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      byte[] answer = call(WireProtocol.INS, registers, new byte[0]);
      System.arraycopy(answer, 4 + WireProtocol.OPERATION_LENGTH, into, 0, into.length);
      return registers(answer);
    }
  }

  private static List<String> rpciSession(Backdoor guest) {
    List<String> replies = new ArrayList<>();
    guest.in(CommandPort.versionProbe());
    String value = "v".repeat(3000);
    for (String request : List.of("info-set guestinfo.big " + value, "info-get guestinfo.big")) {
      try (MessageChannel channel = MessageChannel.open(guest, PROTOCOL_RPCI)) {
        channel.send(request.getBytes(StandardCharsets.UTF_8));
        replies.add(new String(channel.receive(), StandardCharsets.UTF_8));
      }
    }
    return replies;
  }

  @Test
  void theSameFramesGetTheSameAnswersAndCallLogAsOverTheSocket() throws IOException {
    VirtualHost overTcp = VirtualHost.builder().seed(11).build();
    VirtualHost overRegion = VirtualHost.builder().seed(11).build();
    SimulatorServer tcpServer = serve(overTcp.backdoor(), Duration.ZERO);
    SimulatorServer regionServer = serve(overRegion.backdoor(), Duration.ZERO);

    FrameGuest tcp;
    List<String> tcpReplies;
    try (RawClient client = connect(tcpServer)) {
      tcp = new FrameGuest(frame -> exchangeOverTcp(client, frame));
      tcpReplies = rpciSession(tcp);
    }
    FrameGuest region;
    List<String> regionReplies;
    try (RegionClient client = new RegionClient(regionServer)) {
      region =
          new FrameGuest(
              frame -> {
                try {
                  return client.exchange(frame);
                } catch (IOException e) {
                  throw new AssertionError(e);
                }
              });
      regionReplies = rpciSession(region);
    }

    assertThat(regionReplies).containsExactly("1 ", "1 " + "v".repeat(3000));
    assertThat(regionReplies).isEqualTo(tcpReplies);
    assertThat(region.transcript).isEqualTo(tcp.transcript);
    // The value went out in one rep outsb and came back in one rep insb.
    assertThat(region.transcript)
        .anyMatch(line -> line.substring(8, 10).equals("03"))
        .anyMatch(line -> line.substring(8, 10).equals("04"));
    assertThat(overRegion.records().callLog().toString())
        .isEqualTo(overTcp.records().callLog().toString());
    assertThat(overRegion.records().callLog()).isNotEmpty();
  }

  @Test
  void aSleepingPollerIsWokenByTheDoorbellAndASleepingClientByTheServers() throws Exception {
    VirtualHost host = VirtualHost.builder().seed(11).build();
    // A spin of one nanosecond: the poller sleeps as soon as it has looked once.
    SimulatorServer server = serve(host.backdoor(), Duration.ofNanos(1));
    try (RegionClient client = new RegionClient(server)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while ((int) INT.getVolatile(client.map, SharedRegion.SERVER_SLEEPS_AT) == 0) {
        assertThat(System.nanoTime()).as("the poller went to sleep").isLessThan(deadline);
        Thread.onSpinWait();
      }
      for (int call = 1; call <= 3; call++) {
        // the poller sleeps again after each answer; post() rings, the answer rings back
        byte[] answer =
            client.exchange(
                RawClient.request(WireProtocol.IN, call, CommandPort.versionProbe(), new byte[0]));
        assertThat(answer[4]).isEqualTo((byte) WireProtocol.IN_RESPONSE);
        assertThat(ByteBuffer.wrap(answer, 5, 4).getInt()).isEqualTo(call);
        assertThat(ByteBuffer.wrap(answer, 9, 4).getInt()).isEqualTo(6);
      }
    }
    assertThat(host.records().callLog()).hasSize(3);
  }

  @Test
  void garbageInARegionClosesItsConnectionAndNoOther() throws IOException {
    VirtualHost host = VirtualHost.builder().seed(11).build();
    SimulatorServer server = serve(host.backdoor(), Duration.ZERO);
    try (RegionClient good = new RegionClient(server);
        RegionClient tooLong = new RegionClient(server);
        RegionClient badState = new RegionClient(server);
        RegionClient notARequest = new RegionClient(server)) {
      tooLong.post(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 2});
      RawClient.Frame error = tooLong.socket.expectErrorAndClose(WireError.FRAME_TOO_LARGE);
      assertThat(error.errorText()).startsWith("shared region: frame length 4294967295");

      INT.setVolatile(badState.map, SharedRegion.STATE_AT, 7);
      badState.ring();
      error = badState.socket.expectErrorAndClose(WireError.MALFORMED_FRAME);
      assertThat(error.errorText()).isEqualTo("shared region: state word 7 is none of 0, 1, 2");

      notARequest.post(RawClient.hello("vm1"));
      error = notARequest.socket.expectErrorAndClose(WireError.UNEXPECTED_FRAME);
      assertThat(error.errorText()).contains("not a request");

      byte[] answer =
          good.exchange(
              RawClient.request(WireProtocol.IN, 1, CommandPort.versionProbe(), new byte[0]));
      assertThat(ByteBuffer.wrap(answer, 9, 4).getInt()).isEqualTo(6);
    }
  }

  @Test
  void anOfferTheServerCannotTakeLeavesTheConnectionOnTcp() throws IOException {
    VirtualHost host = VirtualHost.builder().seed(11).build();
    SimulatorServer server = serve(host.backdoor(), Duration.ZERO);
    Path readable = regionFile("rw-r--r--");
    Path elsewhere = Files.createTempFile("vmbackdoor-", ".region");
    files.add(elsewhere);
    try (RawClient client = connect(server)) {
      client.send(offer(readable.toString(), SharedRegion.SIZE));
      RawClient.Frame refused = client.readFrame();
      assertThat(refused.type).isEqualTo(WireProtocol.SHM_REFUSED);
      assertThat(new String(refused.body, StandardCharsets.UTF_8)).endsWith("is not of mode 0600");

      client.send(offer(elsewhere.toString(), SharedRegion.SIZE));
      refused = client.readFrame();
      assertThat(refused.type).isEqualTo(WireProtocol.SHM_REFUSED);
      assertThat(new String(refused.body, StandardCharsets.UTF_8))
          .contains("is not a file /dev/shm/vmbackdoor-...");

      client.send(offer(readable.toString(), 4096));
      refused = client.readFrame();
      assertThat(new String(refused.body, StandardCharsets.UTF_8))
          .isEqualTo("a region of 4096 bytes; this server maps regions of " + SharedRegion.SIZE);

      // Still a TCP connection: a request frame on the socket is answered there.
      client.send(RawClient.request(WireProtocol.IN, 1, CommandPort.versionProbe(), new byte[0]));
      RawClient.Frame answer = client.readFrame();
      assertThat(answer.type).isEqualTo(WireProtocol.IN_RESPONSE);
      assertThat(RawClient.registersOf(answer.body).eax()).isEqualTo(6);
    }
  }

  @Test
  void onceTheRegionIsUsedARequestOnTheSocketIsAnError() throws IOException {
    VirtualHost host = VirtualHost.builder().seed(11).build();
    SimulatorServer server = serve(host.backdoor(), Duration.ZERO);
    try (RegionClient client = new RegionClient(server)) {
      client.socket.send(
          RawClient.request(WireProtocol.IN, 1, CommandPort.versionProbe(), new byte[0]));
      client.socket.expectErrorAndClose(WireError.UNEXPECTED_FRAME);
    }
  }

  @Test
  void anOfferFromAPeerNotOnLoopbackIsRefusedAndTheConnectionStaysOnTcp() throws IOException {
    InetAddress own = nonLoopbackAddress();
    assumeTrue(own != null, "this machine has no non-loopback IPv4 address");
    SimulatorServer server =
        SimulatorServer.builder(
                name ->
                    name.equals("vm1") ? VirtualHost.builder().seed(11).build().backdoor() : null)
            .bindAddress(InetAddress.getByName("0.0.0.0"))
            .start();
    servers.add(server);
    Path path = regionFile("rw-------");
    try (RawClient client = new RawClient(new InetSocketAddress(own, server.port()))) {
      client.socket.setSoTimeout(SOCKET_MILLIS);
      client.send(RawClient.hello("vm1"));
      assertThat(client.readFrame().type).isEqualTo(WireProtocol.HELLO_OK);
      client.send(offer(path.toString(), SharedRegion.SIZE));
      RawClient.Frame answer = client.readFrame();
      assertThat(answer.type).as("%s", answer).isEqualTo(WireProtocol.SHM_REFUSED);
      assertThat(new String(answer.body, StandardCharsets.UTF_8))
          .contains("is not on a loopback address");
      client.send(RawClient.request(WireProtocol.IN, 1, CommandPort.versionProbe(), new byte[0]));
      RawClient.Frame call = client.readFrame();
      assertThat(call.type).isEqualTo(WireProtocol.IN_RESPONSE);
      assertThat(RawClient.registersOf(call.body).eax()).isEqualTo(6);
    }
    assertThat(server.sharedRegionsServed()).isZero();
  }

  private static InetAddress nonLoopbackAddress() throws IOException {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return a;
        }
      }
    }
    return null;
  }
}
