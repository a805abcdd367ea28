package io.github.vmbackdoor.hostsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.net.HostAndPort;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** {@code ctl}'s side of the admin API (docs/admin-api.md): one request, its JSON reply. */
final class AdminClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** A request the server refused (its one-line message), or a server that could not be reached. */
  static final class AdminCallException extends Exception {
    private static final long serialVersionUID = 1L;

    AdminCallException(String message) {
      super(message, null, false, false);
    }
  }

  private final HostAndPort admin;
  private final String token;
  private final HttpClient http;

  AdminClient(HostAndPort admin, String token) {
    this.admin = admin;
    this.token = token;
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
            .timeout(TIMEOUT.plus(wait))
            .method(method, publisher)
            .header("Authorization", "Bearer " + token);
    if (body != null) {
      builder.header("Content-Type", "text/x-vmbackdoor; charset=utf-8");
    }
    HttpRequest request = builder.build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException e) {
      throw new AdminCallException(
          "cannot reach the admin API at " + admin + ": connection refused");
    } catch (IOException e) {
      throw new AdminCallException("cannot reach the admin API at " + admin + ": " + e);
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
