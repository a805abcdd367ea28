package io.github.vmbackdoor.hostsim.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Splitter;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One admin connection: finds each request's route, runs it, writes its JSON reply. Requests run
 * one at a time, in the order they came, so replies go out in that order (HTTP/1.1 pipelining); a
 * connection that goes {@code readTimeout} without completing a request while it is owed no reply
 * is closed; closing it cancels its waiting {@code take}.
 */
final class AdminHandler extends ChannelInboundHandlerAdapter {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Most requests a connection may have waiting behind the one running (pipelined). */
  static final int MAX_QUEUED = 16;

  private final AdminRoutes routes;
  private final AdminGate gate;
  private final Duration readTimeout;
  private final Deque<Object> queued = new ArrayDeque<>();
  private CompletableFuture<?> pending;
  private ScheduledFuture<?> deadline;

  AdminHandler(AdminRoutes routes, AdminGate gate, Duration readTimeout) {
    this.routes = routes;
    this.gate = gate;
    this.readTimeout = readTimeout;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    arm(ctx);
    super.channelActive(ctx);
  }

  /** Starts the clock of a connection that owes the next request. */
  private void arm(ChannelHandlerContext ctx) {
    disarm();
    deadline =
        ctx.executor()
            .schedule(
                () -> {
                  if (pending == null && queued.isEmpty()) {
                    ctx.close();
                  }
                },
                readTimeout.toNanos(),
                TimeUnit.NANOSECONDS);
  }

  private void disarm() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest) && !(msg instanceof AdminGate.Refused)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    disarm();
    if (pending != null) {
      if (queued.size() >= MAX_QUEUED) {
        release(msg);
        ctx.close();
        return;
      }
      queued.add(msg);
      return;
    }
    run(ctx, msg);
  }

  private void run(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof AdminGate.Refused r) {
      pending = null;
      refuse(ctx, r.refusal());
      return;
    }
    FullHttpRequest request = (FullHttpRequest) msg;
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    CompletionStage<AdminRoutes.Reply> reply;
    try {
      reply = dispatch(ctx, request);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    } finally {
      release(request);
    }
    CompletableFuture<AdminRoutes.Reply> future = reply.toCompletableFuture();
    pending = future;
    future.whenComplete(
        (r, e) -> {
          if (ctx.executor().inEventLoop()) {
            done(ctx, future, r != null ? r : failure(e), keepAlive);
          } else {
            ctx.executor().execute(() -> done(ctx, future, r != null ? r : failure(e), keepAlive));
          }
        });
  }

  private void done(
      ChannelHandlerContext ctx,
      CompletableFuture<?> future,
      AdminRoutes.Reply reply,
      boolean keepAlive) {
    if (pending != future || !ctx.channel().isActive()) {
      return;
    }
    pending = null;
    write(ctx, reply, keepAlive);
    if (!keepAlive) {
      queued.forEach(this::release);
      queued.clear();
      return;
    }
    Object next = queued.poll();
    if (next != null) {
      run(ctx, next);
    } else {
      arm(ctx);
    }
  }

  /** Frees a request's body and what the gate reserved for it. */
  private void release(Object msg) {
    if (msg instanceof FullHttpRequest request && request.refCnt() > 0) {
      gate.release(request.content().readableBytes());
      ReferenceCountUtil.release(request);
    }
  }

  private CompletionStage<AdminRoutes.Reply> dispatch(
      ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      throw AdminException.badRequest("not an HTTP/1.1 request");
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    List<String> segments = new ArrayList<>();
    for (String s : Splitter.on('/').omitEmptyStrings().split(uri.rawPath())) {
      segments.add(QueryStringDecoder.decodeComponent(s));
    }
    List<String> allowed = new ArrayList<>();
    for (AdminRoutes.Route route : routes.routes()) {
      Optional<Map<String, String>> vars = route.match(segments);
      if (vars.isEmpty()) {
        continue;
      }
      if (!route.method().equals(request.method())) {
        allowed.add(route.method().name());
        continue;
      }
      String body = request.content().toString(StandardCharsets.UTF_8);
      return route.action().handle(new AdminRoutes.Exchange(vars.get(), uri, body, ctx.executor()));
    }
    if (!allowed.isEmpty()) {
      throw new AdminException(
          HttpResponseStatus.METHOD_NOT_ALLOWED,
          request.method()
              + " is not allowed on "
              + uri.rawPath()
              + " (use "
              + String.join(" or ", allowed)
              + ")");
    }
    throw AdminException.notFound("no such path: " + uri.rawPath() + " (see docs/admin-api.md)");
  }

  private static AdminRoutes.Reply failure(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof AdminException a) {
      return new AdminRoutes.Reply(a.status(), new Views.Error(a.getMessage()));
    }
    if (cause instanceof IllegalArgumentException) {
      return new AdminRoutes.Reply(
          HttpResponseStatus.BAD_REQUEST, new Views.Error(cause.getMessage()));
    }
    return new AdminRoutes.Reply(
        HttpResponseStatus.INTERNAL_SERVER_ERROR,
        new Views.Error("the simulator failed: " + cause));
  }

  /** Answers a request refused before its body was read, and closes the connection. */
  static void refuse(ChannelHandlerContext ctx, AdminException refusal) {
    write(
        ctx, new AdminRoutes.Reply(refusal.status(), new Views.Error(refusal.getMessage())), false);
  }

  private static void write(ChannelHandlerContext ctx, AdminRoutes.Reply reply, boolean keepAlive) {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(reply.body());
    } catch (JsonProcessingException e) {
      reply = failure(e);
      body = ("{\"error\":\"cannot write the reply\"}").getBytes(StandardCharsets.UTF_8);
    }
    byte[] line = new byte[body.length + 1];
    System.arraycopy(body, 0, line, 0, body.length);
    line[body.length] = '\n';
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, reply.status(), Unpooled.wrappedBuffer(line));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    HttpUtil.setContentLength(response, line.length);
    HttpUtil.setKeepAlive(response, keepAlive);
    if (reply.status().equals(HttpResponseStatus.UNAUTHORIZED)) {
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
    }
    var written = ctx.writeAndFlush(response);
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    disarm();
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
    queued.forEach(this::release);
    queued.clear();
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
