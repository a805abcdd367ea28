package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.GuestConnection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The established state of a connection: carries out each request on the VM's host-side {@link
 * Backdoor} and writes the response, in order.
 *
 * <p>Backpressure: a request is carried out only while the connection is writable (its unsent
 * answers are below the write buffer's high-water mark) and fewer than {@link
 * ConnectionLimits#maxQueuedAnswers} answers wait; otherwise it waits in a queue and the connection
 * stops reading until the client has read enough. More than {@link
 * ConnectionLimits#maxPipelinedRequests} waiting requests close the connection with {@link
 * WireError#OVERLOADED}. Answers and waiting requests count against the server's {@link
 * MemoryBudget}.
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

  /** Heap a waiting request takes besides its frame bytes (the request and its registers). */
  private static final int REQUEST_OVERHEAD = 96;

  private final Backdoor backdoor;
  private final ConnectionGuard guard;
  private final ConnectionLimits limits;
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private MemoryBudget.Holding holding;
  private ReadTimeout readTimeout;
  private int queuedAnswers;
  private boolean inRead;
  private boolean inputShutdown;

  /** An answer the host delays is held back; later requests wait in {@link #waiting}. */
  private boolean delayed;

  /** The connection's shared-memory channel once its client offered one and it was mapped. */
  private volatile SharedRegion region;

  private final SimulatorServer server;

  RequestHandler(
      Backdoor backdoor, ConnectionGuard guard, ConnectionLimits limits, SimulatorServer server) {
    this.backdoor = backdoor;
    this.guard = guard;
    this.limits = limits;
    this.server = server;
  }

  /**
   * Stops the connection's shared-memory channel, if it has one, and waits until it has left the
   * host side: called when the connection closes, before the host side is closed or told.
   */
  void stopSharedMemory() {
    SharedRegion r = region;
    if (r != null) {
      region = null;
      r.close();
      server.sharedRegions().release();
    }
  }

  /**
   * Whether a peer may offer a region: only one on a loopback address can have made the file, and a
   * remote peer must not name a file of this machine. A peer that is not an IP socket (a test's
   * embedded channel) is taken as local.
   */
  private static boolean onLoopback(SocketAddress peer) {
    return !(peer instanceof InetSocketAddress ip)
        || (ip.getAddress() != null && ip.getAddress().isLoopbackAddress());
  }

  /**
   * A SHM_OFFER: maps the region and answers SHM_OK (the calls go through it from then on), or
   * SHM_REFUSED with the reason (they stay on the socket).
   */
  private void offer(ChannelHandlerContext ctx, SharedRegion.Offer offer) {
    Channel channel = ctx.channel();
    if (region != null) {
      guard.reject(channel, WireError.UNEXPECTED_FRAME, "a second SHM_OFFER", null);
      return;
    }
    String refused = null;
    SharedRegion mapped = null;
    if (!waiting.isEmpty() || delayed) {
      refused = "requests of this connection are under way";
    } else if (!onLoopback(channel.remoteAddress())) {
      refused = "the client " + channel.remoteAddress() + " is not on a loopback address";
    } else if (!server.sharedRegions().take()) {
      refused = "the server already serves " + SimulatorServer.MAX_SHARED_REGIONS + " regions";
    } else {
      try {
        mapped =
            SharedRegion.map(
                offer, backdoor, channel, guard, readTimeout, server.sharedRegions().spinNanos());
      } catch (SharedRegion.Refused e) {
        server.sharedRegions().release();
        refused = e.getMessage();
      }
    }
    readTimeout.progress();
    if (mapped == null) {
      ctx.writeAndFlush(ServerFrame.shmRefused(refused));
      return;
    }
    region = mapped;
    server.sharedRegions().served();
    ctx.writeAndFlush(ServerFrame.shmOk());
    mapped.start();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    Channel channel = ctx.channel();
    holding = MemoryBudget.of(channel);
    readTimeout =
        new ReadTimeout(
            channel,
            guard,
            limits.ticker(),
            limits.readTimeoutNanos(),
            backdoor instanceof GuestConnection guest ? guest::holdsChannels : () -> false);
    readTimeout.start();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    readTimeout.stop();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    stopSharedMemory();
    readTimeout.stop();
    waiting.clear();
    if (backdoor instanceof GuestConnection guest) {
      guest.disconnect();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Channel channel = ctx.channel();
    if (ConnectionGuard.isRejected(channel)) {
      return;
    }
    if (msg instanceof SharedRegion.Offer offer) {
      offer(ctx, offer);
      return;
    }
    if (msg == SharedRegion.DOORBELL) {
      SharedRegion r = region;
      if (r == null) {
        guard.reject(
            channel, WireError.UNEXPECTED_FRAME, "a DOORBELL without a shared region", null);
      } else {
        r.wake();
      }
      return;
    }
    if (!(msg instanceof Request)) {
      guard.reject(channel, WireError.UNEXPECTED_FRAME, "a second HELLO", null);
      return;
    }
    if (region != null) {
      guard.reject(
          channel,
          WireError.UNEXPECTED_FRAME,
          "a request on the socket of a connection whose calls go through its shared region",
          null);
      return;
    }
    Request request = (Request) msg;
    readTimeout.progress();
    inRead = true;
    if (waiting.isEmpty() && mayAnswer(channel)) {
      // A guest that waits for each answer: its request is carried out at once, never queued.
      int outcome = carryOut(ctx, request);
      if (outcome != REJECTED) {
        settle(ctx, outcome == WRITTEN);
      }
      return;
    }
    if (waiting.size() >= limits.maxPipelinedRequests()) {
      guard.reject(
          channel,
          WireError.OVERLOADED,
          "more than "
              + limits.maxPipelinedRequests()
              + " requests wait for answers the client does not read",
          null);
      return;
    }
    waiting.add(request);
    holding.reserve(cost(request));
    drain(ctx);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inRead = false;
    ctx.flush();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      drain(ctx);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent && (!waiting.isEmpty() || delayed)) {
      // Pass it on (the guard then closes after the last answer) once the waiting requests ran.
      inputShutdown = true;
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  /** Whether a request may be carried out now: no answer held back, the client keeps up. */
  private boolean mayAnswer(Channel channel) {
    return !delayed
        && channel.isWritable()
        && queuedAnswers < limits.maxQueuedAnswers()
        && !ConnectionGuard.isRejected(channel);
  }

  /** Carries out waiting requests while the client keeps up; stops reading while it does not. */
  private void drain(ChannelHandlerContext ctx) {
    Channel channel = ctx.channel();
    boolean wrote = false;
    while (!waiting.isEmpty() && mayAnswer(channel)) {
      Request request = waiting.poll();
      holding.release(cost(request));
      int outcome = carryOut(ctx, request);
      if (outcome == REJECTED) {
        return;
      }
      wrote |= outcome == WRITTEN;
    }
    settle(ctx, wrote);
  }

  /**
   * After requests were carried out: reads on while nothing waits, flushes what was written outside
   * a read (a read flushes when it completes), and passes on the end of the client's input once
   * every request before it is answered.
   */
  private void settle(ChannelHandlerContext ctx, boolean wrote) {
    Channel channel = ctx.channel();
    if (ConnectionGuard.isRejected(channel)) {
      return;
    }
    boolean read = waiting.isEmpty() && !delayed;
    ChannelConfig config = channel.config();
    if (config.isAutoRead() != read) {
      config.setAutoRead(read);
    }
    if (wrote && !inRead) {
      ctx.flush();
    }
    if (read && inputShutdown) {
      inputShutdown = false;
      ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    }
  }

  /** {@link #carryOut}: the connection was rejected; nothing more is carried out. */
  private static final int REJECTED = 0;

  /** {@link #carryOut}: the answer was written. */
  private static final int WRITTEN = 1;

  /** {@link #carryOut}: the host delayed the answer; it is written later. */
  private static final int DELAYED = 2;

  /**
   * Carries out one request on the host side, in its own holder, and writes the answer (or holds it
   * back as a fault asked); the request is then free for the decoder's next frame.
   */
  private int carryOut(ChannelHandlerContext ctx, Request request) {
    TraceCall.Operation operation = request.operation();
    MutableRegisters registers = request.registers();
    byte[] into;
    try {
      into = callHost(backdoor, operation, registers, request.bytes());
    } catch (RuntimeException e) {
      guard.reject(
          ctx.channel(), WireError.INTERNAL_ERROR, "the host failed on " + operation + ": " + e, e);
      return REJECTED;
    }
    Duration delay =
        backdoor instanceof GuestConnection guest ? guest.answerDelay() : Duration.ZERO;
    if (!delay.isZero()) {
      delayed = true;
      readTimeout.answerHeldBack();
      ServerFrame response =
          ServerFrame.response(operation, request.sequence(), registers.toRegisters(), into);
      request.free();
      ctx.executor().schedule(() -> release(ctx, response), delay.toNanos(), TimeUnit.NANOSECONDS);
      return DELAYED;
    }
    int size = ServerFrame.responseLength(into);
    ByteBuf answer = ctx.alloc().ioBuffer(size);
    ServerFrame.writeResponse(answer, operation, request.sequence(), registers, into);
    request.free();
    write(ctx, answer, size);
    return WRITTEN;
  }

  /**
   * One request carried out on the host side, its answer written into {@code registers}: the same
   * for a frame from the socket and one from the shared region. Returns the bytes an INS moves back
   * (null for the other operations).
   *
   * @param outsBytes the bytes an OUTS carries
   */
  static byte[] callHost(
      Backdoor backdoor,
      TraceCall.Operation operation,
      MutableRegisters registers,
      byte[] outsBytes) {
    switch (operation) {
      case IN:
        int ecx = registers.ecx();
        int ebx = registers.ebx();
        backdoor.in(registers);
        WireProtocol.carriable(ecx, ebx, registers);
        return null;
      case OUTS:
        backdoor.outs(registers, outsBytes);
        return null;
      case INS:
        byte[] into = new byte[registers.ecx()];
        backdoor.ins(registers, into);
        return into;
      default:
        throw new AssertionError(operation);
    }
  }

  /**
   * Writes one answer ({@code size} bytes, a frame or a buffer holding one), counted against the
   * connection's limits until the socket took it.
   */
  private void write(ChannelHandlerContext ctx, Object response, int size) {
    holding.reserveAnswer(size);
    queuedAnswers++;
    ctx.write(response)
        .addListener(
            f -> {
              holding.releaseAnswer(size);
              queuedAnswers--;
              if (f.isSuccess()) {
                readTimeout.progress();
                if (queuedAnswers == limits.maxQueuedAnswers() - 1) {
                  drain(ctx);
                }
              }
            });
  }

  /** Writes an answer the host delayed, then serves the requests that waited for it. */
  private void release(ChannelHandlerContext ctx, ServerFrame response) {
    delayed = false;
    readTimeout.answerReleased();
    Channel channel = ctx.channel();
    if (!channel.isActive() || ConnectionGuard.isRejected(channel)) {
      waiting.clear();
      return;
    }
    write(ctx, response, response.wireLength());
    ctx.flush();
    drain(ctx);
  }

  private static long cost(Request request) {
    byte[] bytes = request.bytes();
    return REQUEST_OVERHEAD
        + WireProtocol.LENGTH_PREFIX
        + WireProtocol.OPERATION_LENGTH
        + (bytes == null ? 0 : bytes.length);
  }
}
