package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Registers;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import java.io.DataInputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Clients that do not read their answers cannot grow the server: it stops reading them, closes
 * those that pile up too many requests or hold the most when the memory budget runs out, and keeps
 * serving well-behaved guests with their usual latency.
 */
class BackpressureTest {

  private static final int SALT = 0xBAC4;

  /**
   * What one connection may hold with the default settings: the high-water mark and one answer over
   * it, 1,024 waiting requests, one read and one incomplete frame of input.
   */
  static final long CONNECTION_BOUND =
      256 * 1024
          + 69_669
          + 1024L * 133
          + SimulatorServer.MAX_READ_BYTES
          + WireProtocol.MAX_FRAME_LENGTH;

  private final FakeHost host = new FakeHost(SALT);
  private final LinkedBlockingQueue<String> rejections = new LinkedBlockingQueue<>();

  private SimulatorServer.Builder server() {
    return SimulatorServer.builder(name -> name.equals("vm") ? host : null)
        .ioThreads(2)
        .rejectionListener((error, text) -> rejections.add(error + ": " + text));
  }

  /**
   * Finding 1 of the amplification attack: one connection pipelines 10,000 maximum-size INS
   * requests (370 KB that ask for 697 MB) and never reads. The server stops reading it and holds at
   * most {@link #CONNECTION_BOUND} for it, its heap and pooled buffers do not grow, a well-behaved
   * guest's p99 stays under 10 ms, and the connection ends once (over its pipelining cap, or at the
   * read timeout).
   */
  @Test
  void tenThousandPipelinedMaxSizeInsNeverReadLeaveTheServerBoundedAndAGuestFast()
      throws Exception {
    ManualTicker ticker = new ManualTicker();
    try (SimulatorServer server = server().ticker(ticker).start();
        RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm")) {
      warmUp(guest);
      long directBefore = pooledMemory();
      long heapBefore = heapAfterGc();
      long peak = 0;
      List<Long> latencies = new ArrayList<>();
      try (Pipeliner attacker = new Pipeliner(server.address(), "vm", 10_000)) {
        for (int i = 0; i < 3000; i++) {
          latencies.add(timedCall(guest, i));
          peak = Math.max(peak, server.heldBytes());
        }
        assertThat(peak).as("bytes held at the peak").isLessThanOrEqualTo(CONNECTION_BOUND);
        assertThat(pooledMemory() - directBefore)
            .as("pooled buffer growth")
            .isLessThanOrEqualTo(
                CONNECTION_BOUND + PooledByteBufAllocator.DEFAULT.metric().chunkSize());
        assertThat(heapAfterGc() - heapBefore).as("heap growth").isLessThan(16L << 20);
        assertThat(p99(latencies)).as("the guest's p99 in ms").isLessThan(10.0);
        // The guest calls at half time: only the attacker has been idle past the read timeout
        // (a guest idle for the whole 61 s may rightly be timed out before its next call).
        ticker.advance(Duration.ofSeconds(31));
        timedCall(guest, 0);
        ticker.advance(Duration.ofSeconds(30));
        timedCall(guest, 0);
        awaitTrue(() -> server.connectionCount() == 1, "the attacker closed");
        assertThat(attacker.drainUntilClosed()[0])
            .as("answers the attacker could read")
            .isLessThan(10_000);
      }
      assertThat(rejections).hasSize(1);
      assertThat(rejections.peek())
          .matches("(OVERLOADED: more than 1024 requests wait|IDLE_TIMEOUT: no complete).*");
      assertThat(server.rejectionCount()).isEqualTo(1);
      awaitTrue(() -> server.heldBytes() == 0, "held bytes back to 0");
      timedCall(guest, 1);
    }
  }

  /** A never-reader over the pipelining cap is closed once, with OVERLOADED naming the cap. */
  @Test
  void aNeverReaderOverThePipeliningCapIsClosedOnce() throws Exception {
    try (SimulatorServer server = server().maxPipelinedRequests(16).start();
        RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm")) {
      try (Pipeliner attacker = new Pipeliner(server.address(), "vm", 10_000)) {
        awaitTrue(() -> server.connectionCount() == 1, "the attacker closed");
        attacker.drainUntilClosed();
      }
      timedCall(guest, 1);
      assertThat(rejections)
          .containsExactly(
              "OVERLOADED: more than 16 requests wait for answers the client does not read");
      awaitTrue(() -> server.heldBytes() == 0, "held bytes back to 0");
    }
  }

