package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every per-VM store, history and queue is bounded by bytes as well as by count. */
class StoreBoundsTest {

  private static final String BIG = "x".repeat(60_000);

  private static String rpci(VirtualHost host, String request) {
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      ch.send(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(ch.receive(), StandardCharsets.ISO_8859_1);
    }
  }

  private static long chars(List<String> l) {
    return l.stream().mapToLong(String::length).sum();
  }

  @Test
  void theDefaultsAreStated() {
    assertThat(HostPolicy.DEFAULTS.historyBytesLimit()).isEqualTo(4L << 20);
    assertThat(HostPolicy.DEFAULTS.guestStoreBytesLimit()).isEqualTo(1L << 20);
    assertThat(HostPolicy.DEFAULTS.tcloQueueLimit()).isEqualTo(1024);
    assertThat(HostPolicy.DEFAULTS.tcloQueueBytesLimit()).isEqualTo(1L << 20);
  }

  @Test
  void largeLogLinesAndRequestsAreKeptOnlyUpToTheByteLimitNewestFirst() {
    VirtualHost host = VirtualHost.builder().historyBytesLimit(1L << 20).build();
    for (int i = 0; i < 200; i++) {
      assertThat(rpci(host, "log " + i + " " + BIG)).isEqualTo("1 ");
    }
    // 200 lines of 60 KB would be 24 MB of chars: at most 1 MiB is kept
    assertThat(2 * chars(host.guestLog())).isLessThanOrEqualTo(1L << 20);
    assertThat(host.guestLog()).isNotEmpty();
    assertThat(host.guestLog().get(host.guestLog().size() - 1)).startsWith("199 ");
    long requestChars = host.rpciRequests().stream().mapToLong(r -> r.text().length()).sum();
    assertThat(4 * requestChars).isLessThanOrEqualTo(1L << 20);
    assertThat(host.rpciRequests().get(host.rpciRequests().size() - 1).text())
        .startsWith("log 199");
    // the count limit still holds on its own
    assertThat(host.callLog().size()).isLessThanOrEqualTo(10_000);
  }

  @Test
  void theCallLogIsBoundedByBytes() {
    VirtualHost host = VirtualHost.builder().historyBytesLimit(50_000).build();
    for (int i = 0; i < 100; i++) {
      rpci(host, "log " + i);
    }
    assertThat(host.callCount()).isGreaterThan(500);
    assertThat(host.callLog().size()).isBetween(50, 500);
    assertThat(host.callLog().get(host.callLog().size() - 1).sequence())
        .isEqualTo(host.callCount());
  }

  @Test
  void guestStoresRefuseWhatWouldPassTheirByteLimit() {
    VirtualHost host = VirtualHost.builder().guestStoreBytesLimit(300_000).build();
    int accepted = 0;
    String reply;
    while ((reply = rpci(host, "info-set guestinfo.k" + accepted + " " + BIG)).equals("1 ")) {
      accepted++;
    }
    assertThat(reply).isEqualTo("0 Too much data in guestinfo variables");
    assertThat(accepted).isEqualTo(2);
    // a value may still be replaced by a smaller one, and small ones still fit
    assertThat(rpci(host, "info-set guestinfo.k0 small")).isEqualTo("1 ");
    assertThat(rpci(host, "info-set guestinfo.k2 " + BIG)).isEqualTo("1 ");
    assertThat(rpci(host, "tools.capability.big " + BIG)).isEqualTo("1 ");
    assertThat(rpci(host, "tools.capability.more " + BIG)).isEqualTo("1 ");
    assertThat(rpci(host, "tools.capability.most " + BIG))
        .isEqualTo("0 Too much data in capabilities");
    assertThat(rpci(host, "SetGuestInfo  1 " + BIG)).isEqualTo("1 ");
    assertThat(rpci(host, "SetGuestInfo  2 " + BIG)).isEqualTo("1 ");
    assertThat(rpci(host, "SetGuestInfo  3 " + BIG))
        .isEqualTo("0 Too much data in guest info types");
    assertThat(host.setGuestInfoValues()).containsOnlyKeys(1, 2);
  }

  @Test
  void theTcloQueueRefusesBeyondItsCountAndByteLimits() {
    VirtualHost host = VirtualHost.builder().tcloQueueLimit(5).build();
    for (int i = 0; i < 5; i++) {
      assertThat(host.enqueueTclo("ping")).isTrue();
    }
    assertThat(host.enqueueTclo("ping")).isFalse();
    assertThat(host.requestPowerOperation(GuestOsState.HALT)).isFalse();
    assertThat(host.powerOperations()).isEmpty();
    // the host's own reset still goes first
    host.hostReset();
    assertThat(host.pendingTcloCommands()).hasSize(6).first().isEqualTo("reset");

    VirtualHost bytes = VirtualHost.builder().tcloQueueBytesLimit(100_000).build();
    String command = "x".repeat(1000);
    int queued = 0;
    for (int i = 0; i < 10_000; i++) {
      if (bytes.enqueueTclo(command)) {
        queued++;
      }
    }
    assertThat(queued).isBetween(40, 50);
    assertThat(bytes.pendingTcloCommands()).hasSize(queued);
  }

  @Test
  void theTcloLimitsHoldForAllApplicationsTogether() {
    VirtualHost host = VirtualHost.builder().tcloQueueLimit(4).build();
    assertThat(host.enqueueTclo("toolbox", "ping")).isTrue();
    assertThat(host.enqueueTclo("toolbox-dnd", "ping")).isTrue();
    assertThat(host.enqueueTclo("app3", "ping")).isTrue();
    assertThat(host.enqueueTclo("app4", "ping")).isTrue();
    // a fifth application gets no fresh allowance of its own
    assertThat(host.enqueueTclo("app5", "ping")).isFalse();
    assertThat(host.enqueueTclo("toolbox", "ping")).isFalse();
    assertThat(host.pendingTcloCommands("app5")).isEmpty();
    assertThat(host.pendingTcloCommands("toolbox-dnd")).containsExactly("ping");

    VirtualHost bytes = VirtualHost.builder().tcloQueueBytesLimit(100_000).build();
    String command = "x".repeat(1000);
    int queued = 0;
    for (int i = 0; i < 10_000; i++) {
      if (bytes.enqueueTclo("app" + i, command)) {
        queued++;
      }
    }
    assertThat(queued).isBetween(40, 50);
  }

  @Test
  void deliveredCommandsMakeRoomAgainAndExchangesAreBoundedByBytes() {
    VirtualHost host = VirtualHost.builder().tcloQueueLimit(1).historyBytesLimit(100_000).build();
    MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    tclo.send(new byte[0]);
    assertThat(new String(tclo.receive(), StandardCharsets.ISO_8859_1)).isEqualTo("reset");
    String command = "c".repeat(10_000);
    for (int i = 0; i < 50; i++) {
      assertThat(host.enqueueTclo(command)).isTrue();
      assertThat(host.enqueueTclo(command)).isFalse();
      tclo.send("OK ".getBytes(StandardCharsets.ISO_8859_1));
      assertThat(tclo.receive()).hasSize(command.length());
    }
    assertThat(host.tcloExchanges()).hasSizeLessThanOrEqualTo(5);
    assertThat(2 * chars(host.tcloCommandsSent())).isLessThanOrEqualTo(100_000);
  }
}
