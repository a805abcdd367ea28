package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.GuestConnection;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
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

  RequestHandler(Backdoor backdoor, ConnectionGuard guard, ConnectionLimits limits) {
    this.backdoor = backdoor;
    this.guard = guard;
    this.limits = limits;
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
    if (!(msg instanceof Request)) {
      guard.reject(channel, WireError.UNEXPECTED_FRAME, "a second HELLO", null);
      return;
    }
    Request request = (Request) msg;
    readTimeout.progress();
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
    inRead = true;
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

  /** Carries out waiting requests while the client keeps up; stops reading while it does not. */
  private void drain(ChannelHandlerContext ctx) {
    Channel channel = ctx.channel();
    boolean wrote = false;
    while (!delayed
        && !waiting.isEmpty()
        && channel.isWritable()
        && queuedAnswers < limits.maxQueuedAnswers()
        && !ConnectionGuard.isRejected(channel)) {
      Request request = waiting.poll();
      holding.release(cost(request));
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
      Duration delay =
          backdoor instanceof GuestConnection guest ? guest.answerDelay() : Duration.ZERO;
      if (!delay.isZero()) {
        delayed = true;
        readTimeout.answerHeldBack();
        ctx.executor()
            .schedule(() -> release(ctx, response), delay.toNanos(), TimeUnit.NANOSECONDS);
        break;
      }
      write(ctx, response);
      wrote = true;
    }
    if (ConnectionGuard.isRejected(channel)) {
      return;
    }
    channel.config().setAutoRead(waiting.isEmpty() && !delayed);
    if (wrote && !inRead) {
      ctx.flush();
    }
    if (waiting.isEmpty() && !delayed && inputShutdown) {
      inputShutdown = false;
      ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    }
  }

  /** Writes one answer, counted against the connection's limits until the socket took it. */
  private void write(ChannelHandlerContext ctx, ServerFrame response) {
    int size = response.wireLength();
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
    write(ctx, response);
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

  private ServerFrame execute(Request request) {
    Registers registers = request.registers();
    switch (request.operation()) {
      case IN:
        return response(request, WireProtocol.carriable(registers, backdoor.in(registers)), null);
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
}
