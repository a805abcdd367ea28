package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.settings.TcloTakeover;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.ToolsService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Several TCLO channels in one VM, one per application, as a desktop guest runs vmsvc and vmusr.
 */
class TcloApplicationsTest {

  private final Simulation sim = Simulation.create(5);
  private final VirtualHost host = VirtualHost.builder().simulation(sim).build();

  /** A tools loop for {@code app}; the commands it receives go to {@code received}. */
  private ToolsService loop(String app, List<String> received) {
    return ToolsLoops.loop(host.backdoor(), sim, app, received);
  }

  @Test
  void toolboxAndToolboxDndEachReceiveTheirOwnPingsForAnHour() {
    List<String> toolbox = new ArrayList<>();
    List<String> dnd = new ArrayList<>();
    ToolsService vmsvc = loop("toolbox", toolbox);
    ToolsService vmusr = loop("toolbox-dnd", dnd);
    vmsvc.start();
    vmusr.start();
    int minutes = 60;
    for (int m = 1; m <= minutes; m++) {
      int n = m;
      sim.schedule(Duration.ofMinutes(m), () -> host.enqueueTclo("ping"));
      sim.schedule(
          Duration.ofMinutes(m).plusSeconds(30),
          () -> host.enqueueTclo("toolbox-dnd", "Set_Option dnd " + n));
    }
    sim.runFor(Duration.ofMinutes(minutes).plusMinutes(1));

    assertThat(toolbox).filteredOn("ping"::equals).hasSize(minutes);
    assertThat(toolbox).noneMatch(c -> c.startsWith("Set_Option dnd"));
    assertThat(dnd).filteredOn(c -> c.startsWith("Set_Option dnd")).hasSize(minutes);
    assertThat(dnd).doesNotContain("ping");
    // Each loop was reset once, at its start: neither knocked the other out.
    assertThat(toolbox).filteredOn("reset"::equals).hasSize(1);
    assertThat(dnd).filteredOn("reset"::equals).hasSize(1);
    assertThat(host.records().activeTcloChannel("toolbox")).isPresent();
    assertThat(host.records().activeTcloChannel("toolbox-dnd")).isPresent();
    assertThat(host.records().activeTcloChannel("toolbox"))
        .isNotEqualTo(host.records().activeTcloChannel("toolbox-dnd"));
    assertThat(host.records().pendingTcloCommands("toolbox")).isEmpty();
    assertThat(host.records().pendingTcloCommands("toolbox-dnd")).isEmpty();
    vmsvc.stop();
    vmusr.stop();
  }

  @Test
  void aSecondChannelOfTheSameApplicationTakesOverOnlyThatApplication() {
    List<String> vmsvc = new ArrayList<>();
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    ToolsService service = loop("toolbox", vmsvc);
    ToolsService a = loop("toolbox-dnd", first);
    service.start();
    a.start();
    sim.runFor(Duration.ofSeconds(5));
    assertThat(first).containsExactly("reset");
    ToolsService b = loop("toolbox-dnd", second);
    b.start();
    sim.runFor(Duration.ofSeconds(30));
    a.stop();
    b.stop();
    service.stop();

    // The newer toolbox-dnd channel displaced the older one (takeover policy host-closed), whose
    // loop reopened and was reset again; the toolbox loop was not touched.
    assertThat(second).contains("reset");
    assertThat(first).filteredOn("reset"::equals).hasSizeGreaterThan(1);
    assertThat(vmsvc).containsExactly("reset");
  }

  @Test
  void withRefuseNewerTheSecondToolboxDndLoopIsRefusedAndTheFirstServedForAnHour() {
    VirtualHost host =
        VirtualHost.builder().simulation(sim).tcloTakeover(TcloTakeover.refuseNewer()).build();
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    ToolsLoops.Seen seen = new ToolsLoops.Seen();
    ToolsService a = ToolsLoops.loop(host.backdoor(), sim, "toolbox-dnd", first);
    ToolsService b = ToolsLoops.loop(host.backdoor(), sim, "toolbox-dnd", second);
    b.addListener(seen);
    a.start();
    sim.runFor(Duration.ofSeconds(5));
    Optional<Integer> firstChannel = host.records().activeTcloChannel("toolbox-dnd");
    assertThat(firstChannel).isPresent();
    b.start();
    int minutes = 60;
    for (int m = 1; m <= minutes; m++) {
      sim.schedule(Duration.ofMinutes(m), () -> host.enqueueTclo("toolbox-dnd", "ping"));
    }
    sim.runFor(Duration.ofMinutes(minutes).plusSeconds(30));

    // The first loop keeps the application: one reset, every ping, never displaced.
    assertThat(first).filteredOn("ping"::equals).hasSize(minutes);
    assertThat(first).filteredOn("reset"::equals).hasSize(1);
    assertThat(host.records().activeTcloChannel("toolbox-dnd")).isEqualTo(firstChannel);
    // The second loop fetches "reset" on each new channel; its reply is refused, so it closes
    // the channel and reopens a second later, for the whole hour, and never gets a ping.
    ToolsLoops.assertRefusedEverySecond(host, "toolbox-dnd", b, second, seen, minutes);
    // Only the first loop's channel and the second loop's current one are in the table.
    assertThat(host.records().channels()).hasSizeLessThanOrEqualTo(2);
    a.stop();
    b.stop();
  }

  @Test
  void theApplicationComesFromTheResetReply() {
    assertThat(TcloEndpoint.appOf("OK ATR toolbox-dnd")).isEqualTo("toolbox-dnd");
    assertThat(TcloEndpoint.appOf("OK ATR toolbox")).isEqualTo("toolbox");
    assertThat(TcloEndpoint.appOf("OK ")).isEqualTo("toolbox");
    assertThat(TcloEndpoint.appOf("OK ATR ")).isEqualTo("toolbox");
  }

  @Test
  void aResetReplysBytesNameTheApplicationItsTextNames() {
    String[] replies = {
      "OK ATR toolbox",
      "OK ATR toolbox\0",
      "OK ATR toolbox-dnd",
      "OK ATR toolbox extra",
      "OK ATR  toolbox ",
      "OK ATR toolbo",
      "OK ATR toolboxx",
      "OK ATR \u00e9t\u00e9",
      "OK ",
      "OK ATR ",
      "ERROR ATR toolbox",
      ""
    };
    for (String reply : replies) {
      byte[] bytes = reply.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(TcloEndpoint.appOf(bytes)).as(reply).isEqualTo(TcloEndpoint.appOf(reply));
      assertThat(TcloEndpoint.text(bytes)).isEqualTo(reply);
    }
  }
}
