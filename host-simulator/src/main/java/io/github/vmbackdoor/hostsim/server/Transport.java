package io.github.vmbackdoor.hostsim.server;

import io.netty.channel.DefaultSelectStrategyFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.ThreadFactory;

/**
 * The server's socket transport: Netty's native epoll transport where its library loads (Linux on
 * x86-64), else the portable NIO one. Epoll answers a request with one {@code epoll_wait} and no
 * selector bookkeeping; NIO works everywhere. {@code -Dvmbackdoor.transport=nio} forces NIO.
 */
enum Transport {
  EPOLL,
  NIO;

  /** The transport this process uses. */
  static final Transport CHOSEN =
      !"nio".equals(System.getProperty("vmbackdoor.transport")) && Epoll.isAvailable()
          ? EPOLL
          : NIO;

  /** Whether this transport's loops spin for {@code spinNanos} before they park. */
  boolean spins(long spinNanos) {
    return spinNanos > 0 && this == EPOLL;
  }

  /**
   * Event loops that block as soon as they have nothing to do, or, with {@code spinNanos > 0} on
   * epoll, poll that long after their last work first ({@link SpinBeforePark}). NIO never spins:
   * Netty's NIO loop takes a run of empty polls for the JDK's selector bug and rebuilds its
   * selector after 512 of them.
   */
  EventLoopGroup group(int threads, ThreadFactory factory, long spinNanos) {
    SelectStrategyFactory strategy =
        spins(spinNanos)
            ? () -> new SpinBeforePark(spinNanos)
            : DefaultSelectStrategyFactory.INSTANCE;
    return switch (this) {
      case EPOLL -> new EpollEventLoopGroup(threads, factory, strategy);
      case NIO -> new NioEventLoopGroup(threads, factory, SelectorProvider.provider(), strategy);
    };
  }

  Class<? extends ServerChannel> serverChannel() {
    return switch (this) {
      case EPOLL -> EpollServerSocketChannel.class;
      case NIO -> NioServerSocketChannel.class;
    };
  }
}
