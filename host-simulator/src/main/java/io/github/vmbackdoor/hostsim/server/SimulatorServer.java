package io.github.vmbackdoor.hostsim.server;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.base.Ticker;
import io.github.vmbackdoor.core.Backdoor;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The simulator over TCP: serves emulated VMs to guests in other processes, one connection per
 * guest, in the wire protocol of {@code docs/wire-protocol.md}.
 *
 * <p>Each connection names its VM in the handshake; the server finds the VM's host side, a {@link
 * Backdoor}, through the function given to {@link #builder}, so several connections may share one
 * VM as several guest processes share one real VM. The host side is then called from the
 * connections' event-loop threads, concurrently for different connections; it must be thread-safe
 * and must not block.
 *
 * <p>The server binds to 127.0.0.1 unless {@link Builder#bindAddress} says otherwise; port 0 picks
 * a free port ({@link #port()} tells which). A connection that breaks the protocol (a malformed,
 * truncated or oversize frame, a wrong magic or version, an unknown VM, no HELLO within the
 * handshake timeout) gets an ERROR frame and is closed; no other connection is affected.
 *
 * <p>Nothing a client does grows the server without bound: a connection whose client does not read
 * its answers is no longer read (its requests wait, TCP flow control stops the client), a
 * connection that lets too many requests wait, is idle past the read timeout, or holds the most
 * when the server-wide {@linkplain Builder#memoryBudget memory budget} runs out is closed, and one
 * client address gets at most {@linkplain Builder#maxConnectionsPerAddress its share} of the
 * connections. The limits and the resulting memory bound are in {@code docs/wire-protocol.md}.
 * {@link #close()} stops accepting, tells every connection that the server is shutting down, closes
 * them and releases the threads.
 *
 * <pre>{@code
 * try (SimulatorServer server = SimulatorServer.builder(name -> hosts.get(name)).start()) {
 *   Backdoor guest = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm1");
 *   ...
 * }
 * }</pre>
 */
public final class SimulatorServer implements AutoCloseable {

  /** The most connections served at once unless {@link Builder#maxConnections} says otherwise. */
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;

  /**
   * The most connections from one client address unless {@link Builder#maxConnectionsPerAddress}
   * says otherwise.
   */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;

  /** The read timeout, in seconds, unless {@link Builder#readTimeout} says otherwise. */
  public static final int DEFAULT_READ_TIMEOUT_SECONDS = 60;

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /**
   * The most connections whose calls go through a shared region at once (each has a thread of its
   * own); a client that offers one more stays on TCP.
   */
  public static final int MAX_SHARED_REGIONS = 64;

  /** The most bytes one read of a connection's socket takes in. */
  static final int MAX_READ_BYTES = 65536;

  private final BiFunction<String, InetSocketAddress, ? extends Backdoor> vms;
  private final long handshakeMillis;
  private final ConnectionLimits limits;
  private final ConnectionGuard guard;
  private final MemoryBudget budget;
  private final EventLoopGroup acceptGroup;
  private final EventLoopGroup ioGroup;
  private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
  private final ConnectionAdmission admission;
  private final SharedRegionQuota regions;
  private final Channel serverChannel;
  private volatile boolean closing;

  private SimulatorServer(Builder builder) {
    this.vms = builder.vms;
    this.admission =
        new ConnectionAdmission(builder.maxConnections, builder.maxConnectionsPerAddress);
    this.guard = new ConnectionGuard(builder.rejectionListener, builder.ticker);
    this.budget = new MemoryBudget(builder.memoryBudget, channels, guard, builder.ticker);
    this.limits =
        new ConnectionLimits(
            builder.maxPipelinedRequests,
            builder.maxQueuedAnswers,
            Math.max(1, builder.readTimeout.toNanos()),
            builder.ticker);
    this.handshakeMillis = Math.max(1, builder.handshakeTimeout.toMillis());
    this.regions =
        new SharedRegionQuota(
            builder.spinBeforePark.isZero()
                ? SharedRegion.DEFAULT_SPIN.toNanos()
                : builder.spinBeforePark.toNanos());
    this.acceptGroup =
        Transport.CHOSEN.group(1, new DefaultThreadFactory("vmbackdoor-accept", true), 0);
    this.ioGroup =
        Transport.CHOSEN.group(
            builder.ioThreads,
            new DefaultThreadFactory("vmbackdoor-io", true),
            builder.spinBeforePark.toNanos());
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(acceptGroup, ioGroup)
            .channel(Transport.CHOSEN.serverChannel())
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(builder.lowWaterMark, builder.highWaterMark))
            .childOption(
                ChannelOption.RCVBUF_ALLOCATOR,
                new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ_BYTES))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    initConnection(channel);
                  }
                });
    ChannelFuture bind = bootstrap.bind(builder.bindAddress, builder.port).awaitUninterruptibly();
    if (!bind.isSuccess()) {
      shutdownGroups();
      Throwable cause = bind.cause();
      String where = builder.bindAddress.getHostAddress() + ":" + builder.port;
      if (cause instanceof IOException) {
        throw new UncheckedIOException(
            "cannot listen on " + where + ": " + cause.getMessage(), (IOException) cause);
      }
      throw new IllegalStateException("cannot listen on " + where, cause);
    }
    this.serverChannel = bind.channel();
  }

  /**
   * A builder for a server whose VMs are found by name through {@code vms}: the function returns
   * the VM's host side, or null when there is no VM of that name (the connection is then refused
   * with {@link WireError#UNKNOWN_VM}). It is called once per connection, on an event-loop thread.
   * A host side that is also {@link AutoCloseable} (a per-connection recorder, say) is closed when
   * its connection closes.
   */
  public static Builder builder(Function<String, ? extends Backdoor> vms) {
    checkNotNull(vms, "vms");
    return new Builder((name, client) -> vms.apply(name));
  }

  /**
   * {@link #builder(Function)} for a function that is also given the client's address and port, to
   * tell or record who connected (null when the connection has none, as an in-memory channel).
   */
  public static Builder builder(BiFunction<String, InetSocketAddress, ? extends Backdoor> vms) {
    return new Builder(vms);
  }

  /** The port the server listens on (the one picked when the builder said 0). */
  public int port() {
    return address().getPort();
  }

  /** The address and port the server listens on. */
  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** The connections currently admitted (handshake pending or complete). */
  public int connectionCount() {
    return admission.admitted();
  }

  /**
   * How many connections' calls went through a shared-memory region their client offered (a trap
   * helper on this machine, {@code docs/wire-protocol.md} §12) since the server started.
   */
  public long sharedRegionsServed() {
    return regions.servedSoFar();
  }

  /** How many connections the server has rejected with an ERROR frame since it started. */
  public long rejectionCount() {
    return guard.rejections();
  }

  /**
   * Shuts the server down gracefully: stops accepting, sends every connection an ERROR frame {@link
   * WireError#SHUTTING_DOWN} after the responses already under way, closes the connections and
   * stops the server's threads. Waits at most a few seconds; calling it again does nothing.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closing) {
        return;
      }
      closing = true;
    }
    long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
    serverChannel.close().awaitUninterruptibly(remainingMillis(deadline));
    for (Channel channel : channels) {
      guard.reject(channel, WireError.SHUTTING_DOWN, "the server is shutting down", null);
    }
    for (Channel channel : channels) {
      channel.closeFuture().awaitUninterruptibly(remainingMillis(deadline));
    }
    shutdownGroups();
  }

  private void shutdownGroups() {
    Future<?> io = ioGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    Future<?> accept = acceptGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    io.awaitUninterruptibly(CLOSE_TIMEOUT.toMillis());
    accept.awaitUninterruptibly(CLOSE_TIMEOUT.toMillis());
  }

  private static long remainingMillis(long deadlineNanos) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
  }

  @Override
  public String toString() {
    return "SimulatorServer["
        + serverChannel.localAddress()
        + ", "
        + admission.admitted()
        + " connections]";
  }

  // ---- called by the connection handlers ----

  /**
   * Bytes all connections hold now against the memory budget (see {@link Builder#memoryBudget}):
   * answers their clients have not read, requests waiting, incomplete frames.
   */
  public long heldBytes() {
    return budget.total();
  }

  /** Connections closed because the server's memory budget ran out. */
  long budgetEvictions() {
    return budget.evictions();
  }

  /** Sets up a new connection's pipeline: encoder, decoder, handshake, guard. */
  void initConnection(Channel channel) {
    channels.add(channel);
    channel.closeFuture().addListener(f -> channels.remove(channel));
    MemoryBudget.Holding holding = budget.attach(channel);
    ChannelPipeline pipeline = channel.pipeline();
    pipeline.addLast("encoder", FrameEncoder.INSTANCE);
    pipeline.addLast("decoder", new FrameDecoder(holding));
    pipeline.addLast("handshake", new HandshakeHandler(this, guard, handshakeMillis, limits));
    pipeline.addLast("guard", guard);
  }

  /** Who is admitted as a new connection, and how many are. */
  ConnectionAdmission.Refusal admit(Channel channel) {
    if (closing) {
      return new ConnectionAdmission.Refusal(
          WireError.SHUTTING_DOWN, "the server is shutting down");
    }
    return admission.admit(channel);
  }

  /** The shared regions served, and their pollers' spin. */
  SharedRegionQuota sharedRegions() {
    return regions;
  }

  /** The host side of the named VM for a client at {@code client}, or null. */
  Backdoor lookup(String vmName, InetSocketAddress client) {
    return vms.apply(vmName, client);
  }

  /**
   * Settings of a {@link SimulatorServer}; {@link #start()} binds and returns the running server.
   */
  public static final class Builder {
    private final BiFunction<String, InetSocketAddress, ? extends Backdoor> vms;
    private InetAddress bindAddress = InetAddress.getLoopbackAddress();
    private int port;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(DEFAULT_READ_TIMEOUT_SECONDS);
    private int lowWaterMark = 64 * 1024;
    private int highWaterMark = 256 * 1024;
    private int maxQueuedAnswers = 1024;
    private int maxPipelinedRequests = 1024;
    private long memoryBudget = 64L * 1024 * 1024;
    private int ioThreads;
    private Duration spinBeforePark = Duration.ZERO;
    private Ticker ticker = Ticker.systemTicker();
    private BiConsumer<WireError, String> rejectionListener = (error, text) -> {};

    private Builder(BiFunction<String, InetSocketAddress, ? extends Backdoor> vms) {
      this.vms = checkNotNull(vms, "vms");
    }

    /**
     * The address to listen on; 127.0.0.1 unless set. Any other address exposes the simulator to
     * whoever can reach it, so it has to be asked for explicitly.
     */
    public Builder bindAddress(InetAddress address) {
      this.bindAddress = checkNotNull(address, "address");
      return this;
    }

    /** The TCP port; 0 (the default) picks a free one. */
    public Builder port(int port) {
      checkArgument(port >= 0 && port <= 65535, "port %s is outside 0..65535", port);
      this.port = port;
      return this;
    }

    /**
     * The most connections served at once (default {@value
     * SimulatorServer#DEFAULT_MAX_CONNECTIONS}); more are refused with {@link
     * WireError#TOO_MANY_CONNECTIONS}.
     */
    public Builder maxConnections(int maxConnections) {
      checkArgument(maxConnections > 0, "maxConnections must be positive: %s", maxConnections);
      this.maxConnections = maxConnections;
      return this;
    }

    /**
     * The most connections served at once from one client address (default {@value
     * SimulatorServer#DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}), so that one client cannot hold the
     * whole {@link #maxConnections} budget; more are refused with {@link
     * WireError#TOO_MANY_CONNECTIONS}.
     */
    public Builder maxConnectionsPerAddress(int maxConnections) {
      checkArgument(
          maxConnections > 0, "maxConnectionsPerAddress must be positive: %s", maxConnections);
      this.maxConnectionsPerAddress = maxConnections;
      return this;
    }

    /**
     * After the handshake, how long a connection may go without completing a request frame and
     * without taking any answer bytes (default {@value
     * SimulatorServer#DEFAULT_READ_TIMEOUT_SECONDS} s); then it gets {@link WireError#IDLE_TIMEOUT}
     * and is closed. A frame header whose body never comes, and a client that stops reading, end
     * this way too.
     */
    public Builder readTimeout(Duration timeout) {
      checkArgument(
          !timeout.isNegative() && !timeout.isZero(), "read timeout must be positive: %s", timeout);
      this.readTimeout = timeout;
      return this;
    }

    /**
     * The write buffer's water marks (default 64 KiB and 256 KiB): when a connection's unsent
     * answers exceed {@code high} bytes the server stops reading and carrying out its requests, and
     * starts again when they fall below {@code low}.
     */
    public Builder writeBufferWaterMark(int low, int high) {
      checkArgument(
          low > 0 && high >= low, "water marks must satisfy 0 < low <= high: %s, %s", low, high);
      this.lowWaterMark = low;
      this.highWaterMark = high;
      return this;
    }

    /**
     * The most answers of one connection written but not yet taken by its client (default 1024); at
     * this many the server carries out no more of its requests until the client reads.
     */
    public Builder maxQueuedAnswers(int answers) {
      checkArgument(answers > 0, "maxQueuedAnswers must be positive: %s", answers);
      this.maxQueuedAnswers = answers;
      return this;
    }

    /**
     * The most requests of one connection received and waiting to be carried out while its client
     * does not read its answers (default 1024); one more closes the connection with {@link
     * WireError#OVERLOADED}.
     */
    public Builder maxPipelinedRequests(int requests) {
      checkArgument(requests > 0, "maxPipelinedRequests must be positive: %s", requests);
      this.maxPipelinedRequests = requests;
      return this;
    }

    /**
     * The bytes all connections together may hold (default 64 MiB): answers not yet taken by their
     * clients, requests waiting, incomplete frames. When a connection takes the total over it, the
     * connection holding the most is closed with {@link WireError#OVERLOADED}.
     */
    public Builder memoryBudget(long bytes) {
      checkArgument(
          bytes >= WireProtocol.MAX_FRAME_LENGTH,
          "memory budget must hold at least one frame (%s bytes): %s",
          WireProtocol.MAX_FRAME_LENGTH,
          bytes);
      this.memoryBudget = bytes;
      return this;
    }

    /** The clock of the read timeout and of the refusal log's rate limit. For tests. */
    Builder ticker(Ticker ticker) {
      this.ticker = checkNotNull(ticker, "ticker");
      return this;
    }

    /** How long a new connection has to send its HELLO (default 10 s). */
    public Builder handshakeTimeout(Duration timeout) {
      checkArgument(
          !timeout.isNegative() && !timeout.isZero(),
          "handshake timeout must be positive: %s",
          timeout);
      this.handshakeTimeout = timeout;
      return this;
    }

    /**
     * Threads that serve the connections; 0 (the default) lets Netty choose (twice the processors).
     */
    public Builder ioThreads(int threads) {
      checkArgument(threads >= 0, "threads must not be negative: %s", threads);
      this.ioThreads = threads;
      return this;
    }

    /**
     * How long an I/O thread keeps polling its connections after its last request before it blocks
     * (default 0: it blocks at once). A guest that calls again within this time finds the thread
     * awake and saves a thread wake-up per call, at the price of that thread spinning on a core
     * while guests keep calling; docs/benchmarks.md (figure 10) says when it pays. Epoll only: on
     * the NIO transport the loops block as without it.
     *
     * <p>The same time is the spin of the pollers of shared regions (a trap helper on this machine,
     * {@code docs/wire-protocol.md} §12); at 0 they spin {@link SharedRegion#DEFAULT_SPIN} (50 µs)
     * after each answer, the most CPU such a channel takes per call while its guest is quiet.
     */
    public Builder spinBeforePark(Duration spin) {
      checkArgument(!spin.isNegative(), "spin must not be negative: %s", spin);
      checkArgument(
          spin.compareTo(Duration.ofSeconds(1)) <= 0, "spin must be at most 1 s: %s", spin);
      this.spinBeforePark = spin;
      return this;
    }

    /** Told of every rejection (error and text), on the connection's event loop. For tests. */
    Builder rejectionListener(BiConsumer<WireError, String> listener) {
      this.rejectionListener = checkNotNull(listener, "listener");
      return this;
    }

    /**
     * Binds the port and starts serving.
     *
     * @throws UncheckedIOException when the address cannot be bound (port in use, no such address)
     */
    public SimulatorServer start() {
      return new SimulatorServer(this);
    }
  }
}