  /**
   * A slow reader (its answers taken a little at a time and checked byte by byte) that keeps 200
   * maximum-size requests in flight gets every answer, right and in order, and the server holds no
   * more than its bound for it.
   */
  @Test
  void aSlowReaderGetsEveryAnswerRightAndInOrder() throws Exception {
    try (SimulatorServer server = server().start();
        RawClient client = new RawClient(server.address())) {
      client.send(RawClient.hello("vm"));
      assertThat(client.readFrame().type).isEqualTo(WireProtocol.HELLO_OK);
      DataInputStream in = new DataInputStream(client.socket.getInputStream());
      int total = 300;
      int window = 200;
      int sent = 0;
      long peak = 0;
      byte[] chunk = new byte[2048];
      for (int read = 1; read <= total; read++) {
        while (sent < total && sent - read < window - 1) {
          sent++;
          client.send(
              RawClient.request(WireProtocol.INS, sent, Pipeliner.maxIns(sent), new byte[0]));
        }
        // Slow: the answer is taken 2 KiB at a time, and checked byte by byte.
        int length = in.readInt();
        assertThat(length).isEqualTo(WireProtocol.OPERATION_LENGTH + WireProtocol.MAX_TRANSFER);
        assertThat(in.readUnsignedByte()).isEqualTo(WireProtocol.INS_RESPONSE);
        assertThat(in.readInt()).as("sequence").isEqualTo(read);
        byte[] registers = new byte[WireProtocol.REGISTERS_LENGTH];
        in.readFully(registers);
        Registers request = Pipeliner.maxIns(read);
        for (int at = 0; at < WireProtocol.MAX_TRANSFER; at += chunk.length) {
          int n = Math.min(chunk.length, WireProtocol.MAX_TRANSFER - at);
          in.readFully(chunk, 0, n);
          for (int k = 0; k < n; k++) {
            if (chunk[k] != FakeHost.expectedInsByte(SALT, request, at + k)) {
              throw new AssertionError("answer " + read + " differs at byte " + (at + k));
            }
          }
        }
        peak = Math.max(peak, server.heldBytes());
      }
      assertThat(rejections).isEmpty();
      assertThat(peak).isLessThanOrEqualTo(CONNECTION_BOUND);
    }
  }

  /** Never-readers together over the memory budget: the largest holders are closed, once each. */
  @Test
  void neverReadersOverTheMemoryBudgetAreClosedLargestFirst() throws Exception {
    long budget = 256 * 1024;
    try (SimulatorServer server =
            server().memoryBudget(budget).maxPipelinedRequests(100_000).start();
        RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm")) {
      List<Pipeliner> attackers = new ArrayList<>();
      long peak = 0;
      try {
        for (int a = 0; a < 8; a++) {
          attackers.add(new Pipeliner(server.address(), "vm", 200));
          for (int i = 0; i < 100; i++) {
            timedCall(guest, i);
            peak = Math.max(peak, server.heldBytes());
          }
        }
        awaitTrue(
            () -> server.budgetEvictions() >= 1, () -> "an eviction; held " + server.heldBytes());
        for (int i = 0; i < 200; i++) {
          timedCall(guest, i);
          peak = Math.max(peak, server.heldBytes());
        }
      } finally {
        for (Pipeliner p : attackers) {
          p.close();
        }
      }
      assertThat(peak)
          .as("held bytes at the peak")
          .isLessThanOrEqualTo(budget + 2L * (69_669 + SimulatorServer.MAX_READ_BYTES));
      assertThat(rejections).isNotEmpty();
      assertThat(rejections)
          .allSatisfy(r -> assertThat(r).startsWith("OVERLOADED: the server's memory budget"));
      // An eviction is counted where the budget runs out; its rejection is reported on the
      // evicted connection's own event loop, a moment later.
      awaitTrue(
          () -> rejections.size() == server.budgetEvictions(),
          () -> rejections.size() + " rejections for " + server.budgetEvictions() + " evictions");
    }
  }

  // ---- helpers ----

  private static void warmUp(RemoteBackdoor guest) {
    for (int i = 0; i < 2000; i++) {
      timedCall(guest, i);
    }
  }

  /** One checked call of the guest; its round trip in nanoseconds. */
  private static long timedCall(RemoteBackdoor guest, int n) {
    Registers call = Registers.of(n, 2, 3, 4, 5, 6, 7);
    long t0 = System.nanoTime();
    Registers answer = guest.in(call);
    long took = System.nanoTime() - t0;
    assertThat(answer).isEqualTo(FakeHost.expectedIn(SALT, call));
    return took;
  }

  static double p99(List<Long> nanos) {
    long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    return sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e6;
  }

  private static long pooledMemory() {
    PooledByteBufAllocatorMetric m = PooledByteBufAllocator.DEFAULT.metric();
    return m.usedDirectMemory() + m.usedHeapMemory();
  }

  private static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static void awaitTrue(BooleanSupplier condition, String what) {
    awaitTrue(condition, () -> what);
  }

  /**
   * Waits for something the server's event loop does on its own. The deadline only keeps a broken
   * server from hanging the build; a working one gets there in milliseconds, but a shared CI
   * machine can starve the loop for seconds, so it is generous.
   */
  static void awaitTrue(BooleanSupplier condition, Supplier<String> what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for %s", what.get()).isLessThan(deadline);
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
