package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code ctl} does not trust its server: a reply too large, too slow or of another shape. */
@Timeout(300)
class CtlLimitsTest {

  /** A server that answers one request with {@code reply}, then holds the connection. */
  private static final class OneReply implements AutoCloseable {
    final ServerSocket server;
    final CompletableFuture<Void> done;

    OneReply(ReplyWriter reply) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      done =
          CompletableFuture.runAsync(
              () -> {
                try (Socket s = server.accept()) {
                  InputStream in = s.getInputStream();
                  int matched = 0;
                  byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                  while (matched < 4) {
                    int c = in.read();
                    if (c < 0) {
                      return;
                    }
                    matched = c == end[matched] ? matched + 1 : c == '\r' ? 1 : 0;
                  }
                  reply.write(s.getOutputStream());
                  in.read(); // until the client goes
                } catch (IOException e) {
                  // the client went away
                }
              });
    }

    String admin() {
      return "127.0.0.1:" + server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  @FunctionalInterface
  interface ReplyWriter {
    void write(OutputStream out) throws IOException;
  }

  private static Cli ctl(String... args) {
    String[] line = new String[args.length + 1];
    line[0] = "ctl";
    System.arraycopy(args, 0, line, 1, args.length);
    Cli cli = new Cli();
    cli.run(line);
    return cli;
  }

  private static final String TOKEN = "a-token-for-a-server-we-do-not-trust";

  @Test
  void aReplyPastTheLimitIsRefusedWithOneLine() throws Exception {
    try (OneReply server =
        new OneReply(
            out -> {
              out.write(
                  ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                          + (1L << 31)
                          + "\r\n\r\n")
                      .getBytes(StandardCharsets.US_ASCII));
              byte[] chunk = new byte[1 << 20];
              java.util.Arrays.fill(chunk, (byte) ' ');
              for (int i = 0; i < 2048; i++) {
                out.write(chunk);
              }
            })) {
      Cli run = ctl("--admin", server.admin(), "--admin-token", TOKEN, "vms");
      assertThat(run.exit()).isEqualTo(1);
      assertThat(run.err()).hasLineCount(1).contains("a reply larger than 67108864 bytes");
    }
  }

  @Test
  void aReplyThatTricklesIsGivenUpAfterTheReplyTimeout() throws Exception {
    try (OneReply server =
        new OneReply(
            out -> {
              out.write(
                  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n["
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
            })) {
      Cli run =
          ctl("--admin", server.admin(), "--admin-token", TOKEN, "--reply-timeout", "500ms", "vms");
      assertThat(run.exit()).isEqualTo(1);
      assertThat(run.err()).hasLineCount(1).contains("sent no whole reply within 500ms");
    }
  }

  @Test
  void aFollowedReplyWithoutCallsIsOneLine() throws Exception {
    try (OneReply server =
        new OneReply(
            out ->
                out.write(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n{}\n"
                        .getBytes(StandardCharsets.US_ASCII)))) {
      Cli run = ctl("--admin", server.admin(), "--admin-token", TOKEN, "calls", "vm1", "--follow");
      assertThat(run.exit()).isEqualTo(1);
      assertThat(run.err())
          .hasLineCount(1)
          .startsWith("vmbackdoor ctl: the admin API answered without 'calls' and 'next'")
          .doesNotContain("NullPointerException");
    }
  }
}
