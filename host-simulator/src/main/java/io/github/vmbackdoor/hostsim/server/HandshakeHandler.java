package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.Backdoor;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The first state of a connection: admits it (connection limit, shutdown), waits for the client's
 * HELLO for at most the handshake timeout, finds the VM the HELLO names, answers HELLO_OK and
 * replaces itself with a {@link RequestHandler} for that VM.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {

  private final SimulatorServer server;
  private final ConnectionGuard guard;
  private final long timeoutMillis;
  private final ConnectionLimits limits;
  private boolean started;
  private ScheduledFuture<?> timeout;

  HandshakeHandler(
      SimulatorServer server, ConnectionGuard guard, long timeoutMillis, ConnectionLimits limits) {
    this.server = server;
    this.limits = limits;
    this.guard = guard;
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start(ctx);
    ctx.fireChannelActive();
  }

  private void start(ChannelHandlerContext ctx) {
    if (started) {
      return;
    }
    started = true;
    Channel channel = ctx.channel();
    ConnectionAdmission.Refusal refusal = server.admit(channel);
    if (refusal != null) {
      guard.reject(channel, refusal.error(), refusal.text(), null);
      return;
    }
    timeout =
        ctx.executor()
            .schedule(
                () ->
                    guard.reject(
                        channel,
                        WireError.HANDSHAKE_TIMEOUT,
                        "no HELLO within " + timeoutMillis + " ms",
                        null),
                timeoutMillis,
                TimeUnit.MILLISECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancelTimeout();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelTimeout();
    ctx.fireChannelInactive();
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Channel channel = ctx.channel();
    if (ConnectionGuard.isRejected(channel)) {
      return;
    }
    if (!(msg instanceof ClientHello)) {
      guard.reject(channel, WireError.UNEXPECTED_FRAME, "a request before HELLO", null);
      return;
    }
    String vmName = ((ClientHello) msg).vmName();
    Backdoor backdoor;
    try {
      backdoor =
          server.lookup(
              vmName, channel.remoteAddress() instanceof InetSocketAddress client ? client : null);
    } catch (RuntimeException e) {
      guard.reject(
          channel,
          WireError.INTERNAL_ERROR,
          "looking up VM " + SafeText.quote(vmName) + " failed: " + e,
          e);
      return;
    }
    if (backdoor == null) {
      guard.reject(channel, WireError.UNKNOWN_VM, "no VM named " + SafeText.quote(vmName), null);
      return;
    }
    RequestHandler established = new RequestHandler(backdoor, guard, limits, server);
    // The shared region's poller leaves the host side before the host side is closed.
    channel.closeFuture().addListener(f -> established.stopSharedMemory());
    if (backdoor instanceof AutoCloseable closeable) {
      channel.closeFuture().addListener(f -> closeable.close());
    }
    cancelTimeout();
    ConnectionGuard.setVmName(channel, vmName);
    // The established state (and its read timeout) starts before the client can see HELLO_OK.
    ctx.pipeline().replace(this, "request", established);
    channel.writeAndFlush(ServerFrame.helloOk());
  }
}
