package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.internal.VmName;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Cuts the client's byte stream into frames and decodes each into a {@link ClientHello} or a {@link
 * Request}.
 *
 * <p>The length prefix is checked against {@link WireProtocol#MAX_FRAME_LENGTH} as soon as its four
 * bytes arrive, before any body is buffered. Any violation is a {@link WireProtocolException};
 * after the first one the decoder discards everything the connection still sends (the connection is
 * being closed). Input that ends in the middle of a frame is a violation too.
 */
final class FrameDecoder extends ByteToMessageDecoder {

  /** Set after the first violation: from then on every byte is discarded. */
  private boolean failed;

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed || ConnectionGuard.isRejected(ctx.channel())) {
      in.skipBytes(in.readableBytes());
      holdInput(ctx, in);
      return;
    }
    try {
      decodeFrame(in, out);
    } catch (WireProtocolException e) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw e;
    } finally {
      holdInput(ctx, in);
    }
  }

  /** Counts the bytes kept for an incomplete frame against the server's memory budget. */
  private static void holdInput(ChannelHandlerContext ctx, ByteBuf in) {
    MemoryBudget.Holding holding = MemoryBudget.of(ctx.channel());
    if (holding != null) {
      holding.input(in.readableBytes());
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    decode(ctx, in, out);
    if (!failed && in.isReadable()) {
      int have = in.readableBytes();
      String expected =
          have >= WireProtocol.LENGTH_PREFIX
              ? " of "
                  + (WireProtocol.LENGTH_PREFIX
                      + Integer.toUnsignedLong(in.getInt(in.readerIndex())))
              : "";
      failed = true;
      in.skipBytes(have);
      throw new WireProtocolException(
          WireError.MALFORMED_FRAME,
          "input ended in the middle of a frame (" + have + expected + " bytes received)");
    }
  }

  /** Decodes one frame if it is complete; leaves the buffer untouched otherwise. */
  private static void decodeFrame(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < WireProtocol.LENGTH_PREFIX) {
      return;
    }
    long length = Integer.toUnsignedLong(in.getInt(in.readerIndex()));
    if (length > WireProtocol.MAX_FRAME_LENGTH) {
      throw new WireProtocolException(
          WireError.FRAME_TOO_LARGE,
          "frame length " + length + " exceeds the limit of " + WireProtocol.MAX_FRAME_LENGTH);
    }
    if (length == 0) {
      throw new WireProtocolException(WireError.MALFORMED_FRAME, "frame length 0 (no frame type)");
    }
    if (in.readableBytes() < WireProtocol.LENGTH_PREFIX + length) {
      return;
    }
    in.skipBytes(WireProtocol.LENGTH_PREFIX);
    ByteBuf frame = in.readSlice((int) length);
    int type = frame.readUnsignedByte();
    switch (type) {
      case WireProtocol.HELLO:
        out.add(decodeHello(frame));
        break;
      case WireProtocol.IN:
        out.add(decodeRequest(TraceCall.Operation.IN, frame));
        break;
      case WireProtocol.OUTS:
        out.add(decodeRequest(TraceCall.Operation.OUTS, frame));
        break;
      case WireProtocol.INS:
        out.add(decodeRequest(TraceCall.Operation.INS, frame));
        break;
      case WireProtocol.HELLO_OK:
      case WireProtocol.IN_RESPONSE:
      case WireProtocol.OUTS_RESPONSE:
      case WireProtocol.INS_RESPONSE:
      case WireProtocol.ERROR:
        throw new WireProtocolException(
            WireError.UNEXPECTED_FRAME,
            "frame type " + WireProtocol.typeName(type) + " is sent by the server, not the client");
      default:
        throw new WireProtocolException(
            WireError.MALFORMED_FRAME, "unknown frame type " + WireProtocol.typeName(type));
    }
  }

  private static ClientHello decodeHello(ByteBuf frame) {
    // The magic and the version are checked first: their place is the same in every version.
    if (frame.readableBytes() < 4) {
      throw malformed("HELLO of " + (frame.readableBytes() + 1) + " bytes is too short");
    }
    int magic = frame.readInt();
    if (magic != WireProtocol.MAGIC) {
      throw new WireProtocolException(
          WireError.BAD_MAGIC,
          String.format(
              "HELLO magic is 0x%08x, expected 0x%08x (\"VMBD\")", magic, WireProtocol.MAGIC));
    }
    if (frame.readableBytes() < 2) {
      throw malformed("HELLO ends before its version");
    }
    int version = frame.readUnsignedShort();
    if (version != WireProtocol.VERSION) {
      throw new WireProtocolException(
          WireError.UNSUPPORTED_VERSION,
          "protocol version "
              + version
              + " is not supported; this server speaks version "
              + WireProtocol.VERSION);
    }
    if (frame.readableBytes() < 2) {
      throw malformed("HELLO ends before its name length");
    }
    int nameLength = frame.readUnsignedShort();
    if (nameLength == 0 || nameLength > WireProtocol.MAX_VM_NAME) {
      throw malformed(
          "VM name length " + nameLength + " is outside 1.." + WireProtocol.MAX_VM_NAME);
    }
    if (frame.readableBytes() != nameLength) {
      throw malformed(
          "HELLO carries "
              + frame.readableBytes()
              + " name bytes, its name length says "
              + nameLength);
    }
    String name;
    try {
      name =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(readBytes(frame, nameLength)))
              .toString();
    } catch (CharacterCodingException e) {
      throw malformed("VM name is not valid UTF-8");
    }
    Optional<String> problem = VmName.problem(name);
    if (problem.isPresent()) {
      throw malformed(problem.get());
    }
    return new ClientHello(name);
  }

  private static Request decodeRequest(TraceCall.Operation operation, ByteBuf frame) {
    int bodyLength = frame.readableBytes();
    int fixed = WireProtocol.OPERATION_LENGTH - 1;
    if (bodyLength < fixed) {
      throw malformed(
          operation
              + " frame of "
              + (bodyLength + 1)
              + " bytes is shorter than "
              + WireProtocol.OPERATION_LENGTH);
    }
    int sequence = frame.readInt();
    Registers registers =
        Registers.of(
            frame.readInt(),
            frame.readInt(),
            frame.readInt(),
            frame.readInt(),
            frame.readInt(),
            frame.readInt(),
            frame.readInt());
    long count = Integer.toUnsignedLong(registers.ecx());
    if (operation == TraceCall.Operation.OUTS) {
      if (count != frame.readableBytes()) {
        throw malformed("OUTS carries " + frame.readableBytes() + " bytes but ecx says " + count);
      }
      return new Request(operation, sequence, registers, readBytes(frame, (int) count));
    }
    if (operation == TraceCall.Operation.INS && count > WireProtocol.MAX_TRANSFER) {
      throw new WireProtocolException(
          WireError.FRAME_TOO_LARGE,
          "INS of " + count + " bytes exceeds the transfer limit of " + WireProtocol.MAX_TRANSFER);
    }
    if (frame.isReadable()) {
      throw malformed(
          operation + " frame has " + frame.readableBytes() + " bytes after the registers");
    }
    return new Request(operation, sequence, registers, null);
  }

  private static byte[] readBytes(ByteBuf frame, int count) {
    byte[] bytes = new byte[count];
    frame.readBytes(bytes);
    return bytes;
  }

  private static WireProtocolException malformed(String message) {
    return new WireProtocolException(WireError.MALFORMED_FRAME, message);
  }
}
