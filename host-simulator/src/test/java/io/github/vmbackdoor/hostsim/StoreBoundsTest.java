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
    assertThat(2 * chars(host.records().guestLog())).isLessThanOrEqualTo(1L << 20);
    assertThat(host.records().guestLog()).isNotEmpty();
    assertThat(host.records().guestLog().get(host.records().guestLog().size() - 1))
        .startsWith("199 ");
    long requestChars =
        host.records().rpciRequests().stream().mapToLong(r -> r.text().length()).sum();
    assertThat(4 * requestChars).isLessThanOrEqualTo(1L << 20);
    assertThat(host.records().rpciRequests().get(host.records().rpciRequests().size() - 1).text())
        .startsWith("log 199");
    // the count limit still holds on its own
    assertThat(host.records().callLog().size()).isLessThanOrEqualTo(10_000);
  }

  @Test
  void theCallLogIsBoundedByBytes() {
    VirtualHost host = VirtualHost.builder().historyBytesLimit(50_000).build();
    for (int i = 0; i < 100; i++) {
      rpci(host, "log " + i);
    }
    assertThat(host.records().callCount()).isGreaterThan(500);
    assertThat(host.records().callLog().size()).isBetween(50, 500);
    assertThat(host.records().callLog().get(host.records().callLog().size() - 1).sequence())
        .isEqualTo(host.records().callCount());
  }

  @Test
  void guestStoresRefuseWhatWouldPassTheirByteLimit() {
    // a character is one byte, names included: four entries of 60,012 bytes fit in 300,000
    VirtualHost host = VirtualHost.builder().guestStoreBytesLimit(300_000).build();
    int accepted = 0;
    String reply;
    while ((reply = rpci(host, "info-set guestinfo.k" + accepted + " " + BIG)).equals("1 ")) {
      accepted++;
    }
    assertThat(reply).isEqualTo("0 Too much data in guestinfo variables");
    assertThat(accepted).isEqualTo(4);
    // a value may still be replaced by a smaller one, and small ones still fit
    assertThat(rpci(host, "info-set guestinfo.k0 small")).isEqualTo("1 ");
    assertThat(rpci(host, "info-set guestinfo.k4 " + BIG)).isEqualTo("1 ");
    for (int i = 0; i < 4; i++) {
      assertThat(rpci(host, "tools.capability.c" + i + " " + BIG)).isEqualTo("1 ");
    }
    assertThat(rpci(host, "tools.capability.more " + BIG))
        .isEqualTo("0 Too much data in capabilities");
    for (int i = 1; i <= 4; i++) {
      assertThat(rpci(host, "SetGuestInfo  " + i + " " + BIG)).isEqualTo("1 ");
    }
    assertThat(rpci(host, "SetGuestInfo  5 " + BIG))
        .isEqualTo("0 Too much data in guest info types");
    assertThat(host.records().setGuestInfoValues()).containsOnlyKeys(1, 2, 3, 4);
  }

  /** Fills the guestinfo store with exactly {@code bytes} bytes of names and values. */
  private static void fill(VirtualHost host, long bytes) {
    long left = bytes;
    for (int i = 0; left > 0; i++) {
      String name = String.format("guestinfo.k%02d", i);
      long value = Math.min(65_000, left - name.length());
      assertThat(rpci(host, "info-set " + name + " " + "v".repeat((int) value)))
          .as("entry %s", i)
          .isEqualTo("1 ");
      left -= name.length() + value;
    }
  }

  @Test
  void theGuestinfoStoreHoldsOneMebibyteOfNamesAndValues() {
    VirtualHost host = VirtualHost.builder().build();
    fill(host, 1L << 20);
    long stored =
        host.records().guestInfo().entrySet().stream()
            .mapToLong(e -> e.getKey().length() + e.getValue().length())
            .sum();
    assertThat(stored).isEqualTo(1L << 20);
    assertThat(rpci(host, "info-set guestinfo.k00 " + "v".repeat(65_001)))
        .as("one byte more than the entry it replaces")
        .isEqualTo("0 Too much data in guestinfo variables");
    assertThat(rpci(host, "info-set guestinfo.k00 " + "w".repeat(65_000))).isEqualTo("1 ");
  }

  @Test
  void guestinfoTheConfigurationPutsCountsAgainstNothingTheGuestStores() {
    VirtualHost host = VirtualHost.builder().guestStoreLimit(20).build();
    for (int i = 0; i < 100; i++) {
      host.putGuestInfo("configured" + i, "c".repeat(60_000));
    }
    fill(host, 1L << 20);
    assertThat(host.records().guestInfo()).hasSize(100 + 17);
    assertThat(rpci(host, "info-get guestinfo.configured7")).hasSize(2 + 60_000);
    // once the guest sets a configured name itself, the value is the guest's and counts
    assertThat(rpci(host, "info-set guestinfo.configured7 x"))
        .isEqualTo("0 Too much data in guestinfo variables");
  }

  @Test
  void theTcloQueueRefusesBeyondItsCountAndByteLimits() {
    VirtualHost host = VirtualHost.builder().tcloQueueLimit(5).build();
    for (int i = 0; i < 5; i++) {
      assertThat(host.enqueueTclo("ping")).isTrue();
    }
    assertThat(host.enqueueTclo("ping")).isFalse();
    assertThat(host.requestPowerOperation(GuestOsState.HALT)).isFalse();
    assertThat(host.records().powerOperations()).isEmpty();
    // the host's own reset still goes first
    host.hostReset();
    assertThat(host.records().pendingTcloCommands()).hasSize(6).first().isEqualTo("reset");

    VirtualHost bytes = VirtualHost.builder().tcloQueueBytesLimit(100_000).build();
    String command = "x".repeat(1000);
    int queued = 0;
    for (int i = 0; i < 10_000; i++) {
      if (bytes.enqueueTclo(command)) {
        queued++;
      }
    }
    assertThat(queued).isBetween(40, 50);
    assertThat(bytes.records().pendingTcloCommands()).hasSize(queued);
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
    assertThat(host.records().pendingTcloCommands("app5")).isEmpty();
    assertThat(host.records().pendingTcloCommands("toolbox-dnd")).containsExactly("ping");

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
    assertThat(host.records().tcloExchanges()).hasSizeLessThanOrEqualTo(5);
    assertThat(2 * chars(host.records().tcloCommandsSent())).isLessThanOrEqualTo(100_000);
  }
}
