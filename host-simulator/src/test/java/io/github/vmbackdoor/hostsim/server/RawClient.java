package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Registers;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A test client that speaks the wire protocol byte by byte, or breaks it: sends whatever bytes a
 * test gives and reads raw frames. Every read waits at most five seconds.
 */
final class RawClient implements AutoCloseable {

  /** One frame as received: its type and the bytes after the type. */
  static final class Frame {
    final int type;
    final byte[] body;

    Frame(int type, byte[] body) {
      this.type = type;
      this.body = body;
    }

    int errorCode() {
      assertThat(type).as("frame type").isEqualTo(WireProtocol.ERROR);
      return ByteBuffer.wrap(body).getShort() & 0xFFFF;
    }

    String errorText() {
      return new String(body, 2, body.length - 2, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return WireProtocol.typeName(type) + " " + Arrays.toString(body);
    }
  }

  final Socket socket;
  private final DataInputStream in;

  RawClient(InetSocketAddress address) throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(5000);
    socket.connect(address, 5000);
    in = new DataInputStream(socket.getInputStream());
  }

  RawClient send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  Frame readFrame() throws IOException {
    int length = in.readInt();
    assertThat(length).as("frame length").isBetween(1, WireProtocol.MAX_FRAME_LENGTH);
    int type = in.readUnsignedByte();
    byte[] body = new byte[length - 1];
    in.readFully(body);
    return new Frame(type, body);
  }

  /** Reads the next frame, which must be an ERROR with this code, then the end of the stream. */
  Frame expectErrorAndClose(WireError error) throws IOException {
    Frame frame = readFrame();
    assertThat(frame.type).as("frame type of %s", frame).isEqualTo(WireProtocol.ERROR);
    assertThat(WireError.forCode(frame.errorCode()))
        .as("error of %s", frame.errorText())
        .contains(error);
    expectClosed();
    return frame;
  }

  /** The server closed the connection: the stream ends (or is reset) with nothing more in it. */
  void expectClosed() throws IOException {
    try {
      assertThat(in.read()).as("byte after the last frame").isEqualTo(-1);
    } catch (SocketException e) {
      assertThat(e.getMessage()).containsIgnoringCase("reset");
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  // ---- frame builders ----

  static byte[] hello(int magic, int version, String vmName) {
    byte[] name = vmName.getBytes(StandardCharsets.UTF_8);
    return helloWithName(magic, version, name);
  }

  static byte[] helloWithName(int magic, int version, byte[] name) {
    return ByteBuffer.allocate(4 + WireProtocol.HELLO_FIXED_LENGTH + name.length)
        .putInt(WireProtocol.HELLO_FIXED_LENGTH + name.length)
        .put((byte) WireProtocol.HELLO)
        .putInt(magic)
        .putShort((short) version)
        .putShort((short) name.length)
        .put(name)
        .array();
  }

  static byte[] hello(String vmName) {
    return hello(WireProtocol.MAGIC, WireProtocol.VERSION, vmName);
  }

  static byte[] request(int type, int sequence, Registers r, byte[] bytes) {
    int length = WireProtocol.OPERATION_LENGTH + bytes.length;
    return ByteBuffer.allocate(4 + length)
        .putInt(length)
        .put((byte) type)
        .putInt(sequence)
        .putInt(r.eax())
        .putInt(r.ebx())
        .putInt(r.ecx())
        .putInt(r.edx())
        .putInt(r.esi())
        .putInt(r.edi())
        .putInt(r.ebp())
        .put(bytes)
        .array();
  }

  static Registers registersOf(byte[] body) {
    ByteBuffer b = ByteBuffer.wrap(body, 4, WireProtocol.REGISTERS_LENGTH);
    return Registers.of(
        b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt());
  }

  static int sequenceOf(byte[] body) {
    return ByteBuffer.wrap(body).getInt();
  }
}
