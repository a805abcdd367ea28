package io.github.vmbackdoor.hostsim.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
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

  EventLoopGroup group(int threads, ThreadFactory factory) {
    return switch (this) {
      case EPOLL -> new EpollEventLoopGroup(threads, factory);
      case NIO -> new NioEventLoopGroup(threads, factory);
    };
  }

  Class<? extends ServerChannel> serverChannel() {
    return switch (this) {
      case EPOLL -> EpollServerSocketChannel.class;
      case NIO -> NioServerSocketChannel.class;
    };
  }
}
