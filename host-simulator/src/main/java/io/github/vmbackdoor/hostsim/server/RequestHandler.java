package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.GuestConnection;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * The established state of a connection: carries out each request on the VM's host-side {@link
 * Backdoor} and writes the response, in order. Responses are flushed when the read that brought the
 * requests is complete; while the client does not read its responses, the connection stops reading
 * requests.
 *
 * <p>When the host side is a {@link GuestConnection} and a fault delays an answer, the answer is
 * written that much later by a task on the connection's event loop (never by sleeping on it); the
 * connection's later requests wait for it, so answers keep their order, while other connections go
 * on. When the connection ends, the guest connection is told ({@link
 * GuestConnection#disconnect()}).
 *
 * <p>A host that throws is a fault of the simulator, not of the client: the connection gets {@link
 * WireError#INTERNAL_ERROR} and is closed, and no other connection notices.
 */
final class RequestHandler extends ChannelInboundHandlerAdapter {

  private final Backdoor backdoor;
  private final ConnectionGuard guard;

  /** Requests that arrived while a delayed answer was held back, in order. */
  private final Queue<Request> waiting = new ArrayDeque<>();

  private boolean holding;

  /** The client shut down its sending side while an answer was held back. */
  private boolean inputEnded;

  RequestHandler(Backdoor backdoor, ConnectionGuard guard) {
    this.backdoor = backdoor;
    this.guard = guard;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Channel channel = ctx.channel();
    if (ConnectionGuard.isRejected(channel)) {
      return;
    }
    if (!(msg instanceof Request)) {
      guard.reject(channel, WireError.UNEXPECTED_FRAME, "a second HELLO", null);
      return;
    }
    Request request = (Request) msg;
    if (holding) {
      waiting.add(request);
      return;
    }
    serve(ctx, request);
  }

  /** Carries out one request; its answer is written now, or later when the host delays it. */
  private void serve(ChannelHandlerContext ctx, Request request) {
    Channel channel = ctx.channel();
    ServerFrame response;
    try {
      response = execute(request);
    } catch (RuntimeException e) {
      guard.reject(
          channel,
          WireError.INTERNAL_ERROR,
          "the host failed on " + request.operation() + ": " + e,
          e);
      return;
    }
    Duration delay =
        backdoor instanceof GuestConnection guest ? guest.answerDelay() : Duration.ZERO;
    if (delay.isZero()) {
      ctx.write(response);
      if (!channel.isWritable()) {
        channel.config().setAutoRead(false);
      }
      return;
    }
    holding = true;
    channel.config().setAutoRead(false);
    ctx.flush();
    ctx.executor().schedule(() -> release(ctx, response), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Writes a held-back answer, then serves the requests that waited for it. */
  private void release(ChannelHandlerContext ctx, ServerFrame response) {
    Channel channel = ctx.channel();
    holding = false;
    if (!channel.isActive() || ConnectionGuard.isRejected(channel)) {
      waiting.clear();
      return;
    }
    ctx.write(response);
    while (!holding && !waiting.isEmpty()) {
      serve(ctx, waiting.poll());
    }
    ctx.flush();
    if (!holding && inputEnded) {
      ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    } else if (!holding && channel.isWritable()) {
      channel.config().setAutoRead(true);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent && holding) {
      inputEnded = true;
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    waiting.clear();
    if (backdoor instanceof GuestConnection guest) {
      guest.disconnect();
    }
    ctx.fireChannelInactive();
  }

  private ServerFrame execute(Request request) {
    Registers registers = request.registers();
    switch (request.operation()) {
      case IN:
        return response(request, WireProtocol.carriable(registers, backdoor.in(registers)), null);
      case OUTS:
        return response(request, backdoor.outs(registers, request.bytes()), null);
      case INS:
        byte[] into = new byte[registers.ecx()];
        return response(request, backdoor.ins(registers, into), into);
      default:
        throw new AssertionError(request.operation());
    }
  }

  private static ServerFrame response(Request request, Registers registers, byte[] bytes) {
    if (registers == null) {
      throw new NullPointerException("the host returned no registers");
    }
    return ServerFrame.response(request.operation(), request.sequence(), registers, bytes);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && !holding) {
      ctx.channel().config().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }
}
