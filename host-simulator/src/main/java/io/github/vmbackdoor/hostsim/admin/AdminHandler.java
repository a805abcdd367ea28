package io.github.vmbackdoor.hostsim.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Splitter;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** One admin connection: finds each request's route, runs it, writes its JSON reply. */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final AdminRoutes routes;
  private CompletableFuture<?> pending;

  AdminHandler(AdminRoutes routes) {
    this.routes = routes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    CompletionStage<AdminRoutes.Reply> reply;
    try {
      reply = dispatch(ctx, request);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<AdminRoutes.Reply> future = reply.toCompletableFuture();
    pending = future;
    future.whenComplete(
        (r, e) -> {
          if (ctx.channel().isActive()) {
            write(ctx, r != null ? r : failure(e), keepAlive);
          }
        });
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
    if (pending != null) {
      pending.cancel(false);
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
