package io.github.vmbackdoor.hostsim.server;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.internal.VmName;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The guest side of the simulator's wire protocol: a {@link Backdoor} whose calls go to a {@link
 * SimulatorServer} over TCP and reach the host side of one named VM.
 *
 * <p>A call is a strict request and response: nothing of it can overlap with anything else, so the
 * fastest transport is the plainest one. This class uses a blocking {@link Socket} with
 * TCP_NODELAY; each request is encoded into one array and written with one system call, and the
 * response is read through a buffered stream on the calling thread. An event-loop client would add
 * two thread hand-offs to every call (the caller to the event loop for the write, the event loop
 * back to the caller for the response) and gain nothing in return.
 *
 * <p>Calls are serialized: the methods may be called from several threads, one call at a time goes
 * over the connection. A connection that failed (I/O error, timeout, an ERROR frame from the
 * server) is closed, and every later call throws {@link BackdoorException}. An ERROR frame is
 * reported as {@link RemoteBackdoorException} with the server's code and text.
 */
public final class RemoteBackdoor implements Backdoor, AutoCloseable {

  /** Default limit for connecting and for each response. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final Socket socket;
  private final DataInputStream input;
  private final OutputStream output;
  private final String description;
  private final String vmName;
  private final int maxTransfer;

  /** The request being encoded; reused, grown when an OUTS needs more. */
  private ByteBuffer request =
      ByteBuffer.allocate(WireProtocol.LENGTH_PREFIX + WireProtocol.OPERATION_LENGTH);

  private int sequence;

  /** Why the connection can no longer be used, or null while it can. */
  private volatile String failure;

