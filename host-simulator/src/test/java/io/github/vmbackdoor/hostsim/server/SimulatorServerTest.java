package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.Registers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatorServerTest {

  private static final int SALT_A = 0x0A0A0A0A;
  private static final int SALT_B = 0x0B0B0B0B;

  private final FakeHost hostA = new FakeHost(SALT_A);
  private final FakeHost hostB = new FakeHost(SALT_B);
  private final LinkedBlockingQueue<WireError> rejections = new LinkedBlockingQueue<>();
  private SimulatorServer server;

  @BeforeEach
  void start() {
    Map<String, Backdoor> vms = Map.of("vm-a", hostA, "vm-b", hostB, "broken", new BrokenHost());
    server =
        SimulatorServer.builder(vms::get)
            .ioThreads(2)
            .rejectionListener((error, text) -> rejections.add(error))
            .start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private RemoteBackdoor connect(String vm) {
    return RemoteBackdoor.connect("127.0.0.1", server.port(), vm);
  }

  @Test
  void listensOnLoopbackAtAPickedPort() {
    assertThat(server.port()).isPositive();
    assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void inCarriesAllSevenRegistersBothWays() {
    try (RemoteBackdoor guest = connect("vm-a")) {
      Registers call =
          Registers.of(
              BackdoorProtocol.MAGIC,
              0xA9B2A797,
              0xFFFF000A,
              0x5658,
              0x80000001,
              0xFFFFFFFF,
              0x12345678);
      assertThat(guest.in(call)).isEqualTo(FakeHost.expectedIn(SALT_A, call));
      assertThat(guest.vmName()).isEqualTo("vm-a");
      assertThat(guest.maxTransfer()).isEqualTo(WireProtocol.MAX_TRANSFER);
    }
  }

  @Test
  void outsDeliversTheBytes() {
    try (RemoteBackdoor guest = connect("vm-a")) {
      for (int size : new int[] {0, 1, 21, 4096, WireProtocol.MAX_TRANSFER}) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        Registers call =
            Registers.of(
                BackdoorProtocol.MAGIC, 0x10000, size, 0x00035659, 0, 0x5E6F7081, 0x1A2B3C4D);
        assertThat(guest.outs(call, bytes))
            .as("outs of %s bytes", size)
            .isEqualTo(FakeHost.expectedOuts(SALT_A, call, bytes));
      }
    }
  }

  @Test
  void insReturnsTheHostsBytes() {
    try (RemoteBackdoor guest = connect("vm-b")) {
      for (int size : new int[] {0, 1, 10, 65538, WireProtocol.MAX_TRANSFER}) {
        Registers call =
            Registers.of(
                BackdoorProtocol.MAGIC,
                0x10000 + size,
                size,
                0x00035659,
                0x1A2B3C4D,
                0,
                0x5E6F7081);
        byte[] into = new byte[size];
        assertThat(guest.ins(call, into)).isEqualTo(FakeHost.expectedIns(SALT_B, call));
        for (int i = 0; i < size; i++) {
          if (into[i] != FakeHost.expectedInsByte(SALT_B, call, i)) {
            throw new AssertionError("byte " + i + " of " + size + " differs");
          }
        }
      }
    }
  }

  @Test
  void eachConnectionReachesTheVmItNamed() {
    try (RemoteBackdoor a = connect("vm-a");
        RemoteBackdoor b = connect("vm-b");
        RemoteBackdoor a2 = connect("vm-a")) {
      Registers call = Registers.of(1, 2, 3, 4, 5, 6, 7);
      assertThat(a.in(call)).isEqualTo(FakeHost.expectedIn(SALT_A, call));
      assertThat(b.in(call)).isEqualTo(FakeHost.expectedIn(SALT_B, call));
      assertThat(a2.in(call)).isEqualTo(FakeHost.expectedIn(SALT_A, call));
      assertThat(hostA.calls.get()).isEqualTo(2);
      assertThat(hostB.calls.get()).isEqualTo(1);
      assertThat(server.connectionCount()).isEqualTo(3);
    }
  }

  @Test
  void unknownVmIsRefusedWithItsCode() {
    assertThatThrownBy(() -> connect("vm-z"))
        .isInstanceOfSatisfying(
            RemoteBackdoorException.class,
            e -> {
              assertThat(e.error()).contains(WireError.UNKNOWN_VM);
              assertThat(e.code()).isEqualTo(6);
              assertThat(e.serverMessage()).contains("vm-z");
              assertThat(e.getMessage()).contains("UNKNOWN_VM").contains("vm-z");
            });
  }

  @Test
  void aHostThatThrowsClosesOnlyItsOwnConnection() throws InterruptedException {
    try (RemoteBackdoor good = connect("vm-a");
        RemoteBackdoor broken = connect("broken")) {
      assertThatThrownBy(() -> broken.in(Registers.zero()))
          .isInstanceOfSatisfying(
              RemoteBackdoorException.class,
              e -> assertThat(e.error()).contains(WireError.INTERNAL_ERROR));
      assertThat(rejections.poll(5, TimeUnit.SECONDS)).isEqualTo(WireError.INTERNAL_ERROR);
      assertThatThrownBy(() -> broken.in(Registers.zero()))
          .isInstanceOf(BackdoorException.class)
          .hasMessageContaining("impossible");
      Registers call = Registers.of(9, 8, 7, 6, 5, 4, 3);
      assertThat(good.in(call)).isEqualTo(FakeHost.expectedIn(SALT_A, call));
    }
  }

  @Test
  void aTransferOverTheLimitFailsBeforeTheWireAndKeepsTheConnection() {
    try (RemoteBackdoor guest = connect("vm-a")) {
      int size = WireProtocol.MAX_TRANSFER + 1;
      assertThatThrownBy(() -> guest.outs(Registers.zero().withEcx(size), new byte[size]))
          .isInstanceOf(BackdoorException.class)
          .hasMessageContaining("limit");
      assertThatThrownBy(() -> guest.outs(Registers.zero().withEcx(3), new byte[4]))
          .isInstanceOf(IllegalArgumentException.class);
      Registers call = Registers.of(1, 1, 1, 1, 1, 1, 1);
      assertThat(guest.in(call)).isEqualTo(FakeHost.expectedIn(SALT_A, call));
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws IOException {
    try (RawClient raw = new RawClient(server.address())) {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      all.write(RawClient.hello("vm-a"));
      for (int seq = 1; seq <= 3; seq++) {
        all.write(
            RawClient.request(
                WireProtocol.IN, seq, Registers.of(seq, 0, 0, 0, 0, 0, 0), new byte[0]));
      }
      raw.send(all.toByteArray());
      assertThat(raw.readFrame().type).isEqualTo(WireProtocol.HELLO_OK);
      for (int seq = 1; seq <= 3; seq++) {
        RawClient.Frame response = raw.readFrame();
        assertThat(response.type).isEqualTo(WireProtocol.IN_RESPONSE);
        assertThat(RawClient.sequenceOf(response.body)).isEqualTo(seq);
        assertThat(RawClient.registersOf(response.body))
            .isEqualTo(FakeHost.expectedIn(SALT_A, Registers.of(seq, 0, 0, 0, 0, 0, 0)));
      }
      raw.socket.shutdownOutput();
      raw.expectClosed();
    }
  }

  @Test
  void connectionsOverTheLimitAreRefused() throws IOException {
    try (SimulatorServer small = SimulatorServer.builder(name -> hostA).maxConnections(2).start();
        RemoteBackdoor first = RemoteBackdoor.connect("127.0.0.1", small.port(), "x");
        RemoteBackdoor second = RemoteBackdoor.connect("127.0.0.1", small.port(), "y");
        RawClient third = new RawClient(small.address())) {
      third.expectErrorAndClose(WireError.TOO_MANY_CONNECTIONS);
      assertThat(small.connectionCount()).isEqualTo(2);
      assertThat(first.in(Registers.zero()))
          .isEqualTo(FakeHost.expectedIn(SALT_A, Registers.zero()));
      assertThat(second.in(Registers.zero()))
          .isEqualTo(FakeHost.expectedIn(SALT_A, Registers.zero()));
    }
  }

  @Test
  void closeTellsEveryConnectionAndStopsAccepting() throws IOException {
    try (RawClient established = new RawClient(server.address());
        RawClient waiting = new RawClient(server.address())) {
      established.send(RawClient.hello("vm-b"));
      assertThat(established.readFrame().type).isEqualTo(WireProtocol.HELLO_OK);
      server.close();
      established.expectErrorAndClose(WireError.SHUTTING_DOWN);
      waiting.expectErrorAndClose(WireError.SHUTTING_DOWN);
    }
    assertThatThrownBy(() -> connect("vm-a"))
        .isInstanceOf(BackdoorException.class)
        .hasMessageContaining("cannot connect");
  }

  @Test
  void aPortInUseIsReportedAtStart() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(
              () -> SimulatorServer.builder(name -> hostA).port(taken.getLocalPort()).start())
          .isInstanceOf(java.io.UncheckedIOException.class)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void aClientWithoutServerFailsClearly() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    assertThatThrownBy(
            () ->
                RemoteBackdoor.connect(
                    new InetSocketAddress("127.0.0.1", port), "vm-a", Duration.ofSeconds(2)))
        .isInstanceOf(BackdoorException.class)
        .hasMessageContaining("cannot connect to simulator 127.0.0.1:" + port);
  }

  @Test
  void aResponseThatDoesNotComeInTimeFailsTheCall() throws Exception {
    BlockingHost blocking = new BlockingHost();
    try (SimulatorServer slow = SimulatorServer.builder(name -> blocking).start();
        RemoteBackdoor guest =
            RemoteBackdoor.connect(slow.address(), "vm", Duration.ofMillis(200))) {
      assertThatThrownBy(() -> guest.in(Registers.zero()))
          .isInstanceOf(BackdoorException.class)
          .hasMessageContaining("no response within 200 ms");
      assertThatThrownBy(() -> guest.in(Registers.zero())).hasMessageContaining("impossible");
      blocking.release.countDown(); // before the server closes: its event loop is held by the host
    } finally {
      blocking.release.countDown();
    }
  }

  @Test
  void closeFromAnotherThreadEndsABlockedCall() throws Exception {
    BlockingHost blocking = new BlockingHost();
    try (SimulatorServer slow = SimulatorServer.builder(name -> blocking).start()) {
      RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", slow.port(), "vm");
      CompletableFuture<Registers> call =
          CompletableFuture.supplyAsync(() -> guest.in(Registers.zero()));
      assertThat(blocking.entered.await(5, TimeUnit.SECONDS)).isTrue();
      guest.close();
      assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(BackdoorException.class)
          .hasMessageContaining("connection closed");
      blocking.release.countDown(); // before the server closes: its event loop is held by the host
    } finally {
      blocking.release.countDown();
    }
  }

  /** A host whose command-port call waits until the test releases it. */
  private static final class BlockingHost implements Backdoor {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public Registers in(Registers registers) {
      entered.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return registers;
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      return registers;
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      return registers;
    }
  }

  /** A host whose every call fails, as a faulty simulator would. */
  private static final class BrokenHost implements Backdoor {
    @Override
    public Registers in(Registers registers) {
      throw new IllegalStateException("simulated host fault");
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      throw new IllegalStateException("simulated host fault");
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      throw new IllegalStateException("simulated host fault");
    }
  }
}
