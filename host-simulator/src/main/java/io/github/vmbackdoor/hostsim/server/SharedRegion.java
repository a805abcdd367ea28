package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.GuestConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The shared-memory channel of one connection ({@code docs/wire-protocol.md} §12): a region that a
 * client on this machine created and offered (SHM_OFFER), mapped here, through which the
 * connection's calls then go instead of the socket. A thread of its own polls the region for a
 * request frame, carries it out on the connection's host side exactly as a request frame from the
 * socket is carried out (the same decoder, the same call, the same encoder), writes the response
 * frame into the region, and polls on for the spin time before it sleeps; the socket stays open for
 * the doorbells that wake a side that sleeps, and for the ERROR that ends the connection.
 *
 * <p>The region: a 64-byte header of 32-bit words in the machine's byte order (magic, version, the
 * state, whether the server sleeps, whether the client sleeps) and one frame, length prefix first,
 * as on the wire. The client writes a request frame and sets the state to REQUEST; the server
 * writes the response frame over it and sets ANSWER. A side about to sleep sets its flag, reads the
 * state again and sleeps only if there is still nothing for it; the other side, after setting the
 * state, reads the flag and rings the doorbell (a frame on the socket) when it is set. No wake-up
 * is lost: of the flag and the state, each side writes one and then reads the other (sequentially
 * consistent), so at least one of them sees the other's write.
 *
 * <p>A region that is not what the client said it is (a frame that breaks the protocol, a state or
 * a magic no client writes) closes its connection with an ERROR frame; nothing else is affected.
 */
final class SharedRegion implements Runnable {

  /** What the decoder gives for a client's DOORBELL frame. */
  static final Object DOORBELL =
      new Object() {
        @Override
        public String toString() {
          return "DOORBELL";
        }
      };

  /** A decoded SHM_OFFER: the region's size as the client says, and its path. */
  record Offer(long size, String path) {
    @Override
    public String toString() {
      return "SHM_OFFER " + SafeText.quote(path) + " (" + size + " bytes)";
    }
  }

  /** Why an offer is not taken; the connection stays on TCP. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String reason) {
      super(reason, null, false, false);
    }
  }

  /** The longest path an offer may name, in UTF-8 bytes. */
  static final int MAX_PATH = 255;

  /** Offered regions are files directly in this directory, named with {@link #PREFIX}. */
  static final String DIRECTORY = "/dev/shm/";

  /** The start of an offered region's file name. */
  static final String PREFIX = "vmbackdoor-";

  /** The first header word: "VMBS" as the machine's bytes read in its own order. */
  static final int MAGIC = 0x53424D56;

  /** The second header word: the region layout's version. */
  static final int VERSION = 1;

  /** Bytes of the header; the frame starts here. */
  static final int HEADER = 64;

  /** Bytes of every region: the header and the largest frame, rounded up to whole pages. */
  static final int SIZE =
      (HEADER + WireProtocol.LENGTH_PREFIX + WireProtocol.MAX_FRAME_LENGTH + 4095) / 4096 * 4096;

  static final int MAGIC_AT = 0;
  static final int VERSION_AT = 4;
  static final int STATE_AT = 8;
  static final int SERVER_SLEEPS_AT = 12;
  static final int CLIENT_SLEEPS_AT = 16;

  /** State: no call yet. */
  static final int EMPTY = 0;

  /** State: the client's request frame is in the region. */
  static final int REQUEST = 1;

  /** State: the server's response frame is in the region. */
  static final int ANSWER = 2;

  /**
   * How long the server's poller spins after an answer when the server's {@code spinBeforePark} is
   * 0 (its default): the channel exists to save wake-ups, and costs at most this much CPU per call.
   */
  static final Duration DEFAULT_SPIN = Duration.ofNanos(50_000);

  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

  /** After this many empty polls the poller yields its CPU once. */
  private static final int POLLS_PER_YIELD = 64;

