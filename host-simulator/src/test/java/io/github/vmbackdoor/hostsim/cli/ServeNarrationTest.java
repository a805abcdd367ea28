package io.github.vmbackdoor.hostsim.cli;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} says what happens as it happens, one line each on standard error: the scenario's
 * events as they fire, a guest connecting and leaving, the channels it opens and closes and the
 * ones the host closes, an admin event, the hits of the scenario's fault by its name (repeats
 * folded); {@code --quiet} says none of it, {@code --json-log} says it in JSON.
 */
class ServeNarrationTest {

  private static final String SCENARIO =
      """
      scenario story
      run 1h
      at 0s fault no-rpci protocol=rpci step=open clear-success
      """;

  /** Lines are awaited this long: a loaded machine is slow, and nothing here depends on it. */
  private static final long WAIT_SECONDS = 60;

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  /** serve in this JVM with stdout and stderr read line by line. */
  private final class Serve implements AutoCloseable {
    final Lines out = new Lines();
    final Lines err = new Lines();
    final CountDownLatch stop = new CountDownLatch(1);
    final CompletableFuture<Integer> exit;
    final HostAndPort address;
    final HostAndPort admin;
    final String token;

    Serve(String... options) throws Exception {
      List<String> args =
          new ArrayList<>(List.of("serve", "--port", "0", "--admin-port", "0", "--scenario"));
      Path scenario = dir.resolve("story.scenario");
      Files.writeString(scenario, SCENARIO);
      args.add(scenario.toString());
      args.addAll(List.of(options));
      exit =
          CompletableFuture.supplyAsync(
              () ->
                  Main.run(
                      new PrintWriter(out, true),
                      new PrintWriter(err, true),
                      new ServeCommand(stop),
                      args.toArray(new String[0])));
      address = HostAndPort.fromString(out.await("listening on ").substring(13));
      admin = HostAndPort.fromString(out.await("admin API on ").substring(13));
      token = out.await("admin token ").substring(12).split(" ")[0];
    }

    RemoteBackdoor guest() {
      return RemoteBackdoor.connect(address.getHost(), address.getPort(), "vm1");
    }

    void post(String events) throws Exception {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://" + admin + "/vms/vm1/events"))
                  .header("Authorization", "Bearer " + token)
                  .header("Content-Type", "text/x-vmbackdoor")
                  .POST(HttpRequest.BodyPublishers.ofString(events))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Override
    public void close() throws ExecutionException, TimeoutException {
      stop.countDown();
      try {
        assertThat(exit.get(WAIT_SECONDS, TimeUnit.SECONDS)).isZero();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while serve stopped", e);
      }
    }
  }

  /**
   * The story the tests play: the fault hit thrice, a TCLO channel the host closes, a guest gone.
   */
  private static void story(Serve serve) throws Exception {
    try (RemoteBackdoor guest = serve.guest()) {
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> MessageChannel.open(guest, PROTOCOL_RPCI))
            .isInstanceOf(MessageException.class);
      }
      MessageChannel tclo = MessageChannel.open(guest, PROTOCOL_TCLO);
      serve.post("invalidate-all host-closed");
      tclo.close();
    }
  }

  @Test
  void serveNarratesGuestsChannelsEventsAndFaultHits() throws Exception {
    try (Serve serve = new Serve()) {
      // The scenario's fault is installed at 0s, before any guest connects.
      serve.err.await(" scenario story at 0s: fault no-rpci protocol=rpci step=open clear-success");
      story(serve);
      String connected = serve.err.await(" vm1: guest connected from 127.0.0.1:");
      assertThat(connected)
          .matches(
              TIME + "vm1: guest connected from 127\\.0\\.0\\.1:\\d+ \\(connection 1 to vm1\\)");
      assertThat(serve.err.await(" vm1: fault no-rpci hit"))
          .endsWith("vm1: fault no-rpci hit OPEN: clear-success");
      // each open tries with cookies, then without: six hits, the five after the first folded
      assertThat(serve.err.await(" vm1: fault no-rpci hit 5 more times, the last at "))
          .matches(
              TIME
                  + "vm1: fault no-rpci hit 5 more times, the last at "
                  + TIME.substring(1).strip()
                  + "$");
      assertThat(serve.err.await(" vm1: channel "))
          .matches(TIME + "vm1: channel \\d+ TCLO opened by connection 1 to vm1");
      assertThat(serve.err.await(" vm1: admin API: "))
          .endsWith("vm1: admin API: invalidate-all host-closed");
      assertThat(serve.err.await(" vm1: channel "))
          .matches(
              TIME + "vm1: channel \\d+ TCLO closed by the host \\(invalidate-all host-closed\\)");
      assertThat(serve.err.await(" vm1: guest left"))
          .endsWith("vm1: guest left (connection 1 to vm1)");
      assertThat(serve.err.seen()).noneMatch(l -> l.contains("Exception"));
    }
  }

  @Test
  void quietSaysNothing() throws Exception {
    try (Serve serve = new Serve("--quiet")) {
      story(serve);
      // the admin API applies an event before it answers: its line would be out by now
      serve.post("checkpoint");
      assertThat(serve.err.seen()).isEmpty();
      assertThat(serve.out.seen()).noneMatch(l -> l.contains("guest") || l.contains("fault"));
    }
  }

  @Test
  void jsonLogSaysItInJson() throws Exception {
    try (Serve serve = new Serve("--json-log")) {
      story(serve);
      assertThat(serve.err.await("\"event\":\"left\""))
          .startsWith("{\"time\":\"")
          .endsWith(
              "\"vm\":\"vm1\",\"event\":\"left\",\"message\":\"guest left (connection 1 to"
                  + " vm1)\"}");
      assertThat(serve.err.seen())
          .anyMatch(
              l ->
                  l.contains(
                      "\"event\":\"fault-hit\",\"message\":\"fault no-rpci hit OPEN:"
                          + " clear-success\""))
          .anyMatch(l -> l.contains("\"event\":\"admin-event\""))
          .allMatch(l -> l.startsWith("{") && l.endsWith("}"));
    }
  }

  @Test
  void logWritesTheNarrationToAFile() throws Exception {
    Path log = dir.resolve("serve.log");
    try (Serve serve = new Serve("--log", log.toString())) {
      story(serve);
      serve.post("checkpoint");
      assertThat(serve.err.seen()).isEmpty();
    }
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).anyMatch(l -> l.endsWith("vm1: fault no-rpci hit OPEN: clear-success"));
    assertThat(lines).anyMatch(l -> l.endsWith("vm1: admin API: checkpoint"));
  }

  private static final String TIME = "^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ";

  /** Output lines, handed out as they complete; every line kept. */
  private static final class Lines extends java.io.Writer {
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final StringBuilder current = new StringBuilder();

    /** The next line that contains {@code text}, waiting up to a minute. */
    String await(String text) throws InterruptedException {
      while (true) {
        String line = lines.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(line).as("a line containing '%s' after %s", text, seen).isNotNull();
        if (line.contains(text)) {
          return line;
        }
      }
    }

    List<String> seen() {
      return List.copyOf(seen);
    }

    @Override
    public synchronized void write(char[] chars, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        if (chars[i] == '\n') {
          String line = current.toString().replace("\r", "");
          seen.add(line);
          lines.add(line);
          current.setLength(0);
        } else {
          current.append(chars[i]);
        }
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
