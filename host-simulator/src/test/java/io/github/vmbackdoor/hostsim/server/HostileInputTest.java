package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Registers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that break the protocol each get their ERROR frame and are closed, while a well-behaved
 * guest connected to the same server all along sees no error.
 */
class HostileInputTest {

  private static final int SALT = 0x600D;
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(300);

  private static final LinkedBlockingQueue<WireError> rejections = new LinkedBlockingQueue<>();
  private static SimulatorServer server;
  private static RemoteBackdoor wellBehaved;
  private static int calls;

  @BeforeAll
  static void startServer() {
    FakeHost host = new FakeHost(SALT);
    server =
        SimulatorServer.builder(name -> name.equals("vm") ? host : null)
            .handshakeTimeout(HANDSHAKE_TIMEOUT)
            .ioThreads(2)
            .rejectionListener((error, text) -> rejections.add(error))
            .start();
    wellBehaved = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm");
  }

  @AfterAll
  static void stopServer() {
    wellBehaved.close();
    server.close();
  }

  @BeforeEach
  @AfterEach
  void wellBehavedGuestIsServed() {
    Registers call = Registers.of(calls++, 2, 3, 4, 5, 6, 7);
    assertThat(wellBehaved.in(call)).isEqualTo(FakeHost.expectedIn(SALT, call));
    byte[] bytes = "info-get guestinfo.ip".getBytes(StandardCharsets.US_ASCII);
    Registers outs = Registers.of(0x564D5868, 0x10000, bytes.length, 0x00035659, 0, 1, 2);
    assertThat(wellBehaved.outs(outs, bytes)).isEqualTo(FakeHost.expectedOuts(SALT, outs, bytes));
  }

  private static RawClient raw() throws IOException {
    return new RawClient(server.address());
  }

  private static RawClient established() throws IOException {
    RawClient client = raw();
    client.send(RawClient.hello("vm"));
    assertThat(client.readFrame().type).isEqualTo(WireProtocol.HELLO_OK);
    return client;
  }

  @Test
  void randomBytes() throws IOException {
    Random random = new Random(42);
    for (int round = 0; round < 20; round++) {
      byte[] junk = new byte[1 + random.nextInt(4096)];
      random.nextBytes(junk);
      try (RawClient client = raw()) {
        client.send(junk);
        RawClient.Frame error = client.readFrame();
        assertThat(error.type).isEqualTo(WireProtocol.ERROR);
        assertThat(WireError.forCode(error.errorCode())).isPresent();
        client.expectClosed();
      }
    }
  }

  @Test
  void randomBytesAfterTheHandshake() throws IOException {
    Random random = new Random(7);
    for (int round = 0; round < 20; round++) {
      byte[] junk = new byte[1 + random.nextInt(4096)];
      random.nextBytes(junk);
      try (RawClient client = established()) {
        client.send(junk);
        RawClient.Frame frame = client.readFrame();
        // Junk may happen to hold whole valid requests; every frame before the error is a response.
        while (frame.type != WireProtocol.ERROR) {
          assertThat(frame.type)
              .isIn(
                  WireProtocol.IN_RESPONSE, WireProtocol.OUTS_RESPONSE, WireProtocol.INS_RESPONSE);
          frame = client.readFrame();
        }
        client.expectClosed();
      }
    }
  }

  @Test
  void frameLongerThanTheLimitIsRefusedFromItsLengthAlone() throws IOException {
    try (RawClient client = established()) {
      client.send(ByteBuffer.allocate(4).putInt(WireProtocol.MAX_FRAME_LENGTH + 1).array());
      RawClient.Frame error = client.expectErrorAndClose(WireError.FRAME_TOO_LARGE);
      assertThat(error.errorText()).contains(String.valueOf(WireProtocol.MAX_FRAME_LENGTH));
    }
  }

