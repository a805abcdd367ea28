package io.github.vmbackdoor.bench;

import static io.github.vmbackdoor.core.BackdoorProtocol.COMMAND_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static io.github.vmbackdoor.core.BackdoorProtocol.messageEcx;

import io.github.vmbackdoor.core.Registers;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Figure 6: many guest connections on one {@link WireScaleServer} over TCP loopback, each a guest
 * that opens a TCLO channel and polls it once a second the way the fixed machine does when the host
 * has nothing queued: the empty message (SENDSIZE 0), then RECVSIZE, two IN calls per poll, each
 * connection its own VM.
 *
 * <p>The server runs in a child JVM (same jar), so each process holds only its own half of the
 * sockets (file descriptors) and the server's heap and CPU are its own. The load generator is a
 * one-thread Netty client speaking the wire protocol of {@code docs/wire-protocol.md} directly; it
 * opens the connections at most 256 at a time, lets every one poll for the warm-up, then records
 * the latency of every call (request written to response read, on the client's event loop) for the
 * measured span, and asks the server for its heap after a full GC and its CPU time.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.vmbackdoor.bench.WireScale \
 *     [connections=1000] [measureSeconds=30] [warmupSeconds=10] [serverHeap=1g]
 * </pre>
 *
 * <p>System properties: {@code wirescale.ioThreads} (the server's event loops; 0, the default, lets
 * Netty choose), {@code wirescale.serverJvmArgs} (more options for the server JVM, space separated,
 * e.g. {@code -XX:StartFlightRecording=filename=server.jfr}).
 */
public final class WireScale {

  private static final int HELLO = 0x01;
  private static final int HELLO_OK = 0x81;
  private static final int IN = 0x02;
  private static final int IN_RESPONSE = 0x82;
  private static final int WIRE_MAGIC = 0x564D4244;
  private static final int CONNECTS_IN_FLIGHT = 256;

  private WireScale() {}

  /** Latencies in microseconds, 1 µs buckets up to 1 s; one writer thread (the event loop). */
  static final class Histogram {
    private final long[] counts = new long[1_000_001];
    private long total;
    private long max;

    void record(long nanos) {
      long micros = nanos / 1000;
      max = Math.max(max, micros);
      counts[(int) Math.min(micros, counts.length - 1)]++;
      total++;
    }

    long percentile(double p) {
      long rank = (long) Math.ceil(total * p / 100.0);
      long seen = 0;
      for (int i = 0; i < counts.length; i++) {
        seen += counts[i];
        if (seen >= rank && rank > 0) {
          return i;
        }
      }
      return max;
    }

    long total() {
      return total;
    }

    long max() {
      return max;
    }
  }

  /** One guest: handshake, open TCLO, then a poll (two calls) every second. */
  static final class Guest extends SimpleChannelInboundHandler<ByteBuf> {
    private final String vm;
    private final Load load;
    private ChannelHandlerContext ctx;
    private int sequence;
    private int step;
    private int channelId;
    private int cookieHigh;
    private int cookieLow;
    private long sentNanos;

    Guest(String vm, Load load) {
      this.vm = vm;
      this.load = load;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      this.ctx = ctx;
      byte[] name = vm.getBytes(StandardCharsets.UTF_8);
      ByteBuf hello = ctx.alloc().buffer(13 + name.length);
      hello
          .writeInt(9 + name.length)
          .writeByte(HELLO)
          .writeInt(WIRE_MAGIC)
          .writeShort(1)
          .writeShort(name.length)
          .writeBytes(name);
      ctx.writeAndFlush(hello);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
      long now = System.nanoTime();
      int type = frame.readUnsignedByte();
      if (type == HELLO_OK) {
        call(
            Registers.of(
                MAGIC, PROTOCOL_TCLO | FLAG_COOKIE, messageEcx(MESSAGE_OPEN), COMMAND_PORT, 0, 0));
        step = 0;
        return;
      }
      if (type != IN_RESPONSE) {
        load.fail("frame type " + type + " on " + vm);
        ctx.close();
        return;
      }
      frame.readInt();
      int eax = frame.readInt();
      int ebx = frame.readInt();
      int ecx = frame.readInt();
      int edx = frame.readInt();
      int esi = frame.readInt();
      int edi = frame.readInt();
      if (((ecx >>> 16) & STATUS_SUCCESS) == 0) {
        load.fail("status " + Integer.toHexString(ecx) + " at step " + step + " on " + vm);
      }
      if (step == 0) {
        channelId = edx >>> 16;
        cookieHigh = esi;
        cookieLow = edi;
        load.connected(this);
        // The first poll at a random moment within the first second, as guests booted apart.
        ctx.executor()
            .schedule(
                this::poll, ThreadLocalRandom.current().nextLong(1_000_000), TimeUnit.MICROSECONDS);
        step = 1;
        return;
      }
      load.record(now - sentNanos);
      if (step == 1) {
        step = 2;
        call(message(MESSAGE_RECVSIZE));
      } else {
        step = 1;
        load.polls.incrementAndGet();
      }
    }

    private void poll() {
      if (!ctx.channel().isActive()) {
        return;
      }
      ctx.executor().schedule(this::poll, 1, TimeUnit.SECONDS);
      if (step != 1) {
        load.fail("poll while a call is outstanding on " + vm);
        return;
      }
      call(message(MESSAGE_SENDSIZE));
    }

    private Registers message(int sub) {
      return Registers.of(
          MAGIC,
          0,
          messageEcx(sub),
          Registers.words(channelId, COMMAND_PORT),
          cookieHigh,
          cookieLow);
    }

    private void call(Registers r) {
      ByteBuf f = ctx.alloc().buffer(37);
      f.writeInt(33)
          .writeByte(IN)
          .writeInt(++sequence)
          .writeInt(r.eax())
          .writeInt(r.ebx())
          .writeInt(r.ecx())
          .writeInt(r.edx())
          .writeInt(r.esi())
          .writeInt(r.edi())
          .writeInt(r.ebp());
      sentNanos = System.nanoTime();
      ctx.writeAndFlush(f);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      load.closed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      load.fail(cause.toString());
      ctx.close();
    }
  }

  /** What all guests share; touched only on the client's single event loop, except counters. */
  static final class Load {
    final Semaphore connecting = new Semaphore(CONNECTS_IN_FLIGHT);
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger lost = new AtomicInteger();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong polls = new AtomicLong();
    volatile String firstFailure;
    volatile Histogram histogram;

    void connected(Guest g) {
      open.incrementAndGet();
      connecting.release();
    }

    void closed() {
      lost.incrementAndGet();
    }

    void record(long nanos) {
      Histogram h = histogram;
      if (h != null) {
        h.record(nanos);
      }
    }

    void fail(String why) {
      if (failures.getAndIncrement() == 0) {
        firstFailure = why;
      }
    }
  }

  /** Runs the load; arguments as the class describes. */
  public static void main(String[] args) throws Exception {
    int connections = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int measureSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int warmupSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    String serverHeap = args.length > 3 ? args[3] : "1g";
    System.out.printf(
        "%d connections, %d s measured after %d s warm-up; JDK %s, %d processors%n",
        connections,
        measureSeconds,
        warmupSeconds,
        Runtime.version(),
        Runtime.getRuntime().availableProcessors());

    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    String classpath = System.getProperty("java.class.path");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx" + serverHeap));
    String extra = System.getProperty("wirescale.serverJvmArgs", "").trim();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    command.addAll(
        List.of(
            "-cp",
            classpath,
            WireScaleServer.class.getName(),
            String.valueOf(connections + 16),
            System.getProperty("wirescale.ioThreads", "0")));
    Process server =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader fromServer =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    Writer toServer = new OutputStreamWriter(server.getOutputStream(), StandardCharsets.UTF_8);
    EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("load", true));
    try {
      String first = fromServer.readLine();
      if (first == null || !first.startsWith("port ")) {
        throw new IllegalStateException("server said: " + first);
      }
      int port = Integer.parseInt(first.substring(5).trim());
      Load load = new Load();
      Bootstrap bootstrap =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
      long rampStart = System.nanoTime();
      List<ChannelFuture> futures = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        load.connecting.acquire();
        String vm = "vm-" + i;
        futures.add(
            bootstrap
                .handler(
                    new ChannelInitializer<SocketChannel>() {
                      @Override
                      protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                            .addLast(
                                new LengthFieldBasedFrameDecoder(1 << 17, 0, 4, 0, 4),
                                new Guest(vm, load));
                      }
                    })
                .connect("127.0.0.1", port)
                .addListener(
                    f -> {
                      if (!f.isSuccess()) {
                        load.fail("connect: " + f.cause());
                        load.connecting.release();
                      }
                    }));
      }
      load.connecting.acquire(CONNECTS_IN_FLIGHT);
      double rampSeconds = (System.nanoTime() - rampStart) / 1e9;
      System.out.printf(
          "connected %d of %d in %.1f s%n", load.open.get(), connections, rampSeconds);

      TimeUnit.SECONDS.sleep(warmupSeconds);
      long[] before = stats(toServer, fromServer);
      long clientCpuBefore = clientCpu();
      long pollsBefore = load.polls.get();
      long start = System.nanoTime();
      Histogram h = new Histogram();
      group.submit(() -> load.histogram = h).sync();
      TimeUnit.SECONDS.sleep(measureSeconds);
      group.submit(() -> load.histogram = null).sync();
      long wall = System.nanoTime() - start;
      long clientCpu = clientCpu() - clientCpuBefore;
      long[] after = stats(toServer, fromServer);
      long polls = load.polls.get() - pollsBefore;

      System.out.printf(
          "calls: %d (%.0f/s), polls %d (%.0f/s); failures %d%s; connections" + " lost %d%n",
          h.total(),
          h.total() / (wall / 1e9),
          polls,
          polls / (wall / 1e9),
          load.failures.get(),
          load.firstFailure == null ? "" : " (first: " + load.firstFailure + ")",
          load.lost.get());
      System.out.printf(
          "call latency: p50 %d µs, p90 %d µs, p99 %d µs, p99.9 %d µs, max %d µs%n",
          h.percentile(50), h.percentile(90), h.percentile(99), h.percentile(99.9), h.max());
      System.out.printf(
          "server: %d connections, heap after GC %.1f MiB, CPU %.2f cores"
              + " (%.1f%% of %d); load generator CPU %.2f cores%n",
          after[0],
          after[1] / 1048576.0,
          (after[2] - before[2]) / (double) wall,
          100.0 * (after[2] - before[2]) / wall / Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().availableProcessors(),
          clientCpu / (double) wall);
      for (ChannelFuture f : futures) {
        f.channel().close();
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
      toServer.close();
      if (!server.waitFor(20, TimeUnit.SECONDS)) {
        server.destroy();
      }
    }
  }

  /** Connections, used heap after GC, process CPU nanoseconds, as the server reports them. */
  private static long[] stats(Writer toServer, BufferedReader fromServer) throws Exception {
    toServer.write("stats\n");
    toServer.flush();
    String line = fromServer.readLine();
    if (line == null || !line.startsWith("stats ")) {
      throw new IllegalStateException("server said: " + line);
    }
    String[] f = line.split(" ");
    return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])};
  }

  private static long clientCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
