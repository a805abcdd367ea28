package io.github.vmbackdoor.hostsim.admin;

import com.google.common.collect.ImmutableSet;
import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The admin API's door (docs/admin-api.md, "Security"): looks at each request's head before its
 * body is read and refuses, and closes the connection on, a request whose {@code Host} is not the
 * address it reached (DNS rebinding), whose {@code Origin} was not allowed (a web page), that does
 * not carry the token, or whose body is not of the one documented type (a cross-site "simple"
 * request: {@code text/plain}, a form, multipart). A refused request changes nothing: its body is
 * discarded unread.
 */
final class AdminGate extends ChannelInboundHandlerAdapter {

  /** The one type a request body is accepted as: UTF-8 text in the words of the simulator. */
  static final String BODY_TYPE = "text/x-vmbackdoor";

  private final String token;
  private final ImmutableSet<String> allowedOrigins;
  private final int maxBody;
  private final AtomicLong bodyBudget;
  private boolean refused;

  /** Bytes reserved in {@link #bodyBudget} for this connection's requests not yet done with. */
  private long held;

  /**
   * A gate with this token and these allowed origins; a body is at most {@code maxBody} bytes, and
   * the bodies being read or waiting on all connections at most what {@code bodyBudget} holds.
   */
  AdminGate(String token, ImmutableSet<String> allowedOrigins, int maxBody, AtomicLong bodyBudget) {
    this.token = token;
    this.allowedOrigins = allowedOrigins;
    this.maxBody = maxBody;
    this.bodyBudget = bodyBudget;
  }

  /** Gives back {@code bytes} of what this connection reserved (a request is done with). */
  void release(long bytes) {
    long n = Math.min(bytes, held);
    if (n > 0) {
      held -= n;
      bodyBudget.addAndGet(n);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    release(held);
    super.channelInactive(ctx);
  }

  /** Reserves {@code bytes} of the budget before a body is read; false when it cannot. */
  private boolean reserve(long bytes) {
    for (long left = bodyBudget.get(); left >= bytes; left = bodyBudget.get()) {
      if (bodyBudget.compareAndSet(left, left - bytes)) {
        held += bytes;
        return true;
      }
    }
    return false;
  }

  /** A request refused from its head: the handler answers it in turn, and closes. */
  record Refused(AdminException refusal) {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg); // the connection closes after the refusal's reply
      return;
    }
    if (msg instanceof HttpRequest request && !request.decoderResult().isFailure()) {
      AdminException refusal = refusal(ctx, request);
      if (refusal != null) {
        refused = true;
        ReferenceCountUtil.release(msg);
        ctx.fireChannelRead(new Refused(refusal));
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  private AdminException refusal(ChannelHandlerContext ctx, HttpRequest request) {
    InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
    String host = request.headers().get(HttpHeaderNames.HOST);
    if (host == null || !hostIs(host, local)) {
      return new AdminException(
          HttpResponseStatus.FORBIDDEN,
          "Host "
              + (host == null ? "missing" : "'" + printable(host) + "'")
              + ": the admin API answers requests to "
              + HostAndPort.fromParts(local.getAddress().getHostAddress(), local.getPort())
              + " only");
    }
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (origin != null && !allowedOrigins.contains(origin.toLowerCase(Locale.ROOT))) {
      return new AdminException(
          HttpResponseStatus.FORBIDDEN,
          "Origin '"
              + printable(origin)
              + "' is not allowed (serve --admin-allow-origin allows one)");
    }
    String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    String given =
        authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
            ? authorization.substring(7).strip()
            : null;
    if (!AdminToken.matches(token, given)) {
      return new AdminException(
          HttpResponseStatus.UNAUTHORIZED,
          (given == null ? "no token" : "a wrong token")
              + ": every request carries 'Authorization: Bearer TOKEN', the token serve printed"
              + " and wrote to its token file");
    }
    String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    boolean body =
        HttpUtil.isTransferEncodingChunked(request)
            || !"0".equals(request.headers().get(HttpHeaderNames.CONTENT_LENGTH, "0"));
    if ((body || type != null) && !bodyType(type)) {
      return new AdminException(
          HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
          "a body is sent as Content-Type: "
              + BODY_TYPE
              + " (UTF-8), not "
              + (type == null ? "without a type" : "'" + printable(type) + "'"));
    }
    if (HttpUtil.isTransferEncodingChunked(request)) {
      return new AdminException(
          HttpResponseStatus.LENGTH_REQUIRED, "a body is sent with its Content-Length");
    }
    long length;
    try {
      length = HttpUtil.getContentLength(request, 0L);
    } catch (NumberFormatException e) {
      return AdminException.badRequest("Content-Length is not a number");
    }
    if (length < 0 || length > maxBody) {
      return new AdminException(
          HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          "a body is at most " + maxBody + " bytes, not " + length);
    }
    if (length > 0 && !reserve(length)) {
      return new AdminException(
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "the admin API holds as many bodies as it reads at once; try again");
    }
    return null;
  }

  /** Whether a Host header names the address and port this connection reached. */
  static boolean hostIs(String host, InetSocketAddress local) {
    HostAndPort named;
    try {
      named = HostAndPort.fromString(host);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (named.getPortOrDefault(80) != local.getPort()) {
      return false;
    }
    InetAddress reached = local.getAddress();
    String name = named.getHost();
    if (InetAddresses.isInetAddress(name)) {
      InetAddress address = InetAddresses.forString(name);
      return address.equals(reached)
          || (address.isLoopbackAddress() && reached.isLoopbackAddress());
    }
    return name.equalsIgnoreCase("localhost") && reached.isLoopbackAddress();
  }

  private static boolean bodyType(String type) {
    if (type == null) {
      return false;
    }
    CharSequence mime = HttpUtil.getMimeType(type);
    if (mime == null || !mime.toString().strip().equalsIgnoreCase(BODY_TYPE)) {
      return false;
    }
    CharSequence charset = HttpUtil.getCharsetAsSequence(type);
    return charset == null || charset.toString().strip().equalsIgnoreCase("utf-8");
  }

  private static String printable(String text) {
    String cut = text.length() > 80 ? text.substring(0, 80) + "..." : text;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
