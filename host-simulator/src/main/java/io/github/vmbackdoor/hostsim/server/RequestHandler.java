package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.Registers;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The established state of a connection: carries out each request on the VM's host-side {@link
 * Backdoor} and writes the response, in order. Responses are flushed when the read that brought the
 * requests is complete; while the client does not read its responses, the connection stops reading
 * requests.
 *
 * <p>A host that throws is a fault of the simulator, not of the client: the connection gets {@link
 * WireError#INTERNAL_ERROR} and is closed, and no other connection notices.
 */
final class RequestHandler extends ChannelInboundHandlerAdapter {

  private final Backdoor backdoor;
  private final ConnectionGuard guard;

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
    ctx.write(response);
    if (!channel.isWritable()) {
      channel.config().setAutoRead(false);
    }
  }

  private ServerFrame execute(Request request) {
    Registers registers = request.registers();
    switch (request.operation()) {
      case IN:
        return response(request, backdoor.in(registers), null);
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
    if (ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }
}