  private RemoteBackdoor(Socket socket, String description, String vmName) throws IOException {
    this.socket = socket;
    this.description = description;
    this.vmName = vmName;
    this.input = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 16 * 1024));
    this.output = socket.getOutputStream();
    this.maxTransfer = handshake();
  }

  /**
   * Connects to a simulator server and opens the named VM, waiting at most {@link #DEFAULT_TIMEOUT}
   * for the connection and for each response.
   *
   * @throws RemoteBackdoorException when the server refuses the handshake (unknown VM, ...)
   * @throws BackdoorException when the server cannot be reached
   */
  public static RemoteBackdoor connect(String host, int port, String vmName) {
    return connect(new InetSocketAddress(host, port), vmName, DEFAULT_TIMEOUT);
  }

  /**
   * Connects to a simulator server and opens the named VM.
   *
   * @param timeout the longest wait for the connection and then for each response
   * @throws RemoteBackdoorException when the server refuses the handshake (unknown VM, ...)
   * @throws BackdoorException when the server cannot be reached
   */
  public static RemoteBackdoor connect(InetSocketAddress address, String vmName, Duration timeout) {
    checkNotNull(address, "address");
    checkNotNull(vmName, "vmName");
    VmName.check(vmName);
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    String description =
        "simulator " + address.getHostString() + ":" + address.getPort() + " (vm " + vmName + ")";
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(timeoutMillis);
      socket.connect(address, timeoutMillis);
      return new RemoteBackdoor(socket, description, vmName);
    } catch (IOException e) {
      closeQuietly(socket);
      String why =
          e instanceof EOFException
              ? "the server closed the connection during the handshake"
              : e instanceof SocketTimeoutException
                  ? "no answer within " + timeoutMillis + " ms"
                  : e.getMessage();
      throw new BackdoorException("cannot connect to " + description + ": " + why, e);
    } catch (RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  /** The name of the VM this connection serves. */
  public String vmName() {
    return vmName;
  }

  /** The most bytes one {@link #outs} or {@link #ins} may move, as the server announced it. */
  public int maxTransfer() {
    return maxTransfer;
  }

  @Override
  public synchronized Registers in(Registers registers) {
    checkNotNull(registers, "registers");
    return call(TraceCall.Operation.IN, registers, null, null);
  }

  @Override
  public synchronized Registers outs(Registers registers, byte[] bytes) {
    checkNotNull(registers, "registers");
    checkNotNull(bytes, "bytes");
    checkArgument(
        Integer.toUnsignedLong(registers.ecx()) == bytes.length,
        "ecx (%s) must equal the byte count (%s)",
        Integer.toUnsignedLong(registers.ecx()),
        bytes.length);
    checkTransfer(bytes.length);
    return call(TraceCall.Operation.OUTS, registers, bytes, null);
  }

  @Override
  public synchronized Registers ins(Registers registers, byte[] into) {
    checkNotNull(registers, "registers");
    checkNotNull(into, "into");
    checkArgument(
        Integer.toUnsignedLong(registers.ecx()) == into.length,
        "ecx (%s) must equal the buffer length (%s)",
        Integer.toUnsignedLong(registers.ecx()),
        into.length);
    checkTransfer(into.length);
    return call(TraceCall.Operation.INS, registers, null, into);
  }

  /**
   * Closes the connection; the server forgets it. A call blocked in another thread fails with
   * {@link BackdoorException}. Calling it again does nothing.
   */
  @Override
  public void close() {
    if (failure == null) {
      failure = "connection closed";
    }
    closeQuietly(socket);
  }

  @Override
  public String toString() {
    return "RemoteBackdoor[" + description + "]";
  }

  private void checkTransfer(int count) {
    if (count > maxTransfer) {
      throw new BackdoorException(
          "a transfer of "
              + count
              + " bytes exceeds the wire protocol's limit of "
              + maxTransfer
              + " ("
              + description
              + ")");
    }
  }

  private int handshake() throws IOException {
    byte[] name = vmName.getBytes(StandardCharsets.UTF_8);
    ByteBuffer hello =
        ByteBuffer.allocate(
            WireProtocol.LENGTH_PREFIX + WireProtocol.HELLO_FIXED_LENGTH + name.length);
    hello
        .putInt(WireProtocol.HELLO_FIXED_LENGTH + name.length)
        .put((byte) WireProtocol.HELLO)
        .putInt(WireProtocol.MAGIC)
        .putShort((short) WireProtocol.VERSION)
        .putShort((short) name.length)
        .put(name);
    output.write(hello.array());
    output.flush();
    int length = readFrameLength("the handshake");
    int type = input.readUnsignedByte();
    if (type == WireProtocol.ERROR) {
      throw readError("handshake with " + description + " refused", length);
    }
    if (type != WireProtocol.HELLO_OK || length != WireProtocol.HELLO_OK_LENGTH) {
      throw new BackdoorException(
          "unexpected answer to HELLO from "
              + description
              + ": frame type "
              + WireProtocol.typeName(type)
              + ", length "
              + length
              + " (is it a simulator server?)");
    }
    int version = input.readUnsignedShort();
    int limit = input.readInt();
    if (version != WireProtocol.VERSION) {
      throw new BackdoorException(
          description
              + " answered protocol version "
              + version
              + ", this client speaks "
              + WireProtocol.VERSION);
    }
    // A later server may allow more; this client's frames stay within its own limit.
    return (int) Math.min(Integer.toUnsignedLong(limit), WireProtocol.MAX_TRANSFER);
  }

  private Registers call(
      TraceCall.Operation operation, Registers registers, byte[] bytes, byte[] into) {
    if (failure != null) {
      throw new BackdoorException(operation + " on " + description + " impossible: " + failure);
    }
    int sent = ++sequence;
    try {
      writeRequest(operation, sent, registers, bytes);
      int length = readFrameLength(operation.toString());
      int type = input.readUnsignedByte();
      if (type == WireProtocol.ERROR) {
        throw readError(operation + " on " + description + " refused", length);
      }
      int expectedLength = WireProtocol.OPERATION_LENGTH + (into == null ? 0 : into.length);
      if (type != WireProtocol.responseType(operation) || length != expectedLength) {
        throw fail(
            operation
                + " on "
                + description
                + ": expected "
                + WireProtocol.typeName(WireProtocol.responseType(operation))
                + " of length "
                + expectedLength
                + ", got "
                + WireProtocol.typeName(type)
                + " of length "
                + length);
      }
      int answered = input.readInt();
      if (answered != sent) {
        throw fail(
            operation
                + " on "
                + description
                + ": response to request #"
                + Integer.toUnsignedString(answered)
                + " where #"
                + Integer.toUnsignedString(sent)
                + " was expected");
      }
      Registers result =
          Registers.of(
              input.readInt(),
              input.readInt(),
              input.readInt(),
              input.readInt(),
              input.readInt(),
              input.readInt(),
              input.readInt());
      if (into != null) {
        input.readFully(into);
      }
      return result;
    } catch (SocketTimeoutException e) {
      throw fail(
          operation + " on " + description + ": no response within " + soTimeoutMillis() + " ms",
          e);
    } catch (EOFException e) {
      throw fail(operation + " on " + description + ": the server closed the connection", e);
    } catch (IOException e) {
      if (failure != null) {
        throw new BackdoorException(operation + " on " + description + " failed: " + failure, e);
      }
      throw fail(operation + " on " + description + " failed: " + e.getMessage(), e);
    }
  }

  private void writeRequest(TraceCall.Operation operation, int seq, Registers r, byte[] bytes)
      throws IOException {
    int frameLength = WireProtocol.OPERATION_LENGTH + (bytes == null ? 0 : bytes.length);
    int total = WireProtocol.LENGTH_PREFIX + frameLength;
    if (request.capacity() < total) {
      request = ByteBuffer.allocate(total);
    }
    request.clear();
    request
        .putInt(frameLength)
        .put((byte) WireProtocol.requestType(operation))
        .putInt(seq)
        .putInt(r.eax())
        .putInt(r.ebx())
        .putInt(r.ecx())
        .putInt(r.edx())
        .putInt(r.esi())
        .putInt(r.edi())
        .putInt(r.ebp());
    if (bytes != null) {
      request.put(bytes);
    }
    output.write(request.array(), 0, total);
    output.flush();
  }

  private int readFrameLength(String during) throws IOException {
    int length = input.readInt();
    if (length <= 0 || length > WireProtocol.MAX_FRAME_LENGTH) {
      throw fail(
          "bad frame length "
              + Integer.toUnsignedLong(length)
              + " from "
              + description
              + " during "
              + during);
    }
    return length;
  }

  /** Reads the rest of an ERROR frame whose type byte has been read, and closes the connection. */
  private RemoteBackdoorException readError(String context, int length) throws IOException {
    if (length < WireProtocol.ERROR_FIXED_LENGTH) {
      throw fail("malformed ERROR frame of length " + length + " from " + description);
    }
    int code = input.readUnsignedShort();
    byte[] text = new byte[length - WireProtocol.ERROR_FIXED_LENGTH];
    input.readFully(text);
    String message = new String(text, StandardCharsets.UTF_8);
    failure = "the server sent error " + code + ": " + message;
    closeQuietly(socket);
    return new RemoteBackdoorException(context, code, message);
  }

  private BackdoorException fail(String message) {
    return fail(message, null);
  }

  /** Marks the connection failed, closes it, and returns the exception to throw. */
  private BackdoorException fail(String message, Throwable cause) {
    failure = message;
    closeQuietly(socket);
    return cause == null ? new BackdoorException(message) : new BackdoorException(message, cause);
  }

  private int soTimeoutMillis() {
    try {
      return socket.getSoTimeout();
    } catch (IOException e) {
      return -1;
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Nothing to do: the connection is being abandoned either way.
    }
  }
}
