package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The bounded table of TCLO applications: a guest that answers "reset" with ever new application
 * names keeps the host's memory and work bounded, and a reset owed after a checkpoint is a flag per
 * application, outside the queue limits.
 */
class TcloAppsTest {

  /** One reopen cycle of a vmt-like guest: open, ping, take the reset, name {@code app}, close. */
  private static void reopenAs(VirtualHost host, String app) {
    try (MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO)) {
      tclo.send(new byte[0]);
      assertThat(new String(tclo.receive(), StandardCharsets.ISO_8859_1)).isEqualTo("reset");
      tclo.send(("OK ATR " + app).getBytes(StandardCharsets.ISO_8859_1));
    }
  }

  private static TcloApps apps(VirtualHost host) {
    return host.tcloPart().others();
  }

  @Test
  void everNewApplicationNamesOfSixtyKilobytesKeepTheTableBounded() {
    VirtualHost host = VirtualHost.builder().callLogLimit(0).historyLimit(0).build();
    String filler = "x".repeat(60_000);
    for (int i = 0; i < 1_000; i++) {
      reopenAs(host, i + filler);
    }
    assertThat(apps(host).size()).isLessThanOrEqualTo(TcloApps.MAX_IDLE);
    assertThat(apps(host).nameBytes()).isLessThanOrEqualTo(TcloApps.MAX_IDLE_NAME_BYTES);
    // the last one met is still known
    assertThat(apps(host).find(999 + filler)).isNotNull();
  }

  @Test
  void twentyThousandReopenCyclesWithNewNamesKeepEveryLookupOnABoundedTable() {
    VirtualHost host = VirtualHost.builder().callLogLimit(0).historyLimit(0).build();
    int most = 0;
    for (int i = 0; i < 20_000; i++) {
      reopenAs(host, "app-" + i);
      most = Math.max(most, apps(host).size());
    }
    assertThat(most).isLessThanOrEqualTo(TcloApps.MAX_IDLE);
  }

  @Test
  void afterACheckpointWithTwoThousandStaleApplicationsToolboxStillTakesCommands() {
    VirtualHost host = VirtualHost.builder().callLogLimit(0).historyLimit(0).build();
    for (int i = 0; i < 2_000; i++) {
      reopenAs(host, "stale-" + i);
    }
    host.checkpoint();
    host.checkpoint();
    assertThat(host.enqueueTclo("toolbox", "ping")).isTrue();
    // the reset owed comes first, once however many checkpoints came, then the command
    assertThat(host.records().pendingTcloCommands("toolbox")).containsExactly("reset", "ping");
    assertThat(host.records().pendingTcloCommands("stale-1999")).containsExactly("reset");
    // asking about an application the host does not know does not make it known
    assertThat(host.records().pendingTcloCommands("never-seen")).isEmpty();
    assertThat(apps(host).find("never-seen")).isNull();
    assertThat(apps(host).size()).isLessThanOrEqualTo(TcloApps.MAX_IDLE);
  }

  @Test
  void anApplicationWithAQueuedCommandOrALiveChannelIsNeverForgotten() {
    VirtualHost host = VirtualHost.builder().callLogLimit(0).historyLimit(0).build();
    assertThat(host.enqueueTclo("busy", "Set_Option x 1")).isTrue();
    MessageChannel live = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    live.send(new byte[0]);
    live.receive();
    live.send("OK ATR live".getBytes(StandardCharsets.ISO_8859_1));
    for (int i = 0; i < 500; i++) {
      reopenAs(host, "passing-" + i);
    }
    assertThat(host.records().pendingTcloCommands("busy")).containsExactly("Set_Option x 1");
    assertThat(host.records().activeTcloChannel("live")).isPresent();
    live.close();
  }
}
