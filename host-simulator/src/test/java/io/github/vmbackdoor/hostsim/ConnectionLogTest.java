package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_CLOSE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import io.github.vmbackdoor.hostsim.time.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the host logs about one guest connection: a wrong cookie once per connection, however many
 * channels and calls it tries, and refused opens at most once per interval.
 */
class ConnectionLogTest {

  private final List<String> warnings = new ArrayList<>();
  private final Simulation simulation = Simulation.create(1);
  private final VirtualHost host =
      VirtualHost.builder().simulation(simulation).warnings(warnings::add).build();

  @Test
  void wrongCookiesAreLoggedOncePerConnectionWhateverTheyProbe() {
    GuestConnection victim = host.connect("victim", ConnectionPolicy.DEFAULTS);
    GuestConnection prober = host.connect("prober", ConnectionPolicy.DEFAULTS);
    List<Guest> channels = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      channels.add(Guest.open(victim, PROTOCOL_RPCI, true));
    }
    probeAll(prober, channels);
    int first = channels.get(0).id;
    // New channels with new cookies: the same connection probing them is not logged again.
    for (int i = 0; i < channels.size(); i++) {
      assertThat(channels.get(i).status(MESSAGE_CLOSE, 0) & STATUS_SUCCESS).isNotZero();
      channels.set(i, Guest.open(victim, PROTOCOL_RPCI, true));
    }
    probeAll(prober, channels);
    assertThat(warnings)
        .containsExactly(
            "prober: a call with a wrong cookie on channel "
                + first
                + " (refused; further ones of this connection are counted, not logged)");

    // Another connection, and the in-process transport, each get their line.
    probeAll(host.connect("second prober", ConnectionPolicy.DEFAULTS), channels);
    probeAll(host.backdoor(), channels);
    assertThat(warnings)
        .hasSize(3)
        .element(1)
        .asString()
        .startsWith("second prober: a call with a wrong cookie on channel ");
    assertThat(warnings.get(2)).startsWith("in-process backdoor: a call with a wrong cookie");
    // The victim's channels still work.
    for (Guest g : channels) {
      assertThat(g.status(MESSAGE_SENDSIZE, 0) & STATUS_SUCCESS).isNotZero();
    }
  }

  @Test
  void refusedOpensAreLoggedAtMostOnceAnInterval() {
    GuestConnection hoarder = host.connect("hoarder", new ConnectionPolicy(2, false));
    Guest.open(hoarder, PROTOCOL_RPCI, true);
    Guest.open(hoarder, PROTOCOL_RPCI, true);
    for (int i = 0; i < 5; i++) {
      assertThat(Guest.openCall(hoarder, PROTOCOL_RPCI, true).ecxHigh() & STATUS_SUCCESS).isZero();
    }
    simulation.runFor(Duration.ofNanos(ChannelOwner.LOG_INTERVAL_NANOS));
    assertThat(Guest.openCall(hoarder, PROTOCOL_RPCI, true).ecxHigh() & STATUS_SUCCESS).isZero();
    assertThat(warnings)
        .containsExactly(
            "hoarder: OPEN refused: it holds 2 open channels, its limit (1 refused since the last"
                + " line)",
            "hoarder: OPEN refused: it holds 2 open channels, its limit (5 refused since the last"
                + " line)");
  }

  /** Every call a prober can make on each channel, with the channel's id but wrong cookies. */
  private static void probeAll(Backdoor prober, List<Guest> channels) {
    for (Guest victim : channels) {
      Guest wrong = new Guest(prober, victim.id, ~victim.cookieHigh, victim.cookieLow);
      for (int sub : new int[] {MESSAGE_SENDSIZE, MESSAGE_RECVSIZE, MESSAGE_CLOSE}) {
        assertThat(wrong.status(sub, 4) & STATUS_SUCCESS).isZero();
      }
      assertThat(wrong.outs(new byte[4]).ebxHigh() & STATUS_SUCCESS).isZero();
      assertThat(wrong.ins(new byte[4]).ebxHigh() & STATUS_SUCCESS).isZero();
    }
  }
}
