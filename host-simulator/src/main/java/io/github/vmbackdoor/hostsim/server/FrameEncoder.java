package io.github.vmbackdoor.hostsim.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Writes {@link ServerFrame}s into buffers sized exactly for them. Stateless, shared by all
 * connections.
 */
@Sharable
final class FrameEncoder extends MessageToByteEncoder<ServerFrame> {

  static final FrameEncoder INSTANCE = new FrameEncoder();

  private FrameEncoder() {
    super(ServerFrame.class);
  }

  @Override
  protected ByteBuf allocateBuffer(
      ChannelHandlerContext ctx, ServerFrame frame, boolean preferDirect) {
    return preferDirect
        ? ctx.alloc().ioBuffer(frame.wireLength())
        : ctx.alloc().heapBuffer(frame.wireLength());
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, ServerFrame frame, ByteBuf out) {
    frame.writeTo(out);
  }
}
