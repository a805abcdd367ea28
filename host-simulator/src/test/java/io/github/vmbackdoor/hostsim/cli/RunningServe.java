package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.HostAndPort;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code serve} run in this JVM exactly as the command line runs it, on a free port of the address
 * its {@code --bind} names (loopback unless given), until closed; closing checks that it ended with
 * exit code 0.
 */
final class RunningServe implements AutoCloseable {

  private final CountDownLatch stop = new CountDownLatch(1);
  private final CompletableFuture<Integer> exit;
  private final HostAndPort address;
  private final OutputLines lines;
  private final OutputLines narration = new OutputLines();
  private String adminToken;

  /** Starts {@code serve} with these options (besides {@code --port 0}). */
  RunningServe(String... options) throws InterruptedException {
    lines = new OutputLines();
    String[] args = new String[options.length + 3];
    args[0] = "serve";
    args[1] = "--port";
    args[2] = "0";
    System.arraycopy(options, 0, args, 3, options.length);
    exit =
        CompletableFuture.supplyAsync(
            () ->
                Main.run(
                    new PrintWriter(lines, true),
                    new PrintWriter(narration, true),
                    new ServeCommand(stop),
                    args));
    String bind = "127.0.0.1";
    for (int i = 0; i + 1 < options.length; i++) {
      if (options[i].equals("--bind")) {
        bind = options[i + 1];
      }
    }
    String listening = lines.next();
    assertThat(listening).startsWith("listening on " + bind + ":");
    address = HostAndPort.fromString(listening.substring("listening on ".length()));
  }

  /** The next line serve printed after 'listening on'. */
  String nextLine() throws InterruptedException {
    return lines.next();
  }

  /** The next line of serve's narration (standard error) that contains {@code text}. */
  String narrated(String text) throws InterruptedException {
    for (String line = narration.next(); ; line = narration.next()) {
      if (line.contains(text)) {
        return line;
      }
    }
  }

  /**
   * Reads serve's output up to its 'admin API on HOST:PORT' line and the 'admin token TOKEN' line
   * after it; returns HOST:PORT.
   */
  HostAndPort admin() throws InterruptedException {
    for (String line = lines.next(); ; line = lines.next()) {
      if (line.startsWith("admin API on ")) {
        HostAndPort admin = HostAndPort.fromString(line.substring("admin API on ".length()));
        String token = lines.next();
        assertThat(token).startsWith("admin token ");
        adminToken = token.substring("admin token ".length()).split(" ", 2)[0];
        return admin;
      }
    }
  }

  /** The token serve printed; after {@link #admin()}. */
  String adminToken() {
    assertThat(adminToken).as("admin() was called").isNotNull();
    return adminToken;
  }

  /** A request to the admin API at {@code path}, with the token; a body as text/x-vmbackdoor. */
  HttpRequest.Builder adminRequest(HostAndPort admin, String method, String path, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + admin + path))
            .header("Authorization", "Bearer " + adminToken());
    if (body == null) {
      return b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return b.header("Content-Type", "text/x-vmbackdoor")
        .method(method, HttpRequest.BodyPublishers.ofString(body));
  }

  /** All serve wrote to standard error so far: once closed, all it wrote. */
  String errors() {
    return narration.text();
  }

  /** Whether serve still runs: it runs until closed. */
  boolean running() {
    return !exit.isDone();
  }

  String host() {
    return address.getHost();
  }

  int port() {
    return address.getPort();
  }

  /**
   * Stops serve and checks that it ended with exit code 0 within 60 seconds (a loaded machine is
   * slow to close). An interrupt while waiting is kept on the thread and reported as a failure of
   * the test.
   */
  @Override
  public void close() throws ExecutionException, TimeoutException {
    stop.countDown();
    try {
      assertThat(exit.get(60, TimeUnit.SECONDS)).as("exit code of serve").isZero();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while serve stopped", e);
    }
  }
}
