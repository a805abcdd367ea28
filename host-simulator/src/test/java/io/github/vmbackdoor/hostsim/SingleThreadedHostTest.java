package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.COMMAND_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.hostsim.time.SimulationTickScheduler;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.RpciReply;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A host driven by one thread at a time ({@link VirtualHostBuilder#singleThreaded()}) takes no lock
 * per call: it answers as a locking host does, may be handed from thread to thread with a
 * happens-before, and refuses a call from a second thread while another thread's call is inside it,
 * where a locking host makes the second caller wait.
 */
class SingleThreadedHostTest {

  private static final Registers GETVERSION =
      Registers.of(MAGIC, 0, BackdoorCommand.GETVERSION.number(), COMMAND_PORT, 0, 0);

  /** A guest polling for a while, with host events between, on one host; its call log. */
  private static List<String> run(boolean singleThreaded) {
    Simulation sim = Simulation.create(11);
    VirtualHostBuilder builder = VirtualHost.builder().simulation(sim).seed(7);
    if (singleThreaded) {
      builder.singleThreaded();
    }
    VirtualHost host = builder.build();
    ToolsService guest =
        ToolsService.builder(host.backdoor()).scheduler(SimulationTickScheduler.of(sim)).build();
    guest.start();
    sim.runFor(Duration.ofSeconds(5));
    host.checkpoint();
    host.enqueueTclo("ping");
    sim.runFor(Duration.ofSeconds(5));
    host.hostReset();
    sim.runFor(Duration.ofSeconds(5));
    List<String> calls = new ArrayList<>();
    host.records().callLog().forEach(c -> calls.add(c.toString()));
    return calls;
  }

  @Test
  void aSingleThreadedHostAnswersAsALockingOne() {
    List<String> locking = run(false);
    assertThat(locking).hasSizeGreaterThan(30);
    assertThat(run(true)).isEqualTo(locking);
  }

  /** A host whose RPCI command {@code test.wait} holds its call inside until {@code release}. */
  private static VirtualHost waitingHost(
      boolean singleThreaded, CountDownLatch inside, CountDownLatch release) {
    VirtualHostBuilder builder =
        VirtualHost.builder()
            .seed(3)
            .rpciHandler(
                "test.wait",
                request -> {
                  inside.countDown();
                  try {
                    return release.await(60, SECONDS) ? "1 released" : "0 never released";
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return "0 interrupted";
                  }
                });
    if (singleThreaded) {
      builder.singleThreaded();
    }
    return builder.build();
  }

  @Test
  void aCallFromASecondThreadWhileOneIsInsideIsRefused() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    VirtualHost host = waitingHost(true, inside, release);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      Future<RpciReply> waiting =
          other.submit(() -> RpciClient.create(host.backdoor()).send("test.wait"));
      assertThat(inside.await(60, SECONDS)).isTrue();
      assertThatThrownBy(() -> host.backdoor().in(GETVERSION))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("single-threaded host");
      release.countDown();
      assertThat(waiting.get(60, SECONDS).text()).isEqualTo("released");
      // Handed over with a happens-before (the future's get): this thread may call now.
      assertThat(host.backdoor().in(GETVERSION).ebx()).isEqualTo(MAGIC);
      assertThat(other.submit(() -> host.backdoor().in(GETVERSION).ebx()).get(60, SECONDS))
          .isEqualTo(MAGIC);
    } finally {
      release.countDown();
      other.shutdownNow();
    }
  }

  @Test
  void aLockingHostMakesTheSecondCallerWaitInstead() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    VirtualHost host = waitingHost(false, inside, release);
    ExecutorService others = Executors.newFixedThreadPool(2);
    try {
      Future<RpciReply> waiting =
          others.submit(() -> RpciClient.create(host.backdoor()).send("test.wait"));
      assertThat(inside.await(60, SECONDS)).isTrue();
      AtomicReference<Thread> second = new AtomicReference<>();
      Future<Registers> blocked =
          others.submit(
              () -> {
                second.set(Thread.currentThread());
                return host.backdoor().in(GETVERSION);
              });
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while ((second.get() == null || second.get().getState() != Thread.State.BLOCKED)
          && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(second.get().getState()).isEqualTo(Thread.State.BLOCKED);
      assertThat(blocked).isNotDone();
      release.countDown();
      assertThat(waiting.get(60, SECONDS).text()).isEqualTo("released");
      assertThat(blocked.get(60, SECONDS).ebx()).isEqualTo(MAGIC);
    } finally {
      release.countDown();
      others.shutdownNow();
    }
  }

  @Test
  void aNestedCallOnTheSameThreadIsAnswered() {
    VirtualHost[] self = new VirtualHost[1];
    self[0] =
        VirtualHost.builder()
            .seed(3)
            .singleThreaded()
            .rpciHandler(
                "test.nested",
                request -> "1 " + Integer.toHexString(self[0].backdoor().in(GETVERSION).ebx()))
            .build();
    RpciReply reply = RpciClient.create(self[0].backdoor()).send("test.nested");
    assertThat(reply.text()).isEqualTo(Integer.toHexString(MAGIC));
    assertThat(self[0].backdoor().in(GETVERSION).ebx()).isEqualTo(MAGIC);
  }
}
