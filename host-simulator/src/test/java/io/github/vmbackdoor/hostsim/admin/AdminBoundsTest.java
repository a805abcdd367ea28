package io.github.vmbackdoor.hostsim.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import io.github.vmbackdoor.rpc.RpciClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The admin API bounded like the wire server: a connection cap, a read timeout, a body budget
 * reserved before a body is read, replies in order, a {@code take} that ends with its connection
 * and a capped timeout, scenario timelines played lazily and stoppable.
 */
@Timeout(300)
class AdminBoundsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ServedVm vm() {
    return ServedVm.of("vm1", () -> VirtualHost.builder().seed(7).secureCookies().build());
  }

  private static SimulatorServer wire(ServedVm vm) {
    return SimulatorServer.builder(
            name -> name.equals("vm1") ? vm.connect("guest", ConnectionPolicy.DEFAULTS) : null)
        .start();
  }

  /** A request's bytes: method, path, the token, a text body (or none), keep-alive. */
  private static String request(AdminServer admin, String method, String path, String body) {
    StringBuilder b =
        new StringBuilder(method + " " + path + " HTTP/1.1\r\n")
            .append("Host: 127.0.0.1:")
            .append(admin.port())
            .append("\r\nAuthorization: Bearer ")
            .append(admin.token())
            .append("\r\n");
    if (body != null) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      b.append("Content-Type: text/x-vmbackdoor\r\nContent-Length: ")
          .append(bytes.length)
          .append("\r\n\r\n")
          .append(body);
    } else {
      b.append("\r\n");
    }
    return b.toString();
  }

  /** One HTTP exchange on a fresh connection; returns the reply's status and JSON body. */
  private static Reply call(AdminServer admin, String method, String path, String body)
      throws IOException {
    try (Socket s = connect(admin)) {
      s.getOutputStream()
          .write(request(admin, method, path, body).getBytes(StandardCharsets.UTF_8));
      return Reply.read(s.getInputStream());
    }
  }

  private static Socket connect(AdminServer admin) throws IOException {
    Socket s = new Socket();
    s.setSoTimeout(60_000);
    s.connect(new InetSocketAddress("127.0.0.1", admin.port()), 60_000);
    return s;
  }

  /**
   * A connection over the cap is closed without a reply: reset while it connects, or at once after.
   */
  private static boolean overTheCapClosedUnanswered(AdminServer admin) throws IOException {
    Socket c;
    try {
      c = connect(admin);
    } catch (java.net.SocketException e) {
      return true;
    }
    try (c) {
      return closedUnanswered(c);
    }
  }

  /** The server closed the connection without a reply: an end of stream or a reset. */
  private static boolean closedUnanswered(Socket s) {
    try {
      return s.getInputStream().read() == -1;
    } catch (java.net.SocketException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  record Reply(int status, JsonNode body) {
    /** Reads one reply: status line, headers, Content-Length bytes. */
    static Reply read(InputStream in) throws IOException {
      String status = line(in);
      int length = 0;
      for (String h = line(in); !h.isEmpty(); h = line(in)) {
        if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
          length = Integer.parseInt(h.substring(15).strip());
        }
      }
      byte[] body = in.readNBytes(length);
      return new Reply(Integer.parseInt(status.split(" ")[1]), JSON.readTree(body));
    }

    private static String line(InputStream in) throws IOException {
      StringBuilder b = new StringBuilder();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new IOException("the connection ended after '" + b + "'");
        }
        if (c != '\r') {
          b.append((char) c);
        }
      }
      return b.toString();
    }
  }

  /** Nanoseconds a guest's RPCI takes from connecting to its answer. */
  private static long rpci(SimulatorServer wire) throws Exception {
    long start = System.nanoTime();
    try (RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", wire.port(), "vm1")) {
      assertThat(RpciClient.create(guest).log("still here").isSuccess()).isTrue();
    }
    return System.nanoTime() - start;
  }

  @Test
  void incompleteBodiesOnFifteenHundredConnectionsLeaveAGuestAnswered() throws Exception {
    ServedVm vm = vm();
    try (SimulatorServer wire = wire(vm);
        AdminServer admin = AdminServer.builder(List.of(vm)).start()) {
      rpci(wire); // warm up
      long baseline = rpci(wire);
      int announced = AdminServer.MAX_BODY_BYTES;
      byte[] head =
          ("PUT /vms/vm1/guestinfo/big HTTP/1.1\r\nHost: 127.0.0.1:"
                  + admin.port()
                  + "\r\nAuthorization: Bearer "
                  + admin.token()
                  + "\r\nContent-Type: text/x-vmbackdoor\r\nContent-Length: "
                  + announced
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      byte[] almost = new byte[announced - 1024];
      List<Socket> attackers = new ArrayList<>();
      int refusedOrClosed = 0;
      try {
        for (int i = 0; i < 1_500; i++) {
          Socket s;
          try {
            s = connect(admin);
          } catch (java.net.SocketException e) {
            refusedOrClosed++; // reset over the cap before the connect returned
            continue;
          }
          attackers.add(s);
          try {
            OutputStream out = s.getOutputStream();
            out.write(head);
            out.write(almost);
            out.flush();
          } catch (IOException e) {
            refusedOrClosed++; // closed over the cap, or refused beyond the budget
          }
        }
        long during = rpci(wire);
        // the broken server failed every guest (OutOfMemoryError); a working one answers at once
        assertThat(Duration.ofNanos(during))
            .as(
                "a guest's RPCI under the attack took %s ms (%s ms before it; %s attackers cut off)",
                during / 1_000_000, baseline / 1_000_000, refusedOrClosed)
            .isLessThan(Duration.ofSeconds(10));
        assertThat(admin.heldBodyBytes()).isLessThanOrEqualTo(AdminServer.DEFAULT_BODY_BUDGET);
        assertThat(admin.connections()).isLessThanOrEqualTo(AdminServer.DEFAULT_MAX_CONNECTIONS);
        System.out.printf(
            "AdminBoundsTest: guest RPCI %d ms under 1,500 incomplete 1 MiB bodies (%d ms before)%n",
            during / 1_000_000, baseline / 1_000_000);
      } finally {
        for (Socket s : attackers) {
          s.close();
        }
      }
      // the admin API serves again once the attackers are gone
      assertThat(call(admin, "GET", "/vms", null).status()).isEqualTo(200);
    }
  }

  @Test
  void twentyThousandIdleConnectionsNeverStopAGuest() throws Exception {
    ServedVm vm = vm();
    try (SimulatorServer wire = wire(vm);
        AdminServer admin = AdminServer.builder(List.of(vm)).start()) {
      // 20,000 connections, the attacker holding up to 2,000 of them open at a time (the
      // process's file limit, 20,000 here, counts both ends of each in this one JVM)
      Deque<Socket> held = new ArrayDeque<>();
      int peak = 0;
      try {
        for (int i = 0; i < 20_000; i++) {
          try {
            held.add(connect(admin));
          } catch (java.net.SocketException e) {
            // reset at once: the server closed it over its cap before the connect returned
          }
          if (held.size() > 2_000) {
            held.poll().close();
          }
          peak = Math.max(peak, admin.connections());
          if (i % 5_000 == 4_999) {
            rpci(wire);
          }
        }
        assertThat(peak).isLessThanOrEqualTo(AdminServer.DEFAULT_MAX_CONNECTIONS);
        rpci(wire);
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  @Test
  void aConnectionThatSendsNoRequestIsClosedAfterTheReadTimeout() throws Exception {
    ServedVm vm = vm();
    try (AdminServer admin =
        AdminServer.builder(List.of(vm)).readTimeout(Duration.ofMillis(200)).start()) {
      try (Socket s = connect(admin)) {
        s.getOutputStream()
            .write("GET /vms HTTP/1.1\r\nHost: 127".getBytes(StandardCharsets.US_ASCII));
        assertThat(s.getInputStream().read()).as("closed, nothing answered").isEqualTo(-1);
      }
      // and after a reply, the clock starts again
      try (Socket s = connect(admin)) {
        s.getOutputStream()
            .write(request(admin, "GET", "/vms", null).getBytes(StandardCharsets.UTF_8));
        assertThat(Reply.read(s.getInputStream()).status()).isEqualTo(200);
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
    }
  }

  @Test
  void overTheCapAConnectionIsClosedAtOnceAndABodyTooLargeIsRefusedUnread() throws Exception {
    ServedVm vm = vm();
    try (AdminServer admin = AdminServer.builder(List.of(vm)).maxConnections(2).start()) {
      try (Socket a = connect(admin);
          Socket b = connect(admin)) {
        assertThat(overTheCapClosedUnanswered(admin)).isTrue();
        a.getOutputStream()
            .write(request(admin, "GET", "/vms", null).getBytes(StandardCharsets.UTF_8));
        assertThat(Reply.read(a.getInputStream()).status()).isEqualTo(200);
        String tooLarge =
            "PUT /vms/vm1/guestinfo/x HTTP/1.1\r\nHost: 127.0.0.1:"
                + admin.port()
                + "\r\nAuthorization: Bearer "
                + admin.token()
                + "\r\nContent-Type: text/x-vmbackdoor\r\nContent-Length: "
                + (AdminServer.MAX_BODY_BYTES + 1)
                + "\r\n\r\n";
        b.getOutputStream().write(tooLarge.getBytes(StandardCharsets.US_ASCII));
        Reply r = Reply.read(b.getInputStream());
        assertThat(r.status()).isEqualTo(413);
        String chunked =
            "PUT /vms/vm1/guestinfo/x HTTP/1.1\r\nHost: 127.0.0.1:"
                + admin.port()
                + "\r\nAuthorization: Bearer "
                + admin.token()
                + "\r\nContent-Type: text/x-vmbackdoor\r\nTransfer-Encoding: chunked\r\n\r\n";
        a.getOutputStream().write(chunked.getBytes(StandardCharsets.US_ASCII));
        assertThat(Reply.read(a.getInputStream()).status()).isEqualTo(411);
      }
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderAndATakeEndsWithItsConnection() throws Exception {
    ServedVm vm = vm();
    try (SimulatorServer wire = wire(vm);
        AdminServer admin = AdminServer.builder(List.of(vm)).start()) {
      try (Socket s = connect(admin)) {
        s.getOutputStream()
            .write(
                (request(admin, "GET", "/vms/vm1/rpci/take?timeout=300ms", null)
                        + request(admin, "GET", "/vms/vm1", null)
                        + request(admin, "GET", "/vms/vm1/guestinfo", null))
                    .getBytes(StandardCharsets.UTF_8));
        InputStream in = s.getInputStream();
        assertThat(Reply.read(in).status()).as("the take first").isEqualTo(408);
        assertThat(Reply.read(in).body().get("name").asText()).isEqualTo("vm1");
        assertThat(Reply.read(in).status()).isEqualTo(200);
      }
      // takes on a connection that goes away take nothing
      try (Socket s = connect(admin)) {
        String take = request(admin, "GET", "/vms/vm1/rpci/take?timeout=10m", null);
        s.getOutputStream().write((take + take + take).getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
      }
      assertThat(call(admin, "GET", "/vms/vm1/rpci/take?timeout=11m", null).status())
          .as("a take's timeout is capped")
          .isEqualTo(400);
      rpci(wire); // after a reply to the first connection, its takes are gone
      Reply taken = call(admin, "GET", "/vms/vm1/rpci/take?timeout=60s", null);
      assertThat(taken.status()).isEqualTo(200);
      assertThat(taken.body().get("text").asText()).isEqualTo("log still here");
    }
  }

  /** Virtual time: tasks run when the test advances the clock. */
  static final class VirtualTimeline {
    final AtomicLong now = new AtomicLong();
    final PriorityQueue<long[]> order = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    final List<Runnable> tasks = new ArrayList<>();

    synchronized void schedule(Duration delay, Runnable action) {
      tasks.add(action);
      order.add(new long[] {now.get() + delay.toNanos(), tasks.size() - 1});
    }

    synchronized int pending() {
      return order.size();
    }

    /** Runs the next task, moving the clock to its time; false when none is pending. */
    boolean step() {
      Runnable task;
      synchronized (this) {
        long[] next = order.poll();
        if (next == null) {
          return false;
        }
        now.set(Math.max(now.get(), next[0]));
        task = tasks.set((int) next[1], null);
      }
      task.run();
      return true;
    }
  }

  @Test
  void aWeekOfCheckpointsEvery605MsIsPlayedLazilyAndCanBeStopped() throws Exception {
    ServedVm vm = vm();
    VirtualTimeline time = new VirtualTimeline();
    try (AdminServer admin =
        AdminServer.builder(List.of(vm))
            .ticker(
                new com.google.common.base.Ticker() {
                  @Override
                  public long read() {
                    return time.now.get();
                  }
                })
            .timeline(time::schedule)
            .start()) {
      String week = "scenario week\nrun 7d\nevery 605ms checkpoint\n";
      Reply played = call(admin, "POST", "/vms/vm1/scenario", week);
      assertThat(played.status()).as("%s", played.body()).isEqualTo(200);
      assertThat(played.body().get("occurrences").asLong()).isEqualTo(999_669L);
      long id = played.body().get("id").asLong();
      assertThat(time.pending()).as("one pending occurrence, not a week's").isEqualTo(1);
      for (int i = 0; i < 1_000; i++) {
        assertThat(time.step()).isTrue();
        assertThat(time.pending()).isEqualTo(1);
      }
      assertThat(vm.host().records().checkpoints()).isEqualTo(1_000);
      JsonNode list = call(admin, "GET", "/vms/vm1/scenarios", null).body();
      assertThat(list.get("playing")).hasSize(1);
      assertThat(list.get("playing").get(0).get("applied").asLong()).isEqualTo(1_000);

      Reply stopped = call(admin, "DELETE", "/vms/vm1/scenarios/" + id, null);
      assertThat(stopped.status()).isEqualTo(200);
      while (time.step()) {
        // a stopped timeline's one pending task ends it
      }
      assertThat(time.pending()).isZero();
      assertThat(vm.host().records().checkpoints()).isEqualTo(1_000);
      assertThat(call(admin, "GET", "/vms/vm1/scenarios", null).body().get("playing")).isEmpty();
      assertThat(call(admin, "DELETE", "/vms/vm1/scenarios/" + id, null).status()).isEqualTo(404);

      // a reset stops them too
      call(admin, "POST", "/vms/vm1/scenario", week);
      assertThat(time.pending()).isEqualTo(1);
      assertThat(call(admin, "POST", "/vms/vm1/reset", null).status()).isEqualTo(200);
      assertThat(time.step()).isTrue();
      assertThat(time.pending()).as("the reset stopped the timeline").isZero();
      assertThat(vm.host().records().checkpoints()).isZero();
      assertThat(call(admin, "GET", "/vms/vm1/scenarios", null).body().get("playing")).isEmpty();
      for (int i = 0; i < Timelines.MAX_PER_VM; i++) {
        assertThat(call(admin, "POST", "/vms/vm1/scenario", week).status()).isEqualTo(200);
      }
      assertThat(call(admin, "POST", "/vms/vm1/scenario", week).status()).isEqualTo(429);
      assertThat(time.pending()).isEqualTo(Timelines.MAX_PER_VM);
    }
  }
}
