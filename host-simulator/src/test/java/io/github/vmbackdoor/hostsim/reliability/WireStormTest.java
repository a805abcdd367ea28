package io.github.vmbackdoor.hostsim.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import io.github.vmbackdoor.hostsim.server.WireError;
import io.github.vmbackdoor.rpc.RpciClient;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Suite 3: hostile clients against a real {@link SimulatorServer} on loopback, while a well-behaved
 * guest runs guestinfo round trips through {@link RemoteBackdoor} the whole time.
 *
 * <p>Each round: random bytes before any HELLO, random frames after a valid HELLO, frames cut
 * short, lengths far over the limit, connect-and-idle floods (closed by the handshake timeout),
 * slow senders (a request one byte at a time, paced by the good guest's calls), a slow HELLO that
 * runs into the handshake timeout, and a thousand connects and disconnects. Checked: the good guest
 * never fails; every client that broke the protocol got exactly one ERROR frame, as its last frame,
 * and the server counted exactly one rejection for it; after the round no connection is left;
 * across rounds the server's pooled buffer memory and thread count do not grow; after {@code
 * close()} its threads are gone.
 *
 * <p>Size: {@code -Dvmbackdoor.wireRounds=N} (CI {@value #CI_ROUNDS}, long mode {@value
 * #LONG_ROUNDS}).
 */
class WireStormTest {

  static final long CI_ROUNDS = 3;
  static final long LONG_ROUNDS = 200;
  private static final int HELLO = 0x01;
  private static final int IN = 0x02;
  private static final int ERROR = 0xFF;
  private static final int MAGIC = 0x564D4244;

  /** Connections in the flood of one round, and the server's limit above them. */
  private static final int FLOOD = 150;

  private static final int MAX_CONNECTIONS = 400;

  private final SplittableRandom seeds = new SplittableRandom(Soak.seed() ^ 0x3173L);

  /** What one hostile client saw: bytes until the server closed, parsed into frames. */
  record Seen(
      int errorFrames, boolean errorLast, int frames, boolean closedByServer, int errorCode) {}

  @Test
  void hostileClientsNeitherStarveAGoodGuestNorLeakResources() throws Exception {
    long rounds = Soak.count("wireRounds", CI_ROUNDS, LONG_ROUNDS);
    VirtualHost host = VirtualHost.builder().callLogLimit(0).historyLimit(16).build();
    SimulatorServer server =
        SimulatorServer.builder(name -> name.equals("vm") ? host.backdoor() : null)
            .maxConnections(MAX_CONNECTIONS)
            .maxConnectionsPerAddress(MAX_CONNECTIONS)
            // Short, so the flood's silent connections end within the round; long enough that
            // a well-behaved client's HELLO, sent at once, is read in time on a loaded machine.
            .handshakeTimeout(Duration.ofSeconds(1))
            .ioThreads(2)
            .start();
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
    ExecutorService clients = Executors.newFixedThreadPool(16);
    AtomicBoolean stormOver = new AtomicBoolean();
    AtomicLong goodCalls = new AtomicLong();
    AtomicLong worstCallNanos = new AtomicLong();
    Semaphore pace = new Semaphore(0);
    List<Throwable> goodFailures = Collections.synchronizedList(new ArrayList<>());
    Thread good =
        new Thread(
            () -> {
              try (RemoteBackdoor backdoor =
                  RemoteBackdoor.connect(address, "vm", Duration.ofSeconds(20))) {
                RpciClient rpci = RpciClient.create(backdoor);
                long n = 0;
                while (!stormOver.get()) {
                  String value = "value " + n++;
                  long t0 = System.nanoTime();
                  assertThat(rpci.guestInfoSet("good", value).isSuccess()).isTrue();
                  assertThat(rpci.guestInfoGet("good").text()).isEqualTo(value);
                  worstCallNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                  goodCalls.incrementAndGet();
                  pace.release();
                }
              } catch (Throwable t) {
                goodFailures.add(t);
              }
            },
            "good guest");
    good.start();

    long started = System.nanoTime();
    long expectedRejections = 0;
    long hostileConnections = 0;
    long extraRejections = 0;
    List<long[]> resources = new ArrayList<>();
    try {
      for (long round = 0; round < rounds; round++) {
        long rejectionsBefore = server.rejectionCount();
        List<Future<Seen>> mustReject = new ArrayList<>();
        List<Future<Seen>> others = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          long seed = seeds.nextLong();
          mustReject.add(clients.submit(() -> randomBytes(address, seed)));
          mustReject.add(clients.submit(() -> randomFrameAfterHello(address, seed)));
          mustReject.add(clients.submit(() -> oversizeLength(address, seed)));
          others.add(clients.submit(() -> truncatedFrame(address, seed)));
        }
        List<Socket> flood = new ArrayList<>();
        for (int i = 0; i < FLOOD; i++) {
          flood.add(new Socket(address.getAddress(), address.getPort()));
        }
        mustReject.add(clients.submit(() -> slowHello(address)));
        List<Future<String>> slow = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          slow.add(clients.submit(() -> slowRequest(address, pace)));
        }
        List<Future<Integer>> churn = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          long seed = seeds.nextLong();
          churn.add(clients.submit(() -> connectsAndDisconnects(address, 100, seed)));
        }
        for (Socket s : flood) {
          mustReject.add(clients.submit(() -> readUntilClosed(s)));
        }
        for (Future<String> f : slow) {
          assertThat(f.get(60, TimeUnit.SECONDS)).as("slow sender").isEqualTo("served");
        }
        for (Future<Integer> f : churn) {
          hostileConnections += f.get(60, TimeUnit.SECONDS);
        }
        for (Future<Seen> f : mustReject) {
          Seen seen = f.get(60, TimeUnit.SECONDS);
          assertThat(seen.errorFrames()).as("ERROR frames on one rejected connection").isEqualTo(1);
          assertThat(seen.errorLast()).isTrue();
          assertThat(seen.closedByServer()).isTrue();
        }
        for (Future<Seen> f : others) {
          Seen seen = f.get(60, TimeUnit.SECONDS);
          assertThat(seen.errorFrames()).isLessThanOrEqualTo(1);
          if (seen.errorFrames() == 1) {
            assertThat(seen.errorLast()).isTrue();
          }
        }
        hostileConnections += mustReject.size() + others.size() + slow.size();
        expectedRejections += mustReject.size();
        long rejections = server.rejectionCount() - rejectionsBefore;
        assertThat(rejections)
            .as("rejections counted (and logged) in round %s", round)
            .isBetween(
                (long) mustReject.size(),
                (long) mustReject.size() + others.size() + churnRejectable(churn));
        extraRejections += rejections - mustReject.size();
        awaitConnections(server, 1);
        resources.add(new long[] {usedPooledMemory(), serverThreads().size()});
      }
    } finally {
      stormOver.set(true);
      good.join(30_000);
      clients.shutdownNow();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    assertThat(goodFailures).as("the good guest's failures").isEmpty();
    assertThat(goodCalls.get()).as("good guest round trips during the storm").isPositive();
    awaitConnections(server, 0);
    long[] first = resources.get(0);
    long[] last = resources.get(resources.size() - 1);
    Soak.report(
        "wire storm",
        "%d rounds in %.1f s. Fixed by the seed and size: %d hostile connections, %d that must "
            + "be rejected (one ERROR frame and one rejection each). Set by timing, so a range "
            + "(0 to %d): %d cut-short or churned connections rejected besides; good guest %d "
            + "round trips, slowest %.1f ms; pooled buffer memory after the first round %d KiB, "
            + "after the last %d KiB; server threads %d then %d",
        rounds,
        seconds,
        hostileConnections,
        expectedRejections,
        rounds * (40 + 10L * 100),
        extraRejections,
        goodCalls.get(),
        worstCallNanos.get() / 1e6,
        first[0] / 1024,
        last[0] / 1024,
        first[1],
        last[1]);
    // Pooled memory grows a chunk at a time; one chunk of slack for the pool's own caching.
    assertThat(last[0])
        .as("pooled buffer memory")
        .isLessThanOrEqualTo(first[0] + PooledByteBufAllocator.DEFAULT.metric().chunkSize());
    assertThat(last[1]).as("server threads").isLessThanOrEqualTo(first[1]);
    List<Thread> threads = serverThreads();
    server.close();
    for (Thread t : threads) {
      t.join(10_000);
      assertThat(t.isAlive()).as("%s after close", t.getName()).isFalse();
    }
  }

  @Test
  void aFloodPastTheConnectionLimitIsRefusedOnceEachWhileTheAdmittedGuestIsServed()
      throws Exception {
    VirtualHost host = VirtualHost.builder().callLogLimit(0).historyLimit(16).build();
    int limit = 10;
    try (SimulatorServer server =
        SimulatorServer.builder(name -> name.equals("vm") ? host.backdoor() : null)
            .maxConnections(limit)
            .handshakeTimeout(Duration.ofSeconds(2))
            .ioThreads(2)
            .start()) {
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
      try (RemoteBackdoor backdoor =
          RemoteBackdoor.connect(address, "vm", Duration.ofSeconds(20))) {
        RpciClient rpci = RpciClient.create(backdoor);
        long before = server.rejectionCount();
        int flood = 3 * limit;
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < flood; i++) {
          sockets.add(connect(address));
        }
        // Served while the flood is refused or waits for its handshake timeout.
        for (int i = 0; i < 20; i++) {
          assertThat(rpci.guestInfoSet("k", "v" + i).isSuccess()).isTrue();
        }
        int tooMany = 0;
        int timedOut = 0;
        for (Socket s : sockets) {
          Seen seen = readUntilClosed(s);
          assertThat(seen.errorFrames()).isEqualTo(1);
          assertThat(seen.errorLast()).isTrue();
          if (seen.errorCode() == WireError.TOO_MANY_CONNECTIONS.code()) {
            tooMany++;
          } else if (seen.errorCode() == WireError.HANDSHAKE_TIMEOUT.code()) {
            timedOut++;
          }
        }
        // The guest holds one of the 10 places: 9 of the flood are admitted (and time out in their
        // handshake), the other 21 must be refused for the limit at once.
        assertThat(tooMany).as("refused with TOO_MANY_CONNECTIONS").isEqualTo(flood - (limit - 1));
        assertThat(timedOut).as("admitted, then HANDSHAKE_TIMEOUT").isEqualTo(limit - 1);
        assertThat(server.rejectionCount() - before).isEqualTo(flood);
        assertThat(rpci.guestInfoGet("k").text()).isEqualTo("v19");
        awaitConnections(server, 1);
      }
      awaitConnections(server, 0);
    }
  }

  /** A connect/disconnect cut mid-HELLO may be rejected too: at most once per connection. */
  private static long churnRejectable(List<Future<Integer>> churn) {
    return 10L * 100;
  }

  private static void awaitConnections(SimulatorServer server, int expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (server.connectionCount() > expected && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      Thread.yield();
    }
    assertThat(server.connectionCount()).as("connections left").isEqualTo(expected);
  }

  private static long usedPooledMemory() {
    PooledByteBufAllocatorMetric m = PooledByteBufAllocator.DEFAULT.metric();
    return m.usedDirectMemory() + m.usedHeapMemory();
  }

  private static List<Thread> serverThreads() {
    List<Thread> l = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("vmbackdoor-")) {
        l.add(t);
      }
    }
    return l;
  }

  // ---- hostile clients ----

  /** A valid HELLO frame for the VM. */
  static byte[] hello(String vm) {
    byte[] name = vm.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(13 + name.length)
        .putInt(9 + name.length)
        .put((byte) HELLO)
        .putInt(MAGIC)
        .putShort((short) 1)
        .putShort((short) name.length)
        .put(name)
        .array();
  }

  private static Socket connect(InetSocketAddress address) throws IOException {
    Socket s = new Socket(address.getAddress(), address.getPort());
    s.setSoTimeout(30_000);
    s.setTcpNoDelay(true);
    return s;
  }

  /** Reads until the server closes, then parses what came: HELLO_OK, responses, ERROR. */
  private static Seen readUntilClosed(Socket s) throws IOException {
    try (s) {
      s.setSoTimeout(30_000);
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      boolean closed;
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          got.write(buf, 0, n);
        }
        closed = true;
      } catch (SocketException e) {
        // A reset after the server's close: the server closed it all the same.
        closed = true;
      }
      ByteBuffer b = ByteBuffer.wrap(got.toByteArray());
      int errors = 0;
      int frames = 0;
      boolean errorLast = false;
      int errorCode = 0;
      while (b.remaining() >= 5) {
        int length = b.getInt();
        int type = b.get() & 0xFF;
        frames++;
        errorLast = type == ERROR;
        if (type == ERROR) {
          errors++;
          errorCode = b.remaining() >= 2 ? b.getShort(b.position()) & 0xFFFF : 0;
        }
        b.position(Math.min(b.limit(), b.position() + length - 1));
      }
      return new Seen(errors, errorLast, frames, closed, errorCode);
    }
  }

  private static Seen randomBytes(InetSocketAddress address, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    Socket s = connect(address);
    byte[] junk = new byte[5 + r.nextInt(2048)];
    r.nextBytes(junk);
    // Not a HELLO: a length the frame limit allows and a type other than HELLO.
    junk[0] = (byte) 0;
    junk[1] = (byte) 0;
    junk[2] = (byte) 0;
    junk[3] = (byte) (0x20 + r.nextInt(0x60));
    junk[4] = (byte) (0x02 + r.nextInt(0x70));
    writeQuietly(s, junk);
    return readUntilClosed(s);
  }

  private static Seen randomFrameAfterHello(InetSocketAddress address, long seed)
      throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    Socket s = connect(address);
    int length = 1 + r.nextInt(200);
    ByteBuffer frame = ByteBuffer.allocate(4 + length).putInt(length);
    // A type no client may send: unknown, or a server frame.
    int type = r.nextBoolean() ? 0x05 + r.nextInt(0x7A) : 0x81 + r.nextInt(0x7F);
    frame.put((byte) type);
    while (frame.hasRemaining()) {
      frame.put((byte) r.nextInt());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(hello("vm"));
    out.writeBytes(frame.array());
    writeQuietly(s, out.toByteArray());
    return readUntilClosed(s);
  }

  private static Seen oversizeLength(InetSocketAddress address, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    Socket s = connect(address);
    int length = 69_666 + r.nextInt(Integer.MAX_VALUE - 69_666);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (r.nextBoolean()) {
      out.writeBytes(hello("vm"));
    }
    out.writeBytes(
        ByteBuffer.allocate(5)
            .putInt(r.nextBoolean() ? length : -1 - r.nextInt(1000))
            .put((byte) IN)
            .array());
    writeQuietly(s, out.toByteArray());
    return readUntilClosed(s);
  }

  private static Seen truncatedFrame(InetSocketAddress address, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    Socket s = connect(address);
    ByteBuffer frame = ByteBuffer.allocate(37).putInt(33).put((byte) IN).putInt(1);
    while (frame.hasRemaining()) {
      frame.put((byte) r.nextInt());
    }
    byte[] cut = java.util.Arrays.copyOf(frame.array(), 1 + r.nextInt(36));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(hello("vm"));
    out.writeBytes(cut);
    writeQuietly(s, out.toByteArray());
    if (r.nextBoolean()) {
      s.shutdownOutput();
      return readUntilClosed(s);
    }
    s.close();
    return new Seen(0, false, 0, false, 0);
  }

  /** A HELLO sent one byte per good-guest call but never finished: the handshake times out. */
  private static Seen slowHello(InetSocketAddress address) throws IOException {
    Socket s = connect(address);
    byte[] hello = hello("vm");
    writeQuietly(s, java.util.Arrays.copyOf(hello, 3));
    return readUntilClosed(s);
  }

  /**
   * A valid request one byte per good-guest call; the answer must come and be right. Returns
   * "served", or what went wrong.
   */
  private static String slowRequest(InetSocketAddress address, Semaphore pace)
      throws IOException, InterruptedException {
    try (Socket s = connect(address)) {
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(hello("vm"));
      byte[] ok = in.readNBytes(11);
      if (ok.length != 11 || (ok[4] & 0xFF) != 0x81) {
        byte[] rest = in.readNBytes(200);
        return "no HELLO_OK but "
            + HexFormat.of().formatHex(ok)
            + " "
            + new String(rest, StandardCharsets.UTF_8);
      }
      // GETVERSION.
      byte[] request =
          ByteBuffer.allocate(37)
              .putInt(33)
              .put((byte) IN)
              .putInt(7)
              .putInt(0x564D5868)
              .putInt(0)
              .putInt(10)
              .putInt(0x5658)
              .putInt(0)
              .putInt(0)
              .putInt(0)
              .array();
      for (byte b : request) {
        if (!pace.tryAcquire(30, TimeUnit.SECONDS)) {
          return "the good guest made no call for 30 s";
        }
        out.write(b);
        out.flush();
      }
      byte[] answer = in.readNBytes(37);
      ByteBuffer response = ByteBuffer.wrap(answer);
      boolean right =
          response.remaining() == 37
              && response.getInt() == 33
              && (response.get() & 0xFF) == 0x82
              && response.getInt() == 7
              && response.getInt() == 6
              && response.getInt() == 0x564D5868;
      return right ? "served" : "a wrong answer " + HexFormat.of().formatHex(answer);
    }
  }

  /** Connects and disconnects {@code n} times: at once, after a HELLO, or mid-HELLO. */
  private static int connectsAndDisconnects(InetSocketAddress address, int n, long seed)
      throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] hello = hello("vm");
    for (int i = 0; i < n; i++) {
      try (Socket s = connect(address)) {
        switch (r.nextInt(3)) {
          case 0:
            break;
          case 1:
            writeQuietly(s, hello);
            break;
          default:
            writeQuietly(s, java.util.Arrays.copyOf(hello, 1 + r.nextInt(hello.length - 1)));
            break;
        }
        if (r.nextBoolean()) {
          s.setSoLinger(true, 0);
        }
      }
    }
    return n;
  }

  private static void writeQuietly(Socket s, byte[] bytes) throws IOException {
    try {
      OutputStream out = s.getOutputStream();
      out.write(bytes);
      out.flush();
    } catch (SocketException e) {
      // The server may close a connection before all its junk is written.
    }
  }
}