  private final MappedByteBuffer map;
  private final ByteBuf frame;
  private final ByteBuf copy =
      Unpooled.buffer(WireProtocol.LENGTH_PREFIX + WireProtocol.MAX_FRAME_LENGTH);
  private final FrameDecoder decoder = new FrameDecoder(null);
  private final Backdoor backdoor;
  private final Channel channel;
  private final ConnectionGuard guard;
  private final ReadTimeout readTimeout;
  private final long spinNanos;
  private final Thread thread;
  private volatile boolean closed;

  private SharedRegion(
      MappedByteBuffer map,
      Backdoor backdoor,
      Channel channel,
      ConnectionGuard guard,
      ReadTimeout readTimeout,
      long spinNanos) {
    this.map = map;
    this.frame = Unpooled.wrappedBuffer(map.slice(HEADER, SIZE - HEADER));
    this.backdoor = backdoor;
    this.channel = channel;
    this.guard = guard;
    this.readTimeout = readTimeout;
    this.spinNanos = spinNanos;
    this.thread = new Thread(this, "vmbackdoor-shm-" + channel.id().asShortText());
    this.thread.setDaemon(true);
  }

  /**
   * Maps the region an offer names, for a connection served by {@code backdoor}; not yet polled
   * ({@link #start()}).
   *
   * @throws Refused when the offer names no region this server may map: not a file of {@link #SIZE}
   *     bytes directly in {@link #DIRECTORY} named {@link #PREFIX}..., a regular file of this
   *     process's user with mode 0600, with the magic and version in its header
   */
  static SharedRegion map(
      Offer offer,
      Backdoor backdoor,
      Channel channel,
      ConnectionGuard guard,
      ReadTimeout readTimeout,
      long spinNanos)
      throws Refused {
    if (offer.size() != SIZE) {
      throw new Refused(
          "a region of " + offer.size() + " bytes; this server maps regions of " + SIZE);
    }
    String name = offer.path();
    if (!name.startsWith(DIRECTORY + PREFIX)
        || name.indexOf('/', DIRECTORY.length()) >= 0
        || name.indexOf('\0') >= 0) {
      throw new Refused(
          "the region " + SafeText.quote(name) + " is not a file " + DIRECTORY + PREFIX + "...");
    }
    Path path = Path.of(name);
    try {
      PosixFileAttributes a =
          Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!a.isRegularFile() || a.size() != SIZE) {
        throw new Refused("the region " + name + " is not a regular file of " + SIZE + " bytes");
      }
      if (!a.permissions()
          .equals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))) {
        throw new Refused("the region " + name + " is not of mode 0600");
      }
      if (!a.owner().equals(Files.getOwner(Path.of("/proc/self")))) {
        throw new Refused("the region " + name + " belongs to another user");
      }
      MappedByteBuffer map;
      try (FileChannel file =
          FileChannel.open(
              path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        if (file.size() != SIZE) {
          throw new Refused("the region " + name + " changed its size");
        }
        map = file.map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
      }
      int magic = (int) INT.getVolatile(map, MAGIC_AT);
      int version = (int) INT.getVolatile(map, VERSION_AT);
      if (magic != MAGIC || version != VERSION) {
        throw new Refused(
            String.format(
                "the region %s has magic 0x%08x version %d, not 0x%08x version %d",
                name, magic, version, MAGIC, VERSION));
      }
      return new SharedRegion(map, backdoor, channel, guard, readTimeout, spinNanos);
    } catch (IOException | UnsupportedOperationException e) {
      throw new Refused("cannot map " + name + ": " + e);
    }
  }

  /** Starts polling the region (after SHM_OK was written, so that it comes before any doorbell). */
  void start() {
    thread.start();
  }

  /** The client rang: wakes the poller if it sleeps. Any thread. */
  void wake() {
    LockSupport.unpark(thread);
  }

  /**
   * Stops the poller and waits until it has left the host (the call under way, if any, ends first):
   * after this the host side is no longer called from the region. Any thread but the poller.
   */
  void close() {
    closed = true;
    LockSupport.unpark(thread);
    if (Thread.currentThread() != thread && thread.isAlive()) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void run() {
    try {
      while (awaitRequest()) {
        if (!serveOne()) {
          return;
        }
      }
    } catch (WireProtocolException e) {
      guard.reject(channel, e.error(), "shared region: " + e.getMessage(), null);
    }
  }

  /** Spins, then sleeps, until the state is REQUEST; false once closed. */
  private boolean awaitRequest() {
    long end = System.nanoTime() + spinNanos;
    int polls = 0;
    while (!closed) {
      if (requested()) {
        return true;
      }
      if (System.nanoTime() - end < 0) {
        if (++polls % POLLS_PER_YIELD == 0) {
          Thread.yield();
        } else {
          Thread.onSpinWait();
        }
        continue;
      }
      INT.setVolatile(map, SERVER_SLEEPS_AT, 1);
      if (!requested() && !closed) {
        LockSupport.park(this);
      }
      INT.setVolatile(map, SERVER_SLEEPS_AT, 0);
      end = System.nanoTime() + spinNanos;
    }
    return false;
  }

  /** Whether a request waits; a state or magic that no client writes is garbage. */
  private boolean requested() {
    int state = (int) INT.getVolatile(map, STATE_AT);
    if (state == REQUEST) {
      return true;
    }
    if (state != EMPTY && state != ANSWER) {
      throw new WireProtocolException(
          WireError.MALFORMED_FRAME, "state word " + state + " is none of 0, 1, 2");
    }
    return false;
  }

  /** Carries out the request in the region and answers it there; false when the connection ends. */
  private boolean serveOne() {
    int magic = (int) INT.getVolatile(map, MAGIC_AT);
    if (magic != MAGIC) {
      throw new WireProtocolException(
          WireError.BAD_MAGIC, String.format("the header's magic became 0x%08x", magic));
    }
    // The frame is copied out first: the client cannot change it while it is decoded.
    long length = Integer.toUnsignedLong(frame.getInt(0));
    if (length == 0 || length > WireProtocol.MAX_FRAME_LENGTH) {
      throw new WireProtocolException(
          length == 0 ? WireError.MALFORMED_FRAME : WireError.FRAME_TOO_LARGE,
          "frame length " + length + " is outside 1.." + WireProtocol.MAX_FRAME_LENGTH);
    }
    copy.clear();
    frame.getBytes(0, copy, WireProtocol.LENGTH_PREFIX + (int) length);
    copy.setInt(0, (int) length);
    Request request = decoder.decodeRegionFrame(copy);
    readTimeout.progress();
    TraceCall.Operation operation = request.operation();
    MutableRegisters registers = request.registers();
    byte[] into;
    try {
      into = RequestHandler.callHost(backdoor, operation, registers, request.bytes());
    } catch (RuntimeException e) {
      guard.reject(
          channel, WireError.INTERNAL_ERROR, "the host failed on " + operation + ": " + e, e);
      return false;
    }
    Duration delay =
        backdoor instanceof GuestConnection guest ? guest.answerDelay() : Duration.ZERO;
    if (!delay.isZero()) {
      readTimeout.answerHeldBack();
      long until = System.nanoTime() + delay.toNanos();
      for (long left = delay.toNanos(); left > 0 && !closed; left = until - System.nanoTime()) {
        LockSupport.parkNanos(this, left);
      }
      readTimeout.answerReleased();
      if (closed) {
        return false;
      }
    }
    frame.clear();
    ServerFrame.writeResponse(frame, operation, request.sequence(), registers, into);
    request.free();
    INT.setVolatile(map, STATE_AT, ANSWER);
    if ((int) INT.getVolatile(map, CLIENT_SLEEPS_AT) != 0) {
      channel.writeAndFlush(ServerFrame.doorbell());
    }
    return true;
  }
}
