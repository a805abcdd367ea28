package io.github.vmbackdoor.hostsim.reliability;

import static io.github.vmbackdoor.core.BackdoorProtocol.COMMAND_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static io.github.vmbackdoor.core.BackdoorProtocol.messageEcx;

import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.hostsim.server.WireError;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.RpciReply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The four attacks on a running {@code serve}, each a loop that runs until {@link #stop()}:
 * amplification (pipelined maximum-size INS never read; 60,000-byte guestinfo values read back and
 * 60,000-byte {@code log} messages, again and again), store flooding (guestinfo, capabilities and
 * SetGuestInfo values under ever new names, and log lines), channel hoarding (connections that open
 * every channel they can, hold them a while and disconnect) and idle flooding (hundreds of
 * connections from one address that send a HELLO and nothing more, half a HELLO, or half a frame).
 * The TCLO queue flood is the server's own scenario. Each attack counts what it did and what it
 * met.
 */
final class ServeAttacks {

  /** A value or log message of 60,000 bytes, close to the largest request. */
  static final String BIG = "a".repeat(60_000);

  /** The largest frame the protocol allows: a header promising it and no body is half a frame. */
  private static final int MAX_FRAME = 69_665;

  private final InetSocketAddress server;
  private final CountDownLatch end = new CountDownLatch(1);
  private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();

  // amplification
  final AtomicLong neverReaderCycles = new AtomicLong();
  final AtomicLong neverReaderBytesSent = new AtomicLong();
  final AtomicLong bigRepliesBytes = new AtomicLong();
  final AtomicLong bigLogs = new AtomicLong();
  final CountDownLatch bigValuesSet = new CountDownLatch(2);

  // store flood
  final AtomicLong storeAccepted = new AtomicLong();
  final AtomicLong storeRefused = new AtomicLong();

  /** Opens of the store flood refused because the hoarders had filled the VM's table. */
  final AtomicLong storeOpensRefused = new AtomicLong();

  // channel hoarding: channels each connection got, by VM
  final List<Integer> hoardedVm1 = Collections.synchronizedList(new ArrayList<>());
  final List<Integer> hoardedVm2 = Collections.synchronizedList(new ArrayList<>());

  // idle flood: the ERROR codes the connections ended with, by code; resets; most admitted at once
  final AtomicLongArray idleEnds = new AtomicLongArray(16);
  final AtomicLong idleOpened = new AtomicLong();
  final AtomicLong idleMostAdmitted = new AtomicLong();

  /** Attack errors the server's refusals do not explain (a connection refused, a reset). */
  final AtomicLong attackErrors = new AtomicLong();

  /** The first of them, for the failure message. */
  final List<String> errorSamples = Collections.synchronizedList(new ArrayList<>());

  ServeAttacks(InetSocketAddress server) {
    this.server = server;
  }

  boolean running() {
    return end.getCount() > 0;
  }

  /** Ends every attack: the loops stop, and every connection they hold is closed. */
  void stop() {
    end.countDown();
    for (AutoCloseable c : open) {
      closeQuietly(c);
    }
  }

  private void pauseQuietly(long millis) {
    try {
      pause(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits {@code millis} or until the attacks stop; true while they run. */
  private boolean pause(long millis) throws InterruptedException {
    return !end.await(millis, TimeUnit.MILLISECONDS);
  }

  // ---- amplification ----

  /** Pipelines 3,000 maximum-size INS at a time and never reads, until the server cuts it off. */
  void neverReader() {
    byte[] flood = SoakStormTest.insFlood("vm1", 3000);
    byte[] more = Arrays.copyOfRange(flood, WireStormTest.hello("vm1").length, flood.length);
    while (running()) {
      Socket s = null;
      try {
        s = socket(InetAddress.getLoopbackAddress(), 16 * 1024);
        OutputStream out = s.getOutputStream();
        out.write(flood);
        neverReaderBytesSent.addAndGet(flood.length);
        while (pause(50)) {
          out.write(more); // blocks once the server stops reading; fails once it closes
          neverReaderBytesSent.addAndGet(more.length);
        }
      } catch (IOException e) {
        // closed by the server (OVERLOADED, IDLE_TIMEOUT) or by stop()
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        release(s);
      }
      neverReaderCycles.incrementAndGet();
    }
  }

  /** Sets a 60,000-byte guestinfo value, then reads it back and logs 60,000 bytes, again. */
  void bigReplies(int id) {
    boolean first = true;
    while (running()) {
      RemoteBackdoor b = null;
      try {
        b = remote("vm1");
        RpciClient rpci = RpciClient.create(b);
        if (rpci.guestInfoSet("amp" + id, BIG).isSuccess() && first) {
          bigValuesSet.countDown();
          first = false;
        }
        for (int i = 0; i < 100 && running(); i++) {
          bigRepliesBytes.addAndGet(rpci.guestInfoGet("amp" + id).payload().length);
          rpci.log(BIG);
          bigLogs.incrementAndGet();
        }
      } catch (BackdoorException e) {
        error("big replies", e);
      } finally {
        release(b);
      }
    }
  }

  // ---- store flood ----

  /**
   * Ever new names in every guest store of {@code vm}, values of 40,000 to 60,000 bytes, and log
   * lines.
   */
  void storeFlood(String vm, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long n = 0;
    while (running()) {
      RemoteBackdoor b = null;
      try {
        b = remote(vm);
        RpciClient rpci = RpciClient.create(b);
        for (int i = 0; i < 200 && running(); i++, n++) {
          String value = "v".repeat(40_000 + random.nextInt(20_000));
          count(rpci.guestInfoSet("flood." + n, value));
          count(rpci.capability("flood" + n, value));
          count(rpci.setGuestInfo(1000 + (int) n, value));
          count(rpci.log("flood line " + n));
        }
      } catch (MessageException e) {
        if (e.step() != Step.OPEN) {
          error("store flood " + vm, e);
        }
        storeOpensRefused.incrementAndGet();
        pauseQuietly(50);
      } catch (BackdoorException e) {
        error("store flood " + vm, e);
      } finally {
        release(b);
      }
    }
  }

  private void count(RpciReply reply) {
    (reply.isSuccess() ? storeAccepted : storeRefused).incrementAndGet();
  }

  // ---- channel hoarding ----

  /**
   * Again and again: {@code connections} connections to {@code vm} each open RPCI channels until
   * the host refuses one (recording how many it got), hold them for {@code holdMillis} and
   * disconnect without closing them.
   */
  void hoard(String vm, int connections, long holdMillis, List<Integer> got) {
    Registers openRpci =
        Registers.of(
            MAGIC, PROTOCOL_RPCI | FLAG_COOKIE, messageEcx(MESSAGE_OPEN), COMMAND_PORT, 0, 0);
    try {
      while (running()) {
        List<RemoteBackdoor> held = new ArrayList<>();
        try {
          for (int c = 0; c < connections && running(); c++) {
            RemoteBackdoor b = remote(vm);
            held.add(b);
            int opened = 0;
            while (running() && (b.in(openRpci).ecxHigh() & STATUS_SUCCESS) != 0) {
              opened++;
            }
            if (running()) {
              got.add(opened);
            }
          }
          pause(holdMillis);
        } catch (BackdoorException e) {
          error("hoarding " + vm, e);
        } finally {
          held.forEach(this::release);
        }
        // The server releases the channels once it has seen the disconnect.
        pause(500);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- idle flood ----

  /**
   * Keeps {@code pool} connections from {@code from} open: most send a HELLO and nothing more, one
   * in seven half a HELLO, one in seven a HELLO and a header promising the largest frame. Each
   * ending is counted by its ERROR code, and the connection replaced.
   */
  void idleFlood(InetAddress from, int pool) {
    List<IdleClient> clients = new ArrayList<>();
    byte[] hello = WireStormTest.hello("vm1");
    byte[] halfFrame = ByteBuffer.allocate(5 + 10).putInt(MAX_FRAME).put((byte) 0x03).array();
    long k = 0;
    try {
      while (running()) {
        for (int i = 0; clients.size() < pool && i < 32 && running(); i++, k++) {
          Socket s;
          try {
            s = socket(from, 0);
          } catch (IOException e) {
            error("idle flood", e);
            continue;
          }
          idleOpened.incrementAndGet();
          try {
            OutputStream out = s.getOutputStream();
            switch ((int) (k % 7)) {
              case 5 -> out.write(hello, 0, 6);
              case 6 -> {
                out.write(hello);
                out.write(halfFrame);
              }
              default -> out.write(hello);
            }
            clients.add(new IdleClient(s));
          } catch (IOException e) {
            // refused at accept and closed before its first bytes went out
            idleEnds.incrementAndGet(0);
            release(s);
          }
        }
        pause(200);
        long admitted = 0;
        for (var it = clients.iterator(); it.hasNext(); ) {
          IdleClient c = it.next();
          int code;
          try {
            code = c.poll();
          } catch (IOException e) {
            code = 0; // reset without an ERROR frame
          }
          if (code >= 0) {
            idleEnds.incrementAndGet(Math.min(code, idleEnds.length() - 1));
            release(c.socket);
            it.remove();
          } else if (c.admitted) {
            admitted++;
          }
        }
        idleMostAdmitted.accumulateAndGet(admitted, Math::max);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      clients.forEach(c -> release(c.socket));
    }
  }

  /** One idle connection: the frames the server sent it, read without blocking. */
  private static final class IdleClient {
    final Socket socket;
    private final ByteArrayOutputStream got = new ByteArrayOutputStream();
    boolean admitted;

    IdleClient(Socket socket) {
      this.socket = socket;
    }

    /** Reads what arrived; the code of the ERROR frame that ended the connection, else -1. */
    int poll() throws IOException {
      InputStream in = socket.getInputStream();
      int n = in.available();
      if (n > 0) {
        got.write(in.readNBytes(n));
      }
      ByteBuffer frames = ByteBuffer.wrap(got.toByteArray());
      while (frames.remaining() >= 5
          && frames.remaining() >= 4 + frames.getInt(frames.position())) {
        int length = frames.getInt();
        int type = frames.get(frames.position()) & 0xFF;
        if (type == 0x81) {
          admitted = true;
        } else if (type == 0xFF) {
          return frames.getShort(frames.position() + 1) & 0xFFFF;
        }
        frames.position(frames.position() + length);
      }
      got.reset();
      got.write(frames.array(), frames.position(), frames.remaining());
      return -1;
    }
  }

  /** How many idle connections ended with {@code error}. */
  long idleEnded(WireError error) {
    return idleEnds.get(error.code());
  }

  // ---- connections ----

  private RemoteBackdoor remote(String vm) {
    RemoteBackdoor b = RemoteBackdoor.connect(server, vm, Duration.ofSeconds(30));
    open.add(b);
    if (!running()) {
      closeQuietly(b);
    }
    return b;
  }

  private Socket socket(InetAddress from, int receiveBuffer) throws IOException {
    Socket s = new Socket();
    open.add(s);
    if (receiveBuffer > 0) {
      s.setReceiveBufferSize(receiveBuffer);
    }
    s.setTcpNoDelay(true);
    s.bind(new InetSocketAddress(from, 0));
    s.connect(server, 10_000);
    if (!running()) {
      s.close();
    }
    return s;
  }

  /** An attack met an error its target's refusals do not explain. */
  private void error(String attack, Exception e) {
    if (running() && attackErrors.incrementAndGet() <= 10) {
      errorSamples.add(attack + ": " + e);
    }
  }

  /** Closes a connection an attack is done with. */
  private void release(AutoCloseable c) {
    if (c != null) {
      open.remove(c);
      closeQuietly(c);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing what an attack left behind
    }
  }
}
