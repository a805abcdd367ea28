package io.github.vmbackdoor.hostsim.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import io.github.vmbackdoor.rpc.RpciClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * Soak and storm: well-behaved guests run guestinfo round trips against a {@link SimulatorServer}
 * while hostile connections pipeline maximum-size INS requests without reading, trickle a frame a
 * byte at a time (slowloris), connect and disconnect, and send oversized frames. Checked: no good
 * round trip fails or returns another value (nothing lost or corrupted), the good guests' p99, the
 * bytes the server holds and its heap after the storm, and that each hostile kind ends the way the
 * server promises.
 *
 * <p>Length: {@code -Dvmbackdoor.stormSeconds=N} (CI {@value #CI_SECONDS} s, long mode {@value
 * #LONG_SECONDS} s); p99 limit {@code -Dvmbackdoor.stormP99Ms} (default {@value #P99_LIMIT_MS}).
 */
class SoakStormTest {

  static final long CI_SECONDS = 4;
  static final long LONG_SECONDS = 1800;
  static final long P99_LIMIT_MS = 50;
  private static final int GOOD = 4;
  private static final int HOSTILE = 6;
  private static final long BUDGET = 16L << 20;

  /** A frame at the protocol's length limit, and an INS asking for the largest transfer. */
  private static final int MAX_FRAME = 69_665;

  private static final int MAX_TRANSFER = 69_632;

  /** What the server may hold over its budget for a moment: a frame and a read per I/O thread. */
  private static final long BUDGET_SLACK = 2L * (4 + MAX_FRAME + 65_536);

  private final SplittableRandom seeds = new SplittableRandom(Soak.seed() ^ 0x50A4L);

  @Test
  void goodGuestsKeepTheirLatencyAndAnswersWhileHostileClientsStorm() throws Exception {
    // Not yet part of the CI run: on a shared 2-core machine the good guests' latency before the
    // storm already varies by two orders of magnitude. Runs in long mode or when sized.
    assumeTrue(
        Soak.longMode() || System.getProperty("vmbackdoor.stormSeconds") != null,
        "soak and storm runs with -Dvmbackdoor.long=true or -Dvmbackdoor.stormSeconds=N");
    long seconds = Soak.count("stormSeconds", CI_SECONDS, LONG_SECONDS);
    long p99Limit = Soak.count("stormP99Ms", P99_LIMIT_MS, P99_LIMIT_MS);
    VirtualHost host = VirtualHost.builder().callLogLimit(0).historyLimit(16).build();
    long heapBefore = heapAfterGc();
    SimulatorServer server =
        SimulatorServer.builder(name -> name.equals("vm") ? host.backdoor() : null)
            .maxConnections(400)
            .maxConnectionsPerAddress(400)
            .handshakeTimeout(Duration.ofMillis(300))
            .readTimeout(Duration.ofSeconds(3))
            .memoryBudget(BUDGET)
            .ioThreads(2)
            .start();
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
    ExecutorService threads = Executors.newFixedThreadPool(GOOD + HOSTILE);
    AtomicBoolean over = new AtomicBoolean();
    Semaphore pace = new Semaphore(0);
    AtomicLong peakHeld = new AtomicLong();
    List<Long> calm = Collections.synchronizedList(new ArrayList<>());
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean storming = new AtomicBoolean();
    AtomicLongArray hostileEnds = new AtomicLongArray(4);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Future<Long>> good = new ArrayList<>();
    List<Future<?>> hostile = new ArrayList<>();
    try {
      for (int g = 0; g < GOOD; g++) {
        int id = g;
        good.add(
            threads.submit(
                () ->
                    goodGuest(
                        address, id, over, pace, storming, calm, latencies, server, peakHeld)));
      }
      // One second of the good guests alone: their latency on this machine without a storm.
      long calmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (System.nanoTime() < calmEnd) {
        Thread.onSpinWait();
        Thread.yield();
      }
      storming.set(true);
      for (int h = 0; h < HOSTILE; h++) {
        long seed = seeds.nextLong();
        hostile.add(threads.submit(() -> hostile(address, seed, over, pace, hostileEnds)));
      }
      while (System.nanoTime() < deadline) {
        peakHeld.accumulateAndGet(server.heldBytes(), Math::max);
        Thread.onSpinWait();
        Thread.yield();
      }
    } finally {
      over.set(true);
      pace.release(1_000_000);
    }
    long goodTrips = 0;
    for (Future<Long> f : good) {
      goodTrips += f.get(60, TimeUnit.SECONDS);
    }
    for (Future<?> f : hostile) {
      f.get(60, TimeUnit.SECONDS);
    }
    threads.shutdown();
    awaitHeld(server);
    long heapGrowth = heapAfterGc() - heapBefore;
    double p99 = p99(latencies);
    double calmP99 = p99(calm);
    Soak.report(
        "soak and storm",
        "%d s, %d good guests %d round trips (0 lost or wrong), p99 %.2f ms (%.2f ms before the "
            + "storm); hostile: %d "
            + "never-readers, %d slowloris, %d churns of 50, %d oversized frames; peak held "
            + "%d KiB of a %d KiB budget; heap growth after GC %d KiB",
        seconds,
        GOOD,
        goodTrips,
        p99,
        calmP99,
        hostileEnds.get(0),
        hostileEnds.get(1),
        hostileEnds.get(2),
        hostileEnds.get(3),
        peakHeld.get() / 1024,
        BUDGET / 1024,
        heapGrowth / 1024);
    assertThat(goodTrips).isPositive();
    // On a loaded machine the guests are slow before any storm too; the storm may not make them
    // more than 4 times slower than that, nor slower than the limit when the machine is quiet.
    assertThat(p99)
        .as("the good guests' p99 in ms (%.2f ms before the storm)", calmP99)
        .isLessThan(Math.max(p99Limit, 4 * calmP99));
    assertThat(peakHeld.get()).as("bytes held").isLessThanOrEqualTo(BUDGET + BUDGET_SLACK);
    assertThat(heapGrowth).as("heap growth").isLessThan(BUDGET + (32L << 20));
    for (int kind = 0; kind < 4; kind++) {
      assertThat(hostileEnds.get(kind)).as("hostile kind %s ran", kind).isPositive();
    }
    server.close();
  }

  /** Round trips until the storm is over; each must return its own value. */
  private static long goodGuest(
      InetSocketAddress address,
      int id,
      AtomicBoolean over,
      Semaphore pace,
      AtomicBoolean storming,
      List<Long> calm,
      List<Long> latencies,
      SimulatorServer server,
      AtomicLong peakHeld) {
    try (RemoteBackdoor backdoor = RemoteBackdoor.connect(address, "vm", Duration.ofSeconds(20))) {
      RpciClient rpci = RpciClient.create(backdoor);
      String key = "good" + id;
      long n = 0;
      while (!over.get()) {
        String value = key + " value " + n++;
        long t0 = System.nanoTime();
        assertThat(rpci.guestInfoSet(key, value).isSuccess()).isTrue();
        assertThat(rpci.guestInfoGet(key).text()).isEqualTo(value);
        (storming.get() ? latencies : calm).add(System.nanoTime() - t0);
        peakHeld.accumulateAndGet(server.heldBytes(), Math::max);
        pace.release();
      }
      return n;
    }
  }

  /** One hostile client: a kind drawn from the seed, again and again until the storm is over. */
  private static Void hostile(
      InetSocketAddress address,
      long seed,
      AtomicBoolean over,
      Semaphore pace,
      AtomicLongArray ends)
      throws IOException, InterruptedException {
    SplittableRandom r = new SplittableRandom(seed);
    int round = 0;
    while (!over.get()) {
      // Every kind in turn first, then at random.
      int kind = round < 4 ? round : r.nextInt(4);
      round++;
      switch (kind) {
        case 0 -> neverReader(address);
        case 1 -> slowloris(address, pace, over);
        case 2 -> churn(address, r);
        default -> oversized(address, r);
      }
      ends.incrementAndGet(kind);
    }
    return null;
  }

  /** 3,000 maximum-size INS, never read: the server stops reading and closes the connection. */
  private static void neverReader(InetSocketAddress address) throws IOException {
    try (Socket s = connect(address)) {
      s.setReceiveBufferSize(16 * 1024);
      try {
        s.getOutputStream().write(insFlood("vm", 3000));
        // Written whole: the server took the requests in; it closes the connection all the same.
        expectClosed(s);
      } catch (SocketException e) {
        // closed by the server while writing
      }
    }
  }

  /**
   * A HELLO for {@code vm} and {@code count} pipelined INS requests for the largest transfer each:
   * 37 bytes a request, 69,632 bytes an answer.
   */
  static byte[] insFlood(String vm, int count) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(WireStormTest.hello(vm));
    for (int i = 1; i <= count; i++) {
      out.writeBytes(
          ByteBuffer.allocate(37)
              .putInt(33)
              .put((byte) 0x04)
              .putInt(i)
              .putInt(0x564D5868)
              .putInt(i)
              .putInt(MAX_TRANSFER)
              .putInt(0x5659)
              .putInt(0)
              .putInt(0)
              .putInt(0)
              .array());
    }
    return out.toByteArray();
  }

  /** A frame header promising the largest frame, then a byte per good round trip. */
  private static void slowloris(InetSocketAddress address, Semaphore pace, AtomicBoolean over)
      throws IOException, InterruptedException {
    try (Socket s = connect(address)) {
      s.getOutputStream().write(hello());
      s.getOutputStream().write(ByteBuffer.allocate(5).putInt(MAX_FRAME).put((byte) 3).array());
      byte[] ok = s.getInputStream().readNBytes(11);
      assertThat(ok[4] & 0xFF).as("HELLO_OK").isEqualTo(0x81);
      try {
        for (int i = 0; i < MAX_FRAME - 1 && !over.get(); i++) {
          pace.tryAcquire(1, TimeUnit.SECONDS);
          s.getOutputStream().write(0);
        }
      } catch (SocketException e) {
        // closed by the read timeout
      }
      if (!over.get()) {
        int code = readErrorCode(s);
        assertThat(code).as("error code of a slowloris").isIn(12, -1);
      }
    }
  }

  private static void churn(InetSocketAddress address, SplittableRandom r) throws IOException {
    byte[] hello = hello();
    for (int i = 0; i < 50; i++) {
      try (Socket s = connect(address)) {
        int cut = r.nextInt(hello.length + 1);
        s.getOutputStream().write(hello, 0, cut);
        if (r.nextBoolean()) {
          s.setSoLinger(true, 0);
        }
      } catch (SocketException e) {
        // refused or reset: churn all the same
      }
    }
  }

  private static void oversized(InetSocketAddress address, SplittableRandom r) throws IOException {
    try (Socket s = connect(address)) {
      s.getOutputStream().write(hello());
      int length = MAX_FRAME + 1 + r.nextInt(1 << 20);
      s.getOutputStream().write(ByteBuffer.allocate(5).putInt(length).put((byte) 3).array());
      byte[] ok = s.getInputStream().readNBytes(11);
      assertThat(ok[4] & 0xFF).as("HELLO_OK").isEqualTo(0x81);
      assertThat(readErrorCode(s)).as("FRAME_TOO_LARGE").isEqualTo(3);
    }
  }

  // ---- helpers ----

  private static byte[] hello() {
    return WireStormTest.hello("vm");
  }

  private static Socket connect(InetSocketAddress address) throws IOException {
    Socket s = new Socket(address.getAddress(), address.getPort());
    s.setSoTimeout(10_000);
    s.setTcpNoDelay(true);
    return s;
  }

  /** The code of the ERROR frame that ends the stream, or -1 when the stream was cut before it. */
  private static int readErrorCode(Socket s) throws IOException {
    try {
      InputStream in = s.getInputStream();
      byte[] header = in.readNBytes(5);
      if (header.length < 5 || (header[4] & 0xFF) != 0xFF) {
        return -1;
      }
      byte[] code = in.readNBytes(2);
      return code.length < 2 ? -1 : ((code[0] & 0xFF) << 8) | (code[1] & 0xFF);
    } catch (SocketException e) {
      return -1;
    }
  }

  private static void expectClosed(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    byte[] buf = new byte[64 * 1024];
    try {
      while (in.read(buf) >= 0) {
        // discard the answers that reached the socket before the server closed it
      }
    } catch (SocketException e) {
      // reset
    }
  }

  private static void awaitHeld(SimulatorServer server) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while ((server.heldBytes() > 0 || server.connectionCount() > 0)
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      Thread.yield();
    }
    assertThat(server.connectionCount()).as("connections left").isZero();
    assertThat(server.heldBytes()).as("bytes held after the storm").isZero();
  }

  private static double p99(List<Long> nanos) {
    long[] sorted;
    synchronized (nanos) {
      sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    }
    return sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e6;
  }

  private static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
