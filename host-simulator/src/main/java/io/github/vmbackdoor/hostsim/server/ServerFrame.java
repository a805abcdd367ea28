package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.RegisterSet;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A frame the server sends, able to write itself (length prefix included) into a buffer. */
abstract class ServerFrame {

  private ServerFrame() {}

  /** Bytes this frame occupies on the wire, length prefix included. */
  abstract int wireLength();

  /** Writes the whole frame, length prefix first. */
  abstract void writeTo(ByteBuf out);

  /** HELLO_OK for protocol version 1 with the transfer limit {@link WireProtocol#MAX_TRANSFER}. */
  static ServerFrame helloOk() {
    return HelloOk.INSTANCE;
  }

  /** The response to a request: its sequence number, the host's registers, for INS the bytes. */
  static ServerFrame response(
      TraceCall.Operation operation, int sequence, Registers registers, byte[] bytes) {
    return new Response(operation, sequence, registers, bytes);
  }

  /** An ERROR frame; text longer than {@link WireProtocol#MAX_ERROR_TEXT} UTF-8 bytes is cut. */
  static ServerFrame error(WireError error, String text) {
    return new ErrorFrame(error, text);
  }

  /** SHM_OK: the client's shared region is mapped and served. */
  static ServerFrame shmOk() {
    return Bare.SHM_OK;
  }

  /** SERVER_DOORBELL: an answer waits in the shared region of a client that sleeps. */
  static ServerFrame doorbell() {
    return Bare.DOORBELL;
  }

  /** SHM_REFUSED with the reason (cut as an ERROR's text is); the calls stay on TCP. */
  static ServerFrame shmRefused(String text) {
    return new Bare(WireProtocol.SHM_REFUSED, ErrorFrame.utf8(text), "SHM_REFUSED " + text);
  }

  /** Bytes a response occupies on the wire, length prefix included. */
  static int responseLength(byte[] bytes) {
    return WireProtocol.LENGTH_PREFIX
        + WireProtocol.OPERATION_LENGTH
        + (bytes == null ? 0 : bytes.length);
  }

  /**
   * Writes a response straight from the host's answer in a holder, as {@link #response} writes
   * itself: for a connection's answers without a frame object in between.
   */
  static void writeResponse(
      ByteBuf out, TraceCall.Operation operation, int sequence, MutableRegisters r, byte[] bytes) {
    out.writeInt(WireProtocol.OPERATION_LENGTH + (bytes == null ? 0 : bytes.length));
    out.writeByte(WireProtocol.responseType(operation));
    out.writeInt(sequence);
    writeRegisters(out, r);
    if (bytes != null) {
      out.writeBytes(bytes);
    }
  }

  static void writeRegisters(ByteBuf out, RegisterSet r) {
    out.writeInt(r.eax());
    out.writeInt(r.ebx());
    out.writeInt(r.ecx());
    out.writeInt(r.edx());
    out.writeInt(r.esi());
    out.writeInt(r.edi());
    out.writeInt(r.ebp());
  }

  private static final class HelloOk extends ServerFrame {
    static final HelloOk INSTANCE = new HelloOk();

    @Override
    int wireLength() {
      return WireProtocol.LENGTH_PREFIX + WireProtocol.HELLO_OK_LENGTH;
    }

    @Override
    void writeTo(ByteBuf out) {
      out.writeInt(WireProtocol.HELLO_OK_LENGTH);
      out.writeByte(WireProtocol.HELLO_OK);
      out.writeShort(WireProtocol.VERSION);
      out.writeInt(WireProtocol.MAX_TRANSFER);
    }

    @Override
    public String toString() {
      return "HELLO_OK";
    }
  }

  private static final class Response extends ServerFrame {
    private final TraceCall.Operation operation;
    private final int sequence;
    private final Registers registers;
    private final byte[] bytes;

    Response(TraceCall.Operation operation, int sequence, Registers registers, byte[] bytes) {
      this.operation = operation;
      this.sequence = sequence;
      this.registers = registers;
      this.bytes = bytes;
    }

    private int frameLength() {
      return WireProtocol.OPERATION_LENGTH + (bytes == null ? 0 : bytes.length);
    }

    @Override
    int wireLength() {
      return WireProtocol.LENGTH_PREFIX + frameLength();
    }

    @Override
    void writeTo(ByteBuf out) {
      out.writeInt(frameLength());
      out.writeByte(WireProtocol.responseType(operation));
      out.writeInt(sequence);
      writeRegisters(out, registers);
      if (bytes != null) {
        out.writeBytes(bytes);
      }
    }

    @Override
    public String toString() {
      return WireProtocol.typeName(WireProtocol.responseType(operation))
          + " #"
          + Integer.toUnsignedString(sequence)
          + " "
          + registers;
    }
  }

  /** A frame of a type and, perhaps, a text. */
  private static final class Bare extends ServerFrame {
    static final Bare SHM_OK = new Bare(WireProtocol.SHM_OK, new byte[0], "SHM_OK");
    static final Bare DOORBELL =
        new Bare(WireProtocol.SERVER_DOORBELL, new byte[0], "SERVER_DOORBELL");

    private final int type;
    private final byte[] text;
    private final String name;

    Bare(int type, byte[] text, String name) {
      this.type = type;
      this.text = text;
      this.name = name;
    }

    @Override
    int wireLength() {
      return WireProtocol.LENGTH_PREFIX + 1 + text.length;
    }

    @Override
    void writeTo(ByteBuf out) {
      out.writeInt(1 + text.length);
      out.writeByte(type);
      out.writeBytes(text);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static final class ErrorFrame extends ServerFrame {
    private final WireError error;
    private final byte[] text;

    ErrorFrame(WireError error, String text) {
      this.error = error;
      this.text = utf8(text);
    }

    /** The text in UTF-8, cut to {@link WireProtocol#MAX_ERROR_TEXT} bytes. */
    static byte[] utf8(String text) {
      byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
      return utf8.length <= WireProtocol.MAX_ERROR_TEXT ? utf8 : cut(utf8);
    }

    /** Cuts to the limit without splitting a UTF-8 sequence. */
    private static byte[] cut(byte[] utf8) {
      int end = WireProtocol.MAX_ERROR_TEXT;
      while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
        end--;
      }
      return Arrays.copyOf(utf8, end);
    }

    @Override
    int wireLength() {
      return WireProtocol.LENGTH_PREFIX + WireProtocol.ERROR_FIXED_LENGTH + text.length;
    }

    @Override
    void writeTo(ByteBuf out) {
      out.writeInt(WireProtocol.ERROR_FIXED_LENGTH + text.length);
      out.writeByte(WireProtocol.ERROR);
      out.writeShort(error.code());
      out.writeBytes(text);
    }

    @Override
    public String toString() {
      return "ERROR " + error + ": " + new String(text, StandardCharsets.UTF_8);
    }
  }
}
