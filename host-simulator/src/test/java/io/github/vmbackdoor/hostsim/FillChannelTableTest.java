package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link VirtualHost#fillChannelTable()} leaves the table as a guest process opening it would. */
class FillChannelTableTest {

  /** What another guest process does: open RPCI channels until the host refuses. */
  private static int fillAsAGuest(VirtualHost host) {
    int n = 0;
    while (true) {
      try {
        MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
        n++;
      } catch (MessageException full) {
        return n;
      }
    }
  }

  private static VirtualHost host(boolean cookies) {
    return VirtualHost.builder()
        .seed(7)
        .channelTableSize(8)
        .cookies(cookies)
        .idleTimeout(Duration.ofSeconds(30))
        .build();
  }

  /** A guest with a TCLO channel, one closed by the host, one idle for too long. */
  private static void setUp(VirtualHost host) {
    MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    MessageChannel closed = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    host.invalidateChannel(closed.id(), Invalidation.HOST_CLOSED);
    MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
    host.simulation().orElseThrow().runFor(Duration.ofMinutes(1));
  }

  @Test
  void theHostFillsTheTableAsAGuestProcessWould() {
    for (boolean cookies : new boolean[] {true, false}) {
      VirtualHost byGuest = host(cookies);
      VirtualHost byHost = host(cookies);
      setUp(byGuest);
      setUp(byHost);

      int opened = byHost.fillChannelTable();

      assertThat(opened).isEqualTo(fillAsAGuest(byGuest));
      assertThat(byHost.records().channels()).isEqualTo(byGuest.records().channels());
      assertThat(byHost.records().channels()).hasSize(8);
      assertThatThrownBy(() -> MessageChannel.open(byHost.backdoor(), PROTOCOL_RPCI))
          .isInstanceOf(MessageException.class);
    }
  }

  @Test
  void aFullTableTakesNoMore() {
    VirtualHost host = host(true);
    assertThat(host.fillChannelTable()).isEqualTo(8);
    assertThat(host.fillChannelTable()).isZero();
    assertThat(host.records().channels())
        .allMatch(c -> c.protocol() == PROTOCOL_RPCI && c.cookies());
  }
}
