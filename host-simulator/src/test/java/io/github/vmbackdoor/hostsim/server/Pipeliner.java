package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.Registers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;

/**
 * A hostile client for backpressure tests: after its HELLO it writes many maximum-size INS requests
 * (37 bytes each, each answered with 69,669) and reads its answers slowly or never. Writing runs on
 * its own thread, since the server stops reading such a client and its writes then block.
 */
final class Pipeliner implements AutoCloseable {

  /** The largest INS: its answer carries {@link WireProtocol#MAX_TRANSFER} bytes. */
  static Registers maxIns(int n) {
    return Registers.of(0x564D5868, n, WireProtocol.MAX_TRANSFER, 0x5659, 0, 0, 0);
  }

  final Socket socket;
  private final Thread writer;
  private volatile IOException writeFailure;

  /** Connects, sends HELLO for {@code vm} and starts writing {@code count} INS requests. */
  Pipeliner(InetSocketAddress address, String vm, int count) throws IOException {
    socket = new Socket();
    socket.setReceiveBufferSize(16 * 1024);
    socket.setSoTimeout(10_000);
    socket.connect(address, 5000);
    byte[] all = requests(vm, count);
    writer =
        new Thread(
            () -> {
              try {
                socket.getOutputStream().write(all);
                socket.getOutputStream().flush();
              } catch (IOException e) {
                writeFailure = e;
              }
            },
            "pipeliner");
    writer.setDaemon(true);
    writer.start();
  }

  static byte[] requests(String vm, int count) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(RawClient.hello(vm));
    for (int i = 1; i <= count; i++) {
      out.writeBytes(RawClient.request(WireProtocol.INS, i, maxIns(i), new byte[0]));
    }
    return out.toByteArray();
  }

  /** Whether the writer has written every request (the server took them in, or failed them). */
  boolean doneWriting() {
    return !writer.isAlive();
  }

  IOException writeFailure() {
    return writeFailure;
  }

  /**
   * Reads until the server closes the connection; returns how many whole answers (frames after
   * HELLO_OK) came and the type of the last frame, or -1 if none.
   */
  int[] drainUntilClosed() throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream tail = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    int frames = 0;
    int lastType = -1;
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        tail.write(buf, 0, n);
        ByteBuffer b = ByteBuffer.wrap(tail.toByteArray());
        while (b.remaining() >= 5 && b.remaining() >= 4 + b.getInt(b.position())) {
          int length = b.getInt();
          lastType = b.get() & 0xFF;
          frames++;
          b.position(b.position() + length - 1);
        }
        tail.reset();
        tail.write(b.array(), b.position(), b.remaining());
      }
    } catch (SocketException e) {
      // reset by the server after its close
    }
    return new int[] {frames, lastType};
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
