package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.internal.VmName;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

  /** The request the next frame is decoded into, unless it still waits to be carried out. */
  private Request spare;

  /** What the connection holds against the server's memory budget; null when it has none. */
  private final MemoryBudget.Holding holding;

  /**
   * @param holding what the connection holds against the server's memory budget (the bytes of an
   *     incomplete frame are counted in it), or null
   */
  FrameDecoder(MemoryBudget.Holding holding) {
    this.holding = holding;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed || ConnectionGuard.isRejected(ctx.channel())) {
      in.skipBytes(in.readableBytes());
      holdInput(in);
      return;
    }
    try {
      decodeFrame(in, out);
    } catch (WireProtocolException e) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw e;
    } finally {
      holdInput(in);
    }
  }

  /** Counts the bytes kept for an incomplete frame against the server's memory budget. */
  private void holdInput(ByteBuf in) {
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
  private void decodeFrame(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < WireProtocol.LENGTH_PREFIX) {
      return;
    }
    int start = in.readerIndex();
    long length = Integer.toUnsignedLong(in.getInt(start));
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
    int type = in.getUnsignedByte(start + WireProtocol.LENGTH_PREFIX);
    switch (type) {
      case WireProtocol.HELLO:
        in.skipBytes(WireProtocol.LENGTH_PREFIX);
        ByteBuf frame = in.readSlice((int) length);
        frame.skipBytes(1);
        out.add(decodeHello(frame));
        break;
      case WireProtocol.IN:
        out.add(decodeRequest(TraceCall.Operation.IN, in, (int) length));
        break;
      case WireProtocol.OUTS:
        out.add(decodeRequest(TraceCall.Operation.OUTS, in, (int) length));
        break;
      case WireProtocol.INS:
        out.add(decodeRequest(TraceCall.Operation.INS, in, (int) length));
        break;
      case WireProtocol.SHM_OFFER:
        in.skipBytes(WireProtocol.LENGTH_PREFIX);
        ByteBuf offer = in.readSlice((int) length);
        offer.skipBytes(1);
        out.add(decodeOffer(offer));
        break;
      case WireProtocol.DOORBELL:
        if (length != 1) {
          throw malformed("DOORBELL of " + length + " bytes (it is the type byte alone)");
        }
        in.skipBytes(WireProtocol.LENGTH_PREFIX + 1);
        out.add(SharedRegion.DOORBELL);
        break;
      case WireProtocol.HELLO_OK:
      case WireProtocol.SHM_OK:
      case WireProtocol.SERVER_DOORBELL:
      case WireProtocol.SHM_REFUSED:
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

  /**
   * Decodes the one frame that {@code frame} holds whole (length prefix first), as a frame of the
   * byte stream is decoded: the shared-memory channel's request, read out of its region. Anything
   * but a request frame that fills {@code frame} exactly is a {@link WireProtocolException}.
   */
  Request decodeRegionFrame(ByteBuf frame) {
    regionOut.clear();
    decodeFrame(frame, regionOut);
    if (regionOut.size() != 1 || !(regionOut.get(0) instanceof Request request)) {
      String what = regionOut.isEmpty() ? "an incomplete frame" : String.valueOf(regionOut.get(0));
      regionOut.clear();
      throw new WireProtocolException(
          WireError.UNEXPECTED_FRAME, "the shared region holds " + what + ", not a request");
    }
    regionOut.clear();
    if (frame.isReadable()) {
      throw malformed(
          "the shared region's frame is followed by " + frame.readableBytes() + " bytes");
    }
    return request;
  }

  private final List<Object> regionOut = new ArrayList<>(1);

  private static SharedRegion.Offer decodeOffer(ByteBuf frame) {
    if (frame.readableBytes() < 6) {
      throw malformed("SHM_OFFER of " + (frame.readableBytes() + 1) + " bytes is too short");
    }
    long size = Integer.toUnsignedLong(frame.readInt());
    int pathLength = frame.readUnsignedShort();
    if (pathLength == 0
        || pathLength > SharedRegion.MAX_PATH
        || frame.readableBytes() != pathLength) {
      throw malformed(
          "SHM_OFFER path of "
              + pathLength
              + " bytes ("
              + frame.readableBytes()
              + " carried; 1.."
              + SharedRegion.MAX_PATH
              + ")");
    }
    String path;
    try {
      path =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(readBytes(frame, pathLength)))
              .toString();
    } catch (CharacterCodingException e) {
      throw malformed("SHM_OFFER path is not valid UTF-8");
    }
    return new SharedRegion.Offer(size, path);
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

  /**
   * Decodes a request frame of {@code length} bytes (after its length prefix) at the reader index
   * of {@code in}, straight into the connection's spare request (a new one while the spare waits),
   * and moves past it.
   */
  private Request decodeRequest(TraceCall.Operation operation, ByteBuf in, int length) {
    int bodyLength = length - 1;
    int fixed = WireProtocol.OPERATION_LENGTH - 1;
    if (bodyLength < fixed) {
      throw malformed(
          operation
              + " frame of "
              + (bodyLength + 1)
              + " bytes is shorter than "
              + WireProtocol.OPERATION_LENGTH);
    }
    int at = in.readerIndex() + WireProtocol.LENGTH_PREFIX + 1;
    // The sequence number and the registers as four longs: half the reads of eight ints.
    long sequenceEax = in.getLong(at);
    long ebxEcx = in.getLong(at + 8);
    long edxEsi = in.getLong(at + 16);
    long ediEbp = in.getLong(at + 24);
    int ecx = (int) ebxEcx;
    long count = Integer.toUnsignedLong(ecx);
    int extra = bodyLength - fixed;
    if (operation == TraceCall.Operation.OUTS) {
      if (count != extra) {
        throw malformed("OUTS carries " + extra + " bytes but ecx says " + count);
      }
    } else {
      if (operation == TraceCall.Operation.INS && count > WireProtocol.MAX_TRANSFER) {
        throw new WireProtocolException(
            WireError.FRAME_TOO_LARGE,
            "INS of "
                + count
                + " bytes exceeds the transfer limit of "
                + WireProtocol.MAX_TRANSFER);
      }
      if (extra > 0) {
        throw malformed(operation + " frame has " + extra + " bytes after the registers");
      }
    }
    Request request = spare;
    if (request == null || !request.isFree()) {
      request = new Request();
      spare = request;
    }
    byte[] bytes = null;
    if (operation == TraceCall.Operation.OUTS) {
      bytes = new byte[(int) count];
      in.getBytes(at + fixed, bytes);
    }
    request.load(operation, (int) (sequenceEax >>> 32), bytes);
    request
        .registers()
        .set(
            (int) sequenceEax,
            (int) (ebxEcx >>> 32),
            ecx,
            (int) (edxEsi >>> 32),
            (int) edxEsi,
            (int) (ediEbp >>> 32),
            (int) ediEbp);
    in.skipBytes(WireProtocol.LENGTH_PREFIX + length);
    return request;
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
