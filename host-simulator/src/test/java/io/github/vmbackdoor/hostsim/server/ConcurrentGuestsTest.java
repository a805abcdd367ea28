package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.Registers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many guests at once on one server, some sharing a VM: every answer is the right one. */
class ConcurrentGuestsTest {

  private static final int GUESTS = 100;
  private static final int CALLS = 300;
  private static final int VMS = 4;

  @Test
  void hundredGuestsAtOnceEachGetTheirOwnAnswers() throws Exception {
    List<FakeHost> hosts = new ArrayList<>();
    for (int i = 0; i < VMS; i++) {
      hosts.add(new FakeHost(0x1000 * (i + 1)));
    }
    Map<String, Backdoor> vms =
        Map.of("vm0", hosts.get(0), "vm1", hosts.get(1), "vm2", hosts.get(2), "vm3", hosts.get(3));
    ExecutorService pool = Executors.newFixedThreadPool(GUESTS);
    try (SimulatorServer server = SimulatorServer.builder(vms::get).ioThreads(4).start()) {
      CountDownLatch connected = new CountDownLatch(GUESTS);
      List<CompletableFuture<Integer>> guests = new ArrayList<>();
      for (int g = 0; g < GUESTS; g++) {
        int guest = g;
        guests.add(
            CompletableFuture.supplyAsync(() -> runGuest(server.port(), guest, connected), pool));
      }
      CompletableFuture.allOf(guests.toArray(new CompletableFuture<?>[0]))
          .get(60, TimeUnit.SECONDS);
      for (CompletableFuture<Integer> guest : guests) {
        assertThat(guest.get()).isEqualTo(CALLS);
      }
      long total = hosts.stream().mapToLong(h -> h.calls.get()).sum();
      assertThat(total).isEqualTo((long) GUESTS * CALLS);
      for (FakeHost host : hosts) {
        assertThat(host.calls.get()).isEqualTo((long) GUESTS / VMS * CALLS);
      }
      assertThat(server.rejectionCount()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  /** Connects, waits until every guest is connected, then makes CALLS checked calls. */
  private static int runGuest(int port, int guest, CountDownLatch connected) {
    int vm = guest % VMS;
    int salt = 0x1000 * (vm + 1);
    Random random = new Random(guest);
    try (RemoteBackdoor backdoor = RemoteBackdoor.connect("127.0.0.1", port, "vm" + vm)) {
      connected.countDown();
      assertThat(connected.await(30, TimeUnit.SECONDS)).as("all guests connected").isTrue();
      int done = 0;
      for (int i = 0; i < CALLS; i++) {
        Registers call =
            Registers.of(
                random.nextInt(),
                guest,
                i,
                random.nextInt(),
                random.nextInt(),
                random.nextInt(),
                random.nextInt());
        switch (i % 3) {
          case 0:
            assertThat(backdoor.in(call)).isEqualTo(FakeHost.expectedIn(salt, call));
            break;
          case 1:
            {
              byte[] bytes = new byte[random.nextInt(200)];
              random.nextBytes(bytes);
              Registers outs = call.withEcx(bytes.length);
              assertThat(backdoor.outs(outs, bytes))
                  .isEqualTo(FakeHost.expectedOuts(salt, outs, bytes));
              break;
            }
          default:
            {
              byte[] into = new byte[random.nextInt(200)];
              Registers ins = call.withEcx(into.length);
              assertThat(backdoor.ins(ins, into)).isEqualTo(FakeHost.expectedIns(salt, ins));
              byte[] expected = new byte[into.length];
              for (int b = 0; b < expected.length; b++) {
                expected[b] = FakeHost.expectedInsByte(salt, ins, b);
              }
              assertThat(into).isEqualTo(expected);
            }
        }
        done++;
      }
      return done;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
