package io.github.vmbackdoor.hostsim.server;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real emulated host behind the server: guest code over TCP sees what it sees in process. */
class VirtualHostOverTcpTest {

  private VirtualHost host;
  private SimulatorServer server;

  @BeforeEach
  void start() {
    host = VirtualHost.builder().seed(11).build();
    server = SimulatorServer.builder(name -> name.equals("vm1") ? host.backdoor() : null).start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private RemoteBackdoor guest() {
    return RemoteBackdoor.connect("127.0.0.1", server.port(), "vm1");
  }

  private static String rpci(Backdoor backdoor, String request) {
    try (MessageChannel channel = MessageChannel.open(backdoor, PROTOCOL_RPCI)) {
      channel.send(request.getBytes(StandardCharsets.UTF_8));
      return new String(channel.receive(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void getVersion() {
    try (RemoteBackdoor guest = guest()) {
      Registers answer = guest.in(CommandPort.versionProbe());
      assertThat(answer.eax()).isEqualTo(6);
      assertThat(answer.ebx()).isEqualTo(BackdoorProtocol.MAGIC);
      assertThat(answer.ecx()).isEqualTo(VirtualHost.PRODUCT_ESX);
    }
  }

  @Test
  void infoSetThenInfoGetFromAnotherConnection() {
    try (RemoteBackdoor writer = guest();
        RemoteBackdoor reader = guest()) {
      assertThat(rpci(writer, "info-set guestinfo.ip 10.0.0.7")).isEqualTo("1 ");
      assertThat(rpci(reader, "info-get guestinfo.ip")).isEqualTo("1 10.0.0.7");
    }
    assertThat(host.records().guestInfo()).containsEntry("guestinfo.ip", "10.0.0.7");
  }

  @Test
  void hostEventsDrivenWhileTheGuestIsConnected() {
    try (RemoteBackdoor guest = guest()) {
      MessageChannel tclo = MessageChannel.open(guest, PROTOCOL_TCLO);
      tclo.send(new byte[0]);
      assertThat(new String(tclo.receive(), StandardCharsets.US_ASCII)).isEqualTo("reset");
      tclo.send("OK ATR toolbox".getBytes(StandardCharsets.US_ASCII));
      host.enqueueTclo("ping");
      assertThat(new String(tclo.receive(), StandardCharsets.US_ASCII)).isEqualTo("ping");

      host.invalidateAllChannels(Invalidation.HOST_CLOSED);
      assertThatThrownBy(() -> tclo.send("OK ".getBytes(StandardCharsets.US_ASCII)))
          .isInstanceOf(MessageException.class);
      tclo.close();
      // The connection itself is unaffected: the guest reopens and carries on.
      assertThat(rpci(guest, "info-get guestinfo.missing")).isEqualTo("0 No value found");
    }
  }

  @Test
  void hundredGuestsDoRpciRoundTripsAtOnce() throws Exception {
    int guests = 100;
    int rounds = 20;
    ExecutorService pool = Executors.newFixedThreadPool(guests);
    try {
      CountDownLatch connected = new CountDownLatch(guests);
      List<CompletableFuture<Void>> runs = new ArrayList<>();
      for (int g = 0; g < guests; g++) {
        int id = g;
        runs.add(
            CompletableFuture.runAsync(
                () -> {
                  try (RemoteBackdoor guest = guest()) {
                    connected.countDown();
                    assertThat(connected.await(30, TimeUnit.SECONDS)).isTrue();
                    for (int round = 0; round < rounds; round++) {
                      String value = "guest" + id + "-round" + round;
                      assertThat(rpci(guest, "info-set guestinfo.g" + id + " " + value))
                          .isEqualTo("1 ");
                      assertThat(rpci(guest, "info-get guestinfo.g" + id)).isEqualTo("1 " + value);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                  }
                },
                pool));
      }
      CompletableFuture.allOf(runs.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      for (int g = 0; g < guests; g++) {
        assertThat(host.records().guestInfo())
            .containsEntry("guestinfo.g" + g, "guest" + g + "-round" + (rounds - 1));
      }
      assertThat(server.rejectionCount()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}
