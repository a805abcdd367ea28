package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Registers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The memory budget's victim cannot be aimed at a good guest, and a few addresses at their caps
 * leave room for others.
 */
@Timeout(300)
class TargetedEvictionTest {

  private static final int SALT = 0x7A46;

  private final FakeHost host = new FakeHost(SALT);
  private final LinkedBlockingQueue<String> rejections = new LinkedBlockingQueue<>();

  /** An OUTS of the maximum; a holder sends all of it but its last 64 bytes. */
  private static final Registers OUTS =
      Registers.of(0x564D5868, 0, WireProtocol.MAX_TRANSFER, 0x5659, 0, 0, 0);

  private static final byte[] LARGE_OUTS =
      RawClient.request(WireProtocol.OUTS, 1, OUTS, new byte[WireProtocol.MAX_TRANSFER]);

  /** What a holder's connection holds once all it sends is in. */
  private static final long HELD = LARGE_OUTS.length - 64;

  /** Connects from {@code local} and sends HELLO and all of an OUTS of the maximum but 64 bytes. */
  private static Socket holder(InetSocketAddress server, String local) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(local, 0));
    s.connect(server, 60_000);
    s.setSoTimeout(60_000);
    s.getOutputStream().write(RawClient.hello("vm"));
    s.getOutputStream().write(LARGE_OUTS, 0, (int) HELD);
    s.getOutputStream().flush();
    return s;
  }

  /**
   * Each round, holders just under a maximum frame each fill the budget but for less than a frame
   * and stop moving; the guest's large transfer then takes it over. Each round starts from a server
   * that holds nothing and moves the ticker only once every holder's bytes are in and the guest's
   * last answer is taken (the server holds exactly the holders' bytes), so that which connections
   * have stopped moving is set by the test, not by how soon the event loops ran.
   */
  @Test
  void holdersJustUnderAMaximumFrameNeverMakeAGoodGuestsLargeTransferTheVictim() throws Exception {
    int holders = 8;
    long budget = (long) holders * WireProtocol.MAX_FRAME_LENGTH;
    ManualTicker ticker = new ManualTicker();
    try (SimulatorServer server =
            SimulatorServer.builder(name -> name.equals("vm") ? host : null)
                .ticker(ticker)
                .memoryBudget(budget)
                .ioThreads(2)
                .rejectionListener((error, text) -> rejections.add(error + ": " + text))
                .start();
        RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm")) {
      byte[] large = new byte[WireProtocol.MAX_TRANSFER];
      for (int i = 0; i < large.length; i++) {
        large[i] = (byte) (i * 31);
      }
      for (int round = 0; round < 30; round++) {
        List<Socket> attackers = new ArrayList<>();
        try {
          for (int a = 0; a < holders; a++) {
            attackers.add(holder(server.address(), "127.0.0.1"));
          }
          // every holder's bytes are in, and nothing else is held: the guest's answer was taken
          BackpressureTest.awaitTrue(
              () -> server.heldBytes() == holders * HELD,
              () -> "the holders' bytes, " + holders * HELD + ", held: " + server.heldBytes());
          // the holders stop moving; the guest's transfer then goes over the budget
          ticker.advance(java.time.Duration.ofSeconds(2));
          Registers answer = guest.outs(OUTS, large);
          assertThat(answer)
              .as("round %s", round)
              .isEqualTo(FakeHost.expectedOuts(SALT, OUTS, large));
          // the evicted holders' rejections are made (on their event loops) before they close
          BackpressureTest.awaitTrue(
              () -> overloaded() == server.budgetEvictions(),
              () -> overloaded() + " OVERLOADED of " + server.budgetEvictions() + " evictions");
        } finally {
          for (Socket s : attackers) {
            s.close();
          }
        }
        BackpressureTest.awaitTrue(
            () -> server.heldBytes() == 0,
            () -> "the closed holders' bytes released, held: " + server.heldBytes());
      }
      assertThat(server.budgetEvictions()).as("the holders were evicted").isPositive();
      // the guest's connection still serves: it was never the victim
      assertThat(guest.outs(OUTS, large)).isEqualTo(FakeHost.expectedOuts(SALT, OUTS, large));
      assertThat(rejections)
          .filteredOn(r -> r.startsWith("OVERLOADED"))
          .isNotEmpty()
          .allSatisfy(r -> assertThat(r).contains("made no progress for the longest"));
    }
  }

  private long overloaded() {
    return rejections.stream().filter(r -> r.startsWith("OVERLOADED")).count();
  }

  @Test
  void fourAddressesAtTheirCapsLeaveRoomForAnotherAddress() throws Exception {
    int max = 64;
    int perAddress = 24; // three such addresses would take the whole server
    try (SimulatorServer server =
        SimulatorServer.builder(name -> name.equals("vm") ? host : null)
            .maxConnections(max)
            .maxConnectionsPerAddress(perAddress)
            .start()) {
      List<Socket> held = new ArrayList<>();
      try {
        for (String address : List.of("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")) {
          for (int i = 0; i < perAddress; i++) {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(address, 0));
            s.connect(server.address(), 60_000);
            s.getOutputStream().write(RawClient.hello("vm"));
            held.add(s);
          }
        }
        // another address's guest connects and is served
        try (RemoteBackdoor other = RemoteBackdoor.connect("127.0.0.1", server.port(), "vm")) {
          Registers call = Registers.of(1, 2, 3, 4, 5, 6, 7);
          assertThat(other.in(call)).isEqualTo(host.in(call));
        }
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }
}
