package io.github.vmbackdoor.hostsim.server;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import com.google.common.base.Ticker;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of every connection, and the one place that rejects a connection: it sends the
 * ERROR frame, closes the connection, counts the rejection and logs it, once per connection however
 * many bad bytes follow, and at most {@value #LOG_LINES_PER_SECOND} lines a second for the whole
 * server. A client that does not read its ERROR frame (its unread answers fill the connection's
 * write buffer) is cut off at once, one that reads slowly after {@value #CLOSE_GRACE_MILLIS} ms.
 *
 * <p>Every exception that reaches the end of the pipeline ends here, so nothing a client sends
 * escapes onto the event loop: a {@link WireProtocolException} becomes its error code, an I/O error
 * (the peer reset the connection) a quiet close, anything else {@link WireError#INTERNAL_ERROR}. A
 * client that shuts down its output after whole frames is closed quietly once the responses are
 * written.
 */
@Sharable
final class ConnectionGuard extends ChannelInboundHandlerAdapter {

  private static final Logger logger = LoggerFactory.getLogger(SimulatorServer.class);

  private static final AttributeKey<Boolean> REJECTED =
      AttributeKey.valueOf(ConnectionGuard.class, "rejected");
  private static final AttributeKey<String> VM_NAME =
      AttributeKey.valueOf(ConnectionGuard.class, "vmName");

  /** Refusal log lines per second, at most; the rest are counted ({@link RefusalLog}). */
  static final int LOG_LINES_PER_SECOND = 20;

  /** How long a rejected client has to read its ERROR frame before the connection is cut. */
  static final long CLOSE_GRACE_MILLIS = 1000;

  private final AtomicLong rejections = new AtomicLong();
  private final BiConsumer<WireError, String> rejectionListener;
  private final RefusalLog refusals;

  ConnectionGuard(BiConsumer<WireError, String> rejectionListener, Ticker ticker) {
    this.rejectionListener = rejectionListener;
    this.refusals = new RefusalLog(ticker, LOG_LINES_PER_SECOND, logger::info);
  }

  /** Whether the connection has been rejected (it is closing; its input is discarded). */
  static boolean isRejected(Channel channel) {
    return channel.hasAttr(REJECTED);
  }

  /** Records the VM a connection serves, for log lines. */
  static void setVmName(Channel channel, String vmName) {
    channel.attr(VM_NAME).set(vmName);
  }

  long rejections() {
    return rejections.get();
  }

  /**
   * Sends the ERROR frame and closes the connection; does nothing if it was rejected before. May be
   * called from any thread.
   */
  void reject(Channel channel, WireError error, String text, Throwable cause) {
    if (!channel.eventLoop().inEventLoop()) {
      channel.eventLoop().execute(() -> reject(channel, error, text, cause));
      return;
    }
    if (channel.attr(REJECTED).setIfAbsent(Boolean.TRUE) != null) {
      return;
    }
    rejections.incrementAndGet();
    log(channel, error, text, cause);
    try {
      rejectionListener.accept(error, text);
    } catch (RuntimeException e) {
      logger.warn("rejection listener failed", e);
    }
    if (!channel.isActive()) {
      channel.close();
      return;
    }
    boolean readsItsAnswers = channel.isWritable();
    channel.writeAndFlush(ServerFrame.error(error, text)).addListener(ChannelFutureListener.CLOSE);
    if (readsItsAnswers) {
      // A client that stops reading now still loses the connection, a little later.
      channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_MILLIS, MILLISECONDS);
    } else {
      // Its unread answers are in the way: the ERROR frame cannot reach it, and the memory they
      // hold is released now.
      channel.close();
    }
  }

  private void log(Channel channel, WireError error, String text, Throwable cause) {
    String vmName = channel.attr(VM_NAME).get();
    String who =
        "connection "
            + channel.remoteAddress()
            + (vmName == null ? "" : " (vm " + SafeText.quote(vmName) + ")");
    if (error == WireError.INTERNAL_ERROR) {
      logger.warn("{} closed: {}: {}", who, error, text, cause);
    } else if (error == WireError.SHUTTING_DOWN) {
      logger.debug("{} closed: {}: {}", who, error, text);
    } else if (logger.isInfoEnabled()) {
      refusals.log(who + " rejected: " + error + ": " + text);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Channel channel = ctx.channel();
    if (cause instanceof WireProtocolException) {
      WireProtocolException e = (WireProtocolException) cause;
      reject(channel, e.error(), e.getMessage(), null);
    } else if (cause instanceof IOException) {
      if (!isRejected(channel)) {
        logger.debug("connection {} failed: {}", channel.remoteAddress(), cause.toString());
      }
      channel.close();
    } else {
      reject(channel, WireError.INTERNAL_ERROR, "internal error: " + cause, cause);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      // The client sent its last frame; close once the responses already written are flushed.
      if (!isRejected(ctx.channel())) {
        ctx.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // Nothing should arrive here; release it rather than leak it.
    ReferenceCountUtil.release(msg);
  }
}