  @Test
  void lengthWithTheTopBitSetIsTooLarge() throws IOException {
    try (RawClient client = raw()) {
      client.send(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1});
      client.expectErrorAndClose(WireError.FRAME_TOO_LARGE);
    }
  }

  @Test
  void insBeyondTheTransferLimitIsTooLarge() throws IOException {
    try (RawClient client = established()) {
      client.send(
          RawClient.request(
              WireProtocol.INS,
              1,
              Registers.zero().withEcx(WireProtocol.MAX_TRANSFER + 1),
              new byte[0]));
      client.expectErrorAndClose(WireError.FRAME_TOO_LARGE);
    }
  }

  @Test
  void frameCutMidWayThenOutputShutDown() throws IOException {
    try (RawClient client = established()) {
      byte[] request = RawClient.request(WireProtocol.IN, 1, Registers.zero(), new byte[0]);
      client.send(Arrays.copyOf(request, 17));
      client.socket.shutdownOutput();
      RawClient.Frame error = client.expectErrorAndClose(WireError.MALFORMED_FRAME);
      assertThat(error.errorText()).contains("17 of 37 bytes");
    }
  }

  @Test
  void frameCutMidWayThenConnectionClosed() throws IOException, InterruptedException {
    rejections.clear();
    try (RawClient client = established()) {
      byte[] request =
          RawClient.request(WireProtocol.OUTS, 1, Registers.zero().withEcx(100), new byte[100]);
      client.send(Arrays.copyOf(request, 60));
    }
    assertThat(rejections.poll(5, TimeUnit.SECONDS)).isEqualTo(WireError.MALFORMED_FRAME);
  }

  @Test
  void wrongProtocolVersion() throws IOException {
    try (RawClient client = raw()) {
      client.send(RawClient.hello(WireProtocol.MAGIC, 2, "vm"));
      RawClient.Frame error = client.expectErrorAndClose(WireError.UNSUPPORTED_VERSION);
      assertThat(error.errorText()).contains("version 2").contains("version 1");
    }
  }

  @Test
  void wrongMagic() throws IOException {
    try (RawClient client = raw()) {
      client.send(RawClient.hello(0x47455420, 1, "vm"));
      client.expectErrorAndClose(WireError.BAD_MAGIC);
    }
  }

  @Test
  void clientThatSendsNothingIsClosedAfterTheHandshakeTimeout() throws IOException {
    try (RawClient silent = raw()) {
      long start = System.nanoTime();
      RawClient.Frame error = silent.expectErrorAndClose(WireError.HANDSHAKE_TIMEOUT);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(HANDSHAKE_TIMEOUT.minusMillis(50));
      assertThat(error.errorText()).contains("no HELLO within 300 ms");
    }
  }

  @Test
  void clientThatStopsMidHelloIsClosedAfterTheHandshakeTimeout() throws IOException {
    try (RawClient slow = raw()) {
      slow.send(Arrays.copyOf(RawClient.hello("vm"), 6));
      slow.expectErrorAndClose(WireError.HANDSHAKE_TIMEOUT);
    }
  }

  @Test
  void requestBeforeHello() throws IOException {
    try (RawClient client = raw()) {
      client.send(RawClient.request(WireProtocol.IN, 1, Registers.zero(), new byte[0]));
      client.expectErrorAndClose(WireError.UNEXPECTED_FRAME);
    }
  }

  @Test
  void secondHello() throws IOException {
    try (RawClient client = established()) {
      client.send(RawClient.hello("vm"));
      client.expectErrorAndClose(WireError.UNEXPECTED_FRAME);
    }
  }

  @Test
  void serverFrameTypeFromTheClient() throws IOException {
    try (RawClient client = established()) {
      client.send(new byte[] {0, 0, 0, 3, (byte) WireProtocol.ERROR, 0, 1});
      client.expectErrorAndClose(WireError.UNEXPECTED_FRAME);
    }
  }

  @Test
  void unknownFrameType() throws IOException {
    try (RawClient client = established()) {
      client.send(new byte[] {0, 0, 0, 1, 0x7E});
      client.expectErrorAndClose(WireError.MALFORMED_FRAME);
    }
  }

  @Test
  void zeroLengthFrame() throws IOException {
    try (RawClient client = established()) {
      client.send(new byte[] {0, 0, 0, 0});
      client.expectErrorAndClose(WireError.MALFORMED_FRAME);
    }
  }

  @Test
  void outsWhoseByteCountDisagreesWithEcx() throws IOException {
    try (RawClient client = established()) {
      client.send(
          RawClient.request(WireProtocol.OUTS, 1, Registers.zero().withEcx(5), new byte[4]));
      RawClient.Frame error = client.expectErrorAndClose(WireError.MALFORMED_FRAME);
      assertThat(error.errorText()).contains("ecx says 5");
    }
  }

  @Test
  void inWithTrailingBytes() throws IOException {
    try (RawClient client = established()) {
      client.send(RawClient.request(WireProtocol.IN, 1, Registers.zero(), new byte[3]));
      client.expectErrorAndClose(WireError.MALFORMED_FRAME);
    }
  }

  @Test
  void helloWithBadNames() throws IOException {
    List<byte[]> names =
        List.of(
            new byte[0],
            new byte[256],
            new byte[] {(byte) 0xC3, 0x28},
            "a\nb".getBytes(StandardCharsets.UTF_8));
    for (byte[] name : names) {
      try (RawClient client = raw()) {
        client.send(RawClient.helloWithName(WireProtocol.MAGIC, 1, name));
        client.expectErrorAndClose(WireError.MALFORMED_FRAME);
      }
    }
  }

  @Test
  void helloWhoseNameLengthDisagreesWithTheFrame() throws IOException {
    byte[] hello = RawClient.hello("vm");
    hello[hello.length - 3] = 3; // name length 3, two name bytes follow
    try (RawClient client = raw()) {
      client.send(hello);
      client.expectErrorAndClose(WireError.MALFORMED_FRAME);
    }
  }

  @Test
  void unknownVm() throws IOException {
    try (RawClient client = raw()) {
      client.send(RawClient.hello("nobody"));
      RawClient.Frame error = client.expectErrorAndClose(WireError.UNKNOWN_VM);
      assertThat(error.errorText()).isEqualTo("no VM named \"nobody\"");
    }
  }

  @Test
  void garbageAfterAnErrorGetsNoSecondError() throws IOException, InterruptedException {
    rejections.clear();
    try (RawClient client = established()) {
      byte[] bad = new byte[] {0, 0, 0, 1, 0x7E};
      byte[] many = new byte[bad.length * 50];
      for (int i = 0; i < 50; i++) {
        System.arraycopy(bad, 0, many, i * bad.length, bad.length);
      }
      client.send(many);
      client.expectErrorAndClose(WireError.MALFORMED_FRAME);
    }
    assertThat(rejections.poll(5, TimeUnit.SECONDS)).isEqualTo(WireError.MALFORMED_FRAME);
    assertThat(rejections.poll(100, TimeUnit.MILLISECONDS)).isNull();
  }

  /**
   * Every kind of hostile client at once, many times, while the well-behaved guest keeps calling.
   */
  @Test
  void hostileClientsAllAtOnceNeverDisturbAWellBehavedGuest() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(9);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong goodCalls = new AtomicLong();
    CountDownLatch go = new CountDownLatch(1);
    try {
      CompletableFuture<Void> good =
          CompletableFuture.runAsync(
              () -> {
                awaitUninterruptibly(go);
                while (!stop.get() || goodCalls.get() < 100) {
                  Registers call = Registers.of((int) goodCalls.get(), 1, 2, 3, 4, 5, 6);
                  assertThat(wellBehaved.in(call)).isEqualTo(FakeHost.expectedIn(SALT, call));
                  byte[] into = new byte[64];
                  Registers ins =
                      Registers.of(
                          0x564D5868, 0x10000 + (int) goodCalls.get(), 64, 0x5659, 0, 0, 0);
                  assertThat(wellBehaved.ins(ins, into)).isEqualTo(FakeHost.expectedIns(SALT, ins));
                  assertThat(into[63]).isEqualTo(FakeHost.expectedInsByte(SALT, ins, 63));
                  goodCalls.incrementAndGet();
                }
              },
              pool);
      List<CompletableFuture<Void>> hostile = new ArrayList<>();
      List<ThrowingRunnable> kinds =
          List.of(
              this::randomBytes,
              this::frameLongerThanTheLimitIsRefusedFromItsLengthAlone,
              this::frameCutMidWayThenOutputShutDown,
              this::wrongProtocolVersion,
              this::wrongMagic,
              this::clientThatSendsNothingIsClosedAfterTheHandshakeTimeout,
              this::outsWhoseByteCountDisagreesWithEcx,
              this::unknownVm);
      for (ThrowingRunnable kind : kinds) {
        hostile.add(
            CompletableFuture.runAsync(
                () -> {
                  awaitUninterruptibly(go);
                  for (int i = 0; i < 3; i++) {
                    kind.runUnchecked();
                  }
                },
                pool));
      }
      go.countDown();
      CompletableFuture.allOf(hostile.toArray(new CompletableFuture<?>[0]))
          .get(30, TimeUnit.SECONDS);
      stop.set(true);
      good.get(30, TimeUnit.SECONDS);
      assertThat(goodCalls.get()).isGreaterThanOrEqualTo(100);
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;

    default void runUnchecked() {
      try {
        run();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }
}
