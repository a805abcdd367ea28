package io.github.vmbackdoor.hostsim.server;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.github.vmbackdoor.core.Backdoor;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
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
 * handshake timeout) gets an ERROR frame and is closed; no other connection is affected. {@link
 * #close()} stops accepting, tells every connection that the server is shutting down, closes them
 * and releases the threads.
 *
 * <pre>{@code
 * try (SimulatorServer server = SimulatorServer.builder(name -> hosts.get(name)).start()) {
 *   Backdoor guest = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm1");
 *   ...
 * }
 * }</pre>
 */
public final class SimulatorServer implements AutoCloseable {

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final Function<String, ? extends Backdoor> vms;
  private final int maxConnections;
  private final long handshakeMillis;
  private final ConnectionGuard guard;
  private final EventLoopGroup acceptGroup;
  private final EventLoopGroup ioGroup;
  private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
  private final AtomicInteger admitted = new AtomicInteger();
  private final Channel serverChannel;
  private volatile boolean closing;

  private SimulatorServer(Builder builder) {
    this.vms = builder.vms;
    this.maxConnections = builder.maxConnections;
    this.guard = new ConnectionGuard(builder.rejectionListener);
    this.handshakeMillis = Math.max(1, builder.handshakeTimeout.toMillis());
    this.acceptGroup =
        Transport.CHOSEN.group(1, new DefaultThreadFactory("vmbackdoor-accept", true));
    this.ioGroup =
        Transport.CHOSEN.group(builder.ioThreads, new DefaultThreadFactory("vmbackdoor-io", true));
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(acceptGroup, ioGroup)
            .channel(Transport.CHOSEN.serverChannel())
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
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
   */
  public static Builder builder(Function<String, ? extends Backdoor> vms) {
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
    return admitted.get();
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
        + admitted.get()
        + " connections]";
  }

  // ---- called by the connection handlers ----

  /** Sets up a new connection's pipeline: encoder, decoder, handshake, guard. */
  void initConnection(Channel channel) {
    channels.add(channel);
    channel.closeFuture().addListener(f -> channels.remove(channel));
    ChannelPipeline pipeline = channel.pipeline();
    pipeline.addLast("encoder", FrameEncoder.INSTANCE);
    pipeline.addLast("decoder", new FrameDecoder());
    pipeline.addLast("handshake", new HandshakeHandler(this, guard, handshakeMillis));
    pipeline.addLast("guard", guard);
  }

  int maxConnections() {
    return maxConnections;
  }

  /** Counts a new connection in; returns why it is refused, or null when it is admitted. */
  WireError admit(Channel channel) {
    if (closing) {
      return WireError.SHUTTING_DOWN;
    }
    if (admitted.incrementAndGet() > maxConnections) {
      admitted.decrementAndGet();
      return WireError.TOO_MANY_CONNECTIONS;
    }
    channel.closeFuture().addListener(f -> admitted.decrementAndGet());
    return null;
  }

  /** The host side of the named VM, or null. */
  Backdoor lookup(String vmName) {
    return vms.apply(vmName);
  }

  /**
   * Settings of a {@link SimulatorServer}; {@link #start()} binds and returns the running server.
   */
  public static final class Builder {
    private final Function<String, ? extends Backdoor> vms;
    private InetAddress bindAddress = InetAddress.getLoopbackAddress();
    private int port;
    private int maxConnections = 1024;
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private int ioThreads;
    private BiConsumer<WireError, String> rejectionListener = (error, text) -> {};

    private Builder(Function<String, ? extends Backdoor> vms) {
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
     * The most connections served at once (default 1024); more are refused with {@link
     * WireError#TOO_MANY_CONNECTIONS}.
     */
    public Builder maxConnections(int maxConnections) {
      checkArgument(maxConnections > 0, "maxConnections must be positive: %s", maxConnections);
      this.maxConnections = maxConnections;
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
