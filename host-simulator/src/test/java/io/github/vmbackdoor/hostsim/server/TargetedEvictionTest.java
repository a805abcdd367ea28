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

  /** Connects from {@code local} and sends HELLO and all of an OUTS of the maximum but 64 bytes. */
  private static Socket holder(InetSocketAddress server, String local) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(local, 0));
    s.connect(server, 60_000);
    s.setSoTimeout(60_000);
    byte[] request =
        RawClient.request(
            WireProtocol.OUTS,
            1,
            Registers.of(0x564D5868, 0, WireProtocol.MAX_TRANSFER, 0x5659, 0, 0, 0),
            new byte[WireProtocol.MAX_TRANSFER]);
    s.getOutputStream().write(RawClient.hello("vm"));
    s.getOutputStream().write(request, 0, request.length - 64);
    s.getOutputStream().flush();
    return s;
  }

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
      Registers outs = Registers.of(0x564D5868, 0, WireProtocol.MAX_TRANSFER, 0x5659, 0, 0, 0);
      List<Socket> attackers = new ArrayList<>();
      try {
        for (int round = 0; round < 30; round++) {
          long evictions = server.budgetEvictions();
          for (int a = 0; a < holders; a++) {
            attackers.add(holder(server.address(), "127.0.0.1"));
          }
          // wait until the holders' bytes are in, so that the guest's transfer goes over
          long deadline = System.nanoTime() + 60_000_000_000L;
          while (server.heldBytes() < budget - 2L * WireProtocol.MAX_FRAME_LENGTH
              && server.budgetEvictions() == evictions
              && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
          }
          // the holders stop moving; the guest's transfer then goes over the budget
          ticker.advance(java.time.Duration.ofSeconds(2));
          Registers answer = guest.outs(outs, large);
          assertThat(answer)
              .as("round %s", round)
              .isEqualTo(FakeHost.expectedOuts(SALT, outs, large));
        }
      } finally {
        for (Socket s : attackers) {
          s.close();
        }
      }
      assertThat(server.budgetEvictions()).as("the holders were evicted").isPositive();
      // the guest's connection still serves: it was never the victim
      assertThat(guest.outs(outs, large)).isEqualTo(FakeHost.expectedOuts(SALT, outs, large));
      assertThat(rejections)
          .filteredOn(r -> r.startsWith("OVERLOADED"))
          .isNotEmpty()
          .allSatisfy(r -> assertThat(r).contains("made no progress for the longest"));
    }
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
