package io.github.vmbackdoor.hostsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.hostsim.internal.Durations;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code ctl}'s side of the admin API (docs/admin-api.md): one request, its JSON reply. */
final class AdminClient {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Default of ctl's {@code --timeout}. */
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** The largest reply ctl reads; a larger one is refused unread past this many bytes. */
  static final int MAX_REPLY_BYTES = 64 << 20;

  /** A request the server refused (its one-line message), or a server that could not be reached. */
  static final class AdminCallException extends Exception {
    private static final long serialVersionUID = 1L;

    AdminCallException(String message) {
      super(message, null, false, false);
    }
  }

  /** A reply past {@link #MAX_REPLY_BYTES}. */
  private static final class ReplyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    ReplyTooLargeException() {
      super("reply too large", null);
    }
  }

  /** A reply's body as UTF-8 text, read up to a limit: past it, the reading stops. */
  private static final class BoundedBody implements HttpResponse.BodySubscriber<String> {
    private final int limit;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<String> body = new CompletableFuture<>();
    private Flow.Subscription subscription;

    BoundedBody(int limit) {
      this.limit = limit;
    }

    @Override
    public CompletionStage<String> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        if (bytes.size() + b.remaining() > limit) {
          subscription.cancel();
          body.completeExceptionally(new ReplyTooLargeException());
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        bytes.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      body.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      body.complete(bytes.toString(StandardCharsets.UTF_8));
    }
  }

  private final HostAndPort admin;
  private final String token;
  private final Duration timeout;
  private final HttpClient http;

  AdminClient(HostAndPort admin, String token, Duration timeout) {
    this.admin = admin;
    this.token = token;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** A path segment, percent-encoded: a VM name, a guestinfo key. */
  static String segment(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Sends {@code method path} with {@code body} (null: none) and returns the reply's JSON. */
  JsonNode call(String method, String path, String body, Duration wait)
      throws AdminCallException, InterruptedException {
    URI uri = URI.create("http://" + admin + path);
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri)
            .timeout(timeout.plus(wait))
            .method(method, publisher)
            .header("Authorization", "Bearer " + token);
    if (body != null) {
      builder.header("Content-Type", "text/x-vmbackdoor; charset=utf-8");
    }
    HttpRequest request = builder.build();
    HttpResponse<String> response;
    Duration deadline = timeout.plus(wait);
    var sent = http.sendAsync(request, info -> new BoundedBody(MAX_REPLY_BYTES));
    try {
      response = sent.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      sent.cancel(true);
      throw new AdminCallException(
          "the admin API at "
              + admin
              + " sent no whole reply within "
              + Durations.format(deadline));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof ConnectException) {
        throw new AdminCallException(
            "cannot reach the admin API at " + admin + ": connection refused");
      }
      if (cause instanceof ReplyTooLargeException) {
        throw new AdminCallException(
            "the admin API at "
                + admin
                + " sent a reply larger than "
                + MAX_REPLY_BYTES
                + " bytes");
      }
      String message = cause.getMessage();
      throw new AdminCallException(
          "cannot reach the admin API at "
              + admin
              + ": "
              + (message == null
                  ? cause.getClass().getSimpleName()
                  : message.lines().findFirst().orElse("")));
    }
    JsonNode json;
    try {
      json = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AdminCallException(
          admin
              + " answered HTTP "
              + response.statusCode()
              + " without JSON: is it the admin API?");
    }
    if (response.statusCode() >= 400) {
      JsonNode error = json == null ? null : json.get("error");
      throw new AdminCallException(
          (error != null ? error.asText() : json.toString())
              + " (HTTP "
              + response.statusCode()
              + ")");
    }
    return json;
  }
}
