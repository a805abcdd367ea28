package io.github.vmbackdoor.hostsim.admin;

import com.google.common.base.Preconditions;
import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The admin API: HTTP/1.1 with JSON bodies on a port of its own, to drive a running simulator's VMs
 * from any language (docs/admin-api.md): list them, trigger host events in the words of scenario
 * files, read and write guestinfo, read the calls and RPCI requests, take the next RPCI request,
 * reset a VM, play a scenario's timeline.
 *
 * <p>It binds to 127.0.0.1 unless {@link Builder#bindAddress} says otherwise. Every request carries
 * the server's token ({@link #token()}) and names the address it reached as its {@code Host}; a web
 * page's {@code Origin} and a body of another type than {@code text/x-vmbackdoor} are refused
 * (docs/admin-api.md, "Security"). Requests run on the server's own threads; a waiting {@code take}
 * holds no thread.
 *
 * <pre>{@code
 * try (AdminServer admin = AdminServer.builder(List.of(vm)).start()) {
 *   // curl -H "Authorization: Bearer <admin.token()>" -H 'Content-Type: text/x-vmbackdoor' \
 *   //   -d 'checkpoint' http://127.0.0.1:<admin.port()>/vms/vm1/events
 * }
 * }</pre>
 */
public final class AdminServer implements AutoCloseable {

  /** Largest request body accepted (a scenario file, a guestinfo value). */
  public static final int MAX_BODY_BYTES = 1 << 20;

  /** Default of {@link Builder#maxConnections}. */
  public static final int DEFAULT_MAX_CONNECTIONS = 64;

  /** Default of {@link Builder#readTimeout}. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

  /** Default of {@link Builder#bodyBudget}: the bodies of all connections together. */
  public static final long DEFAULT_BODY_BUDGET = 16L << 20;

  private final EventLoopGroup group;
  private final Channel serverChannel;
  private final String token;
  private final AtomicLong bodyBudget;
  private final long bodyBudgetSize;
  private final AtomicInteger connections = new AtomicInteger();
  private final int maxConnections;

  private AdminServer(Builder b) {
    this.token = b.token;
    this.bodyBudget = new AtomicLong(b.bodyBudget);
    this.bodyBudgetSize = b.bodyBudget;
    this.group = new NioEventLoopGroup(1, new DefaultThreadFactory("vmbackdoor-admin", true));
    Scheduler timeline =
        b.timeline != null
            ? Scheduler.of(b.timeline)
            : (at, action) -> {
              var future = group.schedule(action, at.toNanos(), TimeUnit.NANOSECONDS);
              return () -> future.cancel(false);
            };
    AdminRoutes routes = new AdminRoutes(ImmutableMap.copyOf(b.vms), b.ticker, timeline);
    ImmutableSet<String> origins = ImmutableSet.copyOf(b.allowedOrigins);
    this.maxConnections = b.maxConnections;
    Duration readTimeout = b.readTimeout;
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            // bodies on the heap: the admin API never takes the direct memory guests' I/O uses
            .childOption(ChannelOption.ALLOCATOR, new UnpooledByteBufAllocator(false))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    if (!admit()) {
                      channel.config().setOption(ChannelOption.SO_LINGER, 0);
                      channel.close();
                      return;
                    }
                    channel.closeFuture().addListener(f -> connections.decrementAndGet());
                    AdminGate gate = new AdminGate(b.token, origins, MAX_BODY_BYTES, bodyBudget);
                    channel
                        .pipeline()
                        .addLast(new HttpServerCodec(4096, 8192, 8192))
                        .addLast(gate)
                        .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                        .addLast(new AdminHandler(routes, gate, readTimeout));
                  }
                });
    ChannelFuture bind = bootstrap.bind(b.bindAddress, b.port).awaitUninterruptibly();
    if (!bind.isSuccess()) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
      String where = b.bindAddress.getHostAddress() + ":" + b.port;
      Throwable cause = bind.cause();
      if (cause instanceof IOException io) {
        throw new UncheckedIOException(
            "admin API cannot listen on " + where + ": " + io.getMessage(), io);
      }
      throw new IllegalStateException("admin API cannot listen on " + where, cause);
    }
    this.serverChannel = bind.channel();
  }

  /** A builder for an admin API over these VMs. */
  public static Builder builder(Collection<ServedVm> vms) {
    return new Builder(vms);
  }

  /** The port it listens on. */
  public int port() {
    return address().getPort();
  }

  /** The address and port it listens on. */
  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /**
   * The token every request carries in its {@code Authorization: Bearer} header: the one given to
   * {@link Builder#token}, or a random one.
   */
  public String token() {
    return token;
  }

  /** Counts a new connection in unless the cap is reached. */
  private boolean admit() {
    for (int n = connections.get(); n < maxConnections; n = connections.get()) {
      if (connections.compareAndSet(n, n + 1)) {
        return true;
      }
    }
    return false;
  }

  /** The admin connections open now. */
  int connections() {
    return connections.get();
  }

  /** The bytes of request bodies reserved now, on all connections. */
  long heldBodyBytes() {
    return bodyBudgetSize - bodyBudget.get();
  }

  /** Stops listening, closes the connections and stops its thread and pending timelines. */
  @Override
  public void close() {
    serverChannel.close().awaitUninterruptibly(5_000);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
  }

  @Override
  public String toString() {
    return "AdminServer[" + serverChannel.localAddress() + "]";
  }

  /** Settings of an {@link AdminServer}; {@link #start()} binds it. */
  public static final class Builder {
    private final Map<String, ServedVm> vms = new LinkedHashMap<>();
    private InetAddress bindAddress = InetAddress.getLoopbackAddress();
    private int port;
    private Ticker ticker = Ticker.systemTicker();
    private BiConsumer<Duration, Runnable> timeline;
    private String token = AdminToken.generate();
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private long bodyBudget = DEFAULT_BODY_BUDGET;
    private final Set<String> allowedOrigins = new LinkedHashSet<>();

    private Builder(Collection<ServedVm> vms) {
      for (ServedVm vm : vms) {
        Preconditions.checkArgument(
            this.vms.put(vm.name(), vm) == null, "two VMs named '%s'", vm.name());
      }
    }

    /** The address to listen on (default: the loopback address). */
    public Builder bindAddress(InetAddress address) {
      this.bindAddress = Preconditions.checkNotNull(address, "address");
      return this;
    }

    /** The port to listen on; 0 (the default) picks a free one. */
    public Builder port(int port) {
      Preconditions.checkArgument(port >= 0 && port <= 65535, "port %s is outside 0..65535", port);
      this.port = port;
      return this;
    }

    /**
     * The ticker that times played scenarios (default: the system's); a {@code take} waits in real
     * time, on the server's own timer.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Preconditions.checkNotNull(ticker, "ticker");
      return this;
    }

    /**
     * What runs a played scenario's events at their times from now (default: the server's own
     * timer, in real time).
     */
    public Builder timeline(BiConsumer<Duration, Runnable> scheduler) {
      this.timeline = Preconditions.checkNotNull(scheduler, "scheduler");
      return this;
    }

    /**
     * The token every request must carry (default: 256 random bits, {@link AdminServer#token()});
     * 16 to 512 visible ASCII characters.
     */
    public Builder token(String token) {
      Preconditions.checkArgument(
          AdminToken.plausible(token), "a token is 16 to 512 visible ASCII characters");
      this.token = token;
      return this;
    }

    /**
     * Accepts requests that carry this {@code Origin} header ({@code http://host:port}), from a web
     * page the operator trusts; requests with any other {@code Origin} are refused.
     */
    public Builder allowOrigin(String origin) {
      Preconditions.checkArgument(
          origin != null && origin.matches("https?://[^/\\s]+"),
          "an origin is scheme://host[:port], not '%s'",
          origin);
      allowedOrigins.add(origin.toLowerCase(Locale.ROOT));
      return this;
    }

    /**
     * Most admin connections open at once (default {@value #DEFAULT_MAX_CONNECTIONS}); more are
     * closed as soon as they are accepted.
     */
    public Builder maxConnections(int max) {
      Preconditions.checkArgument(max >= 1, "maxConnections %s is less than 1", max);
      this.maxConnections = max;
      return this;
    }

    /**
     * How long a connection may go without completing a request while it is owed no reply (default
     * 30 s); then it is closed.
     */
    public Builder readTimeout(Duration timeout) {
      Preconditions.checkArgument(
          !timeout.isNegative() && !timeout.isZero(), "readTimeout %s is not positive", timeout);
      this.readTimeout = timeout;
      return this;
    }

    /**
     * The bytes of request bodies all connections may hold at once (default 16 MiB): a request's
     * announced Content-Length is reserved before its body is read, and a request that does not fit
     * is refused with 503.
     */
    public Builder bodyBudget(long bytes) {
      Preconditions.checkArgument(
          bytes >= MAX_BODY_BYTES,
          "bodyBudget %s is less than one body (%s)",
          bytes,
          MAX_BODY_BYTES);
      this.bodyBudget = bytes;
      return this;
    }

    /** Binds and returns the running server. */
    public AdminServer start() {
      return new AdminServer(this);
    }
  }
}
