package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The three OpenBSD families, each against the lines its own source prints, one test per difference
 * (the letters are those of the differences between the families and the NetBSD-shaped model):
 * {@code sys/dev/vmt.c} 1.17 ({@link VmtFlavor#OPENBSD_1_17}), {@code sys/dev/pv/vmt.c} 1.8 ({@link
 * VmtFlavor#OPENBSD_1_8}) and 1.32 ({@link VmtFlavor#OPENBSD}).
 */
class OpenBsdFamiliesTest {

  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  /** What vmt prints when the host refuses an open: FakeHost's registers, {@code %08x}. */
  private static final String OPEN_FAILED =
      "vmware: open failed, eax=564d5868, ecx=00000000, edx=00005658";

  private static final String RPCI_LENGTH_FAILED =
      "vmware: get length failed, eax=564d5868, ecx=00000000";

  private final FakeHost host = new FakeHost();
  private final Recorder rec = new Recorder();
  private final List<String> rpci = new ArrayList<>();
  private TcloStateMachine machine;

  /** The machine's clock: the sum of the delays it returned. */
  private Duration now = Duration.ZERO;

  private void start(VmtFlavor flavor, Duration guestInfoInterval) {
    TcloOptions options =
        TcloOptions.defaults()
            .withFlavor(flavor)
            .withGuestInfoInterval(guestInfoInterval)
            .withGuestIp("192.0.2.7")
            .withUptime(() -> Duration.ofSeconds(90));
    machine = Machines.create(TcloMachines.LEGACY, host, options, rec);
    host.rpciHandler =
        request -> {
          rpci.add(seconds(now) + " " + VmtRpc.cString(request));
          return FakeHost.bytes("1 ");
        };
  }

  private static String seconds(Duration d) {
    return d.toMillis() / 1000.0 + "s";
  }

  /** One tick at the machine's current time. */
  private Duration tick() {
    Duration delay = machine.tick();
    now = now.plus(delay);
    return delay;
  }

  /** Ticks until the next tick would run at {@code t} or later. */
  private void runUntil(Duration t) {
    while (now.compareTo(t) < 0) {
      tick();
    }
  }

  /** Attach and answer the host's first reset. */
  private void settle() {
    tick();
    tick();
    assertThat(host.tcloReplies).containsExactly("OK ATR toolbox");
    rec.clear();
    rpci.clear();
  }

  private static boolean is117(VmtFlavor f) {
    return f == VmtFlavor.OPENBSD_1_17;
  }

  // A: vmt_tick on a timer of its own, from the mountroot hook.

  @ParameterizedTest
  @EnumSource(names = {"OPENBSD_1_17", "OPENBSD_1_8", "OPENBSD"})
  void a_guestInfoRunsEveryFifteenSecondsFromAttachOnItsOwnTimer(VmtFlavor flavor) {
    start(flavor, Duration.ofSeconds(15));
    assertThat(tick()).isEqualTo(ONE_SECOND);
    // The mountroot hook runs vmt_tick at once, before the first TCLO tick.
    assertThat(rpci)
        .startsWith(
            "0.0s tools.capability.hgfs_server toolbox 1",
            "0.0s SetGuestInfo  1 vmbackdoor",
            "0.0s SetGuestInfo  5 NetBSD 10.0 amd64",
            "0.0s SetGuestInfo  6 other-64")
        .endsWith("0.0s SetGuestInfo  7 9000");
    runUntil(Duration.ofSeconds(60));
    assertThat(rpci.stream().filter(r -> r.endsWith("SetGuestInfo  7 9000")))
        .containsExactly(
            "0.0s SetGuestInfo  7 9000",
            "15.0s SetGuestInfo  7 9000",
            "30.0s SetGuestInfo  7 9000",
            "45.0s SetGuestInfo  7 9000");
    // The uptime at 60 s fails: the line has no newline, and the reset's line runs into it.
    rec.clear();
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 1);
    host.tcloCommands.add("reset");
    tick();
    assertThat(rec.lines)
        .containsExactly(
            OPEN_FAILED,
            "vmt0: rpci channel open failed",
            "vmt0: unable to set guest uptimevmt0: resetting rpc");
    runUntil(Duration.ofSeconds(62));
    assertThat(host.unsolicitedReplies).containsExactly("OK ATR toolbox");
  }

  // B: who prints the power lines.

  @ParameterizedTest
  @EnumSource(names = {"OPENBSD_1_17", "OPENBSD_1_8", "OPENBSD"})
  void b_haltAndRebootLines(VmtFlavor flavor) {
    start(flavor, Duration.ZERO);
    settle();
    host.tcloCommands.add("OS_Halt");
    tick();
    tick();
    host.tcloCommands.add("OS_Reboot");
    runUntil(now.plusSeconds(3));
    String who = flavor == VmtFlavor.OPENBSD ? "vmt0" : "VMware";
    assertThat(rec.lines)
        .containsExactly(
            "Shutting down in response to request from " + who + " host",
            "Rebooting in response to request from " + who + " host");
    assertThat(rpci)
        .extracting(r -> r.substring(r.indexOf(' ') + 1))
        .containsExactly("tools.os.statechange.status 1 1", "tools.os.statechange.status 1 2");
  }

  // C: 1.17 has no delay variable.

  @ParameterizedTest
  @EnumSource(names = {"OPENBSD_1_17", "OPENBSD_1_8", "OPENBSD"})
  void c_afterAHandledMessageAndOnADeadChannel(VmtFlavor flavor) {
    start(flavor, Duration.ZERO);
    tick();
    // The host's reset is handled: 1.17 comes back a second later, 1.8 and 1.32 at once.
    assertThat(tick()).isEqualTo(is117(flavor) ? ONE_SECOND : Duration.ZERO);
    rec.clear();
    host.dropChannel(PROTOCOL_TCLO);
    for (int i = 0; i < 5; i++) {
      assertThat(tick()).isEqualTo(ONE_SECOND);
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      expected.add(RPCI_LENGTH_FAILED);
      expected.add("vmt0: failed to get length of incoming TCLO data");
    }
    assertThat(rec.lines).containsExactlyElementsOf(expected);
  }

  // D: NIC info, 1.32 only.

  @ParameterizedTest
  @EnumSource(names = {"OPENBSD_1_17", "OPENBSD_1_8", "OPENBSD"})
  void d_nicInfo(VmtFlavor flavor) {
    start(flavor, Duration.ofSeconds(15));
    host.rpciLengthRefused = r -> r.startsWith("SetGuestInfo  10 ");
    tick();
    runUntil(Duration.ofSeconds(31));
    host.tcloCommands.add("ping");
    tick();
    if (flavor == VmtFlavor.OPENBSD) {
      // Sent once at attach, failed, kept: unchanged since, so not sent again.
      assertThat(host.rpciRawRequests.stream().filter(OpenBsdFamiliesTest::isNicInfo)).hasSize(1);
      byte[] sent =
          host.rpciRawRequests.stream().filter(OpenBsdFamiliesTest::isNicInfo).findFirst().get();
      assertThat(sent).isEqualTo(VmtCommandTable.nicInfoBytes("192.0.2.7"));
      assertThat(rec.lines)
          .containsExactly(
              RPCI_LENGTH_FAILED,
              "vmt0: failed to get length of rpci response data",
              "vmt0: unable to send nic infovmt0: resetting rpc");
    } else {
      assertThat(host.rpciRawRequests.stream().filter(OpenBsdFamiliesTest::isNicInfo)).isEmpty();
      assertThat(rec.lines).isEmpty();
    }
  }

  private static boolean isNicInfo(byte[] request) {
    return new String(request, StandardCharsets.ISO_8859_1).startsWith("SetGuestInfo  10 ");
  }

  // F: the HGFS failure at attach, without the device name.

  @ParameterizedTest
  @EnumSource(names = {"OPENBSD_1_17", "OPENBSD_1_8", "OPENBSD"})
  void f_hgfsCapabilityFailure(VmtFlavor flavor) {
    start(flavor, Duration.ofSeconds(15));
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 1);
    assertThat(tick()).isEqualTo(Duration.ZERO);
    assertThat(rec.lines)
        .containsExactly(
            OPEN_FAILED,
            "vmt0: rpci channel open failed",
            ": failed to set HGFS server capability");
    assertThat(machine.health()).isEqualTo(TcloHealth.STOPPED);
    assertThat(rpci).isEmpty();
  }

  // H: unknown commands and the backup commands.

  @ParameterizedTest
  @EnumSource(names = {"OPENBSD_1_17", "OPENBSD_1_8", "OPENBSD"})
  void h_unknownCommand(VmtFlavor flavor) {
    start(flavor, Duration.ZERO);
    settle();
    host.tcloCommands.add("Time_Synchronize 0");
    runUntil(now.plusSeconds(2));
    assertThat(host.tcloReplies).endsWith("ERROR Unknown command");
    if (is117(flavor)) {
      assertThat(rec.lines).isEmpty();
    } else {
      assertThat(rec.lines).containsExactly("vmt0: unknown command: \"Time_Synchronize 0\"");
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"OPENBSD_1_17", "OPENBSD_1_8", "OPENBSD"})
  void h_backupStartAndSnapshotDone(VmtFlavor flavor) {
    start(flavor, Duration.ZERO);
    settle();
    host.tcloCommands.add("vmbackup.start 1");
    tick();
    tick();
    tick();
    host.tcloCommands.add("vmbackup.snapshotDone");
    tick();
    tick();
    if (flavor == VmtFlavor.OPENBSD) {
      assertThat(rec.lines)
          .containsExactly(
              "vmt0: starting quiesce",
              "vmt0: quiescing filesystems for backup",
              "vmt0: filesystems quiesced",
              "vmt0: backup complete");
      assertThat(rpci)
          .extracting(r -> r.substring(r.indexOf(' ') + 1))
          .containsExactly(
              "vmbackup.eventSet reset 0 ",
              "vmbackup.eventSet prov.snapshotCommit 0 ",
              // each tick starts with one, the tick that brings snapshotDone included
              "vmbackup.eventSet req.keepAlive 0 ",
              "vmbackup.eventSet req.keepAlive 0 ",
              "vmbackup.eventSet req.keepAlive 0 ",
              "vmbackup.eventSet req.done 0 ");
      assertThat(host.tcloReplies).endsWith("OK ", "OK ");
    } else if (is117(flavor)) {
      assertThat(rec.lines).isEmpty();
      assertThat(host.tcloReplies).endsWith("ERROR Unknown command", "ERROR Unknown command");
    } else {
      assertThat(rec.lines)
          .containsExactly(
              "vmt0: unknown command: \"vmbackup.start 1\"",
              "vmt0: unknown command: \"vmbackup.snapshotDone\"");
      assertThat(host.tcloReplies).endsWith("ERROR Unknown command", "ERROR Unknown command");
    }
  }

  @Test
  void h_aQuiesceThatTakesThirtyTicksIsAborted() {
    start(VmtFlavor.OPENBSD, Duration.ZERO);
    settle();
    host.tcloCommands.add("vmbackup.start 1");
    tick();
    rec.clear();
    rpci.clear();
    int ticks = 0;
    while (rec.lines.isEmpty() && ticks < 100) {
      tick();
      ticks++;
    }
    assertThat(rec.lines).containsExactly("vmt0: aborting quiesce");
    assertThat(rpci.stream().filter(r -> r.endsWith("req.keepAlive 0 "))).hasSize(29);
    assertThat(rpci)
        .extracting(r -> r.substring(r.indexOf(' ') + 1))
        .endsWith("vmbackup.eventSet req.aborted 4 ", "vmbackup.eventSet req.done 0 ");
  }

  // K: Capabilities_Register clears the cached guest info in 1.32.

  @ParameterizedTest
  @EnumSource(names = {"OPENBSD_1_17", "OPENBSD_1_8", "OPENBSD"})
  void k_capabilitiesRegisterAndTheNextGuestInfo(VmtFlavor flavor) {
    start(flavor, Duration.ofSeconds(15));
    settle();
    host.tcloCommands.add("Capabilities_Register");
    runUntil(Duration.ofSeconds(15));
    rec.clear();
    boolean clears = flavor == VmtFlavor.OPENBSD;
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, clears ? 5 : 1);
    tick();
    machine.shutdown();
    if (clears) {
      assertThat(rec.lines)
          .containsExactly(
              OPEN_FAILED,
              "vmt0: rpci channel open failed",
              "vmt0: unable to set hostname" + OPEN_FAILED,
              "vmt0: rpci channel open failed",
              "vmt0: unable to set full guest OS" + OPEN_FAILED,
              "vmt0: rpci channel open failed",
              "vmt0: unable to set guest OS" + OPEN_FAILED,
              "vmt0: rpci channel open failed",
              "vmt0: unable to send nic info" + OPEN_FAILED,
              "vmt0: rpci channel open failed",
              "vmt0: unable to set guest uptime");
    } else {
      assertThat(rec.lines)
          .containsExactly(
              OPEN_FAILED, "vmt0: rpci channel open failed", "vmt0: unable to set guest uptime");
    }
  }

  // Not lettered, but the families differ here too: ping refreshes the guest info before 1.32.

  @ParameterizedTest
  @EnumSource(names = {"OPENBSD_1_17", "OPENBSD_1_8", "OPENBSD"})
  void pingRefreshesTheGuestInfoBefore132(VmtFlavor flavor) {
    start(flavor, Duration.ZERO);
    settle();
    host.tcloCommands.add("ping");
    runUntil(now.plusSeconds(2));
    if (flavor == VmtFlavor.OPENBSD) {
      assertThat(rpci).isEmpty();
    } else {
      assertThat(rpci)
          .extracting(r -> r.substring(r.indexOf(' ') + 1))
          .containsExactly(
              "SetGuestInfo  1 vmbackdoor",
              "SetGuestInfo  5 NetBSD 10.0 amd64",
              "SetGuestInfo  6 other-64");
    }
    assertThat(host.tcloReplies).endsWith("OK ");
  }
}
