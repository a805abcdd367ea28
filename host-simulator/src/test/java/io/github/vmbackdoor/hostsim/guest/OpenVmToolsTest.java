package io.github.vmbackdoor.hostsim.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.junit.Transport;
import io.github.vmbackdoor.hostsim.junit.VmExtension;
import io.github.vmbackdoor.hostsim.junit.VmSimulator;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unmodified VMware Tools (open-vm-tools, as Debian ships it) against a simulated VM, each program
 * under the trap. What each prints is what open-vm-tools prints in a VMware VM whose host answers
 * as the simulated one does (docs/real-guests.md has the table).
 */
class OpenVmToolsTest {

  static final Instant HOST_TIME = Instant.parse("2021-03-04T05:06:07Z");

  @RegisterExtension
  static final VmExtension VM =
      VmExtension.builder()
          .transport(Transport.TCP)
          .configureHost(b -> b.mhz(3210).hostClock(Clock.fixed(HOST_TIME, ZoneOffset.UTC)))
          .build();

  TestPrograms.OpenVmTools tools;

  @BeforeEach
  void findTools() {
    tools = TestPrograms.OpenVmTools.find();
  }

  @Test
  void checkvmFindsAVmwareVmAndItsProduct(RealGuest guest) {
    GuestRun run = tools.on(guest).run(tools.bin("vmware-checkvm"));
    GuestRun product = tools.on(guest).run(tools.bin("vmware-checkvm"), "-p");

    assertThat(run.stdout()).isEqualTo("VMware software version 6 (good)\n");
    assertThat(run.exitCode()).isZero();
    assertThat(product.stdout()).isEqualTo("ESX Server\n");
    assertThat(product.exitCode()).isZero();
  }

  @Test
  void rpctoolSetsAndGetsGuestinfo(RealGuest guest, VmSimulator vm) {
    RealGuest g = tools.on(guest);

    GuestRun set = g.run(tools.bin("vmware-rpctool"), "info-set guestinfo.x hello");
    GuestRun get = g.run(tools.bin("vmware-rpctool"), "info-get guestinfo.x");
    GuestRun missing = g.run(tools.bin("vmware-rpctool"), "info-get guestinfo.missing");

    assertThat(set.exitCode()).isZero();
    assertThat(set.stdout()).isEqualTo("\n");
    assertThat(get.stdout()).isEqualTo("hello\n");
    assertThat(get.exitCode()).isZero();
    assertThat(missing.stderr()).isEqualTo("No value found\n");
    assertThat(missing.stdout()).isEmpty();
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(vm.guestInfo("x")).hasValue("hello");
  }

  @Test
  void rpctoolReadsAValueTheHostSet(RealGuest guest, VmSimulator vm) {
    vm.host().putGuestInfo("fromhost", "set by the host");

    GuestRun get = tools.on(guest).run(tools.bin("vmware-rpctool"), "info-get guestinfo.fromhost");

    assertThat(get.stdout()).isEqualTo("set by the host\n");
  }

  @Test
  void valuesTheConfigurationHoldsLeaveTheToolsTheirWholeStore(RealGuest guest, VmSimulator vm) {
    // twenty configured values of 60,000 bytes: more than the guest's 1 MiB allowance together,
    // which they do not count against (docs/host-model.md §4.2)
    for (int i = 0; i < 20; i++) {
      vm.host().putGuestInfo("configured" + i, "c".repeat(60_000));
    }
    RealGuest g = tools.on(guest);

    GuestRun set = g.run(tools.bin("vmware-rpctool"), "info-set guestinfo.mine hello");
    GuestRun get = g.run(tools.bin("vmware-rpctool"), "info-get guestinfo.configured19");

    assertThat(set.stderr()).isEmpty();
    assertThat(set.exitCode()).isZero();
    assertThat(vm.guestInfo("mine")).hasValue("hello");
    assertThat(get.stdout()).isEqualTo("c".repeat(60_000) + "\n");
  }

  @Test
  void toolboxCmdStatReadsTheHostsSpeedAndClock(RealGuest guest) {
    GuestRun speed = tools.on(guest).run(tools.bin("vmware-toolbox-cmd"), "stat", "speed");
    GuestRun time = tools.on(guest).run(tools.bin("vmware-toolbox-cmd"), "stat", "hosttime");

    assertThat(speed.stdout()).isEqualTo("3210 MHz\n");
    assertThat(speed.exitCode()).isZero();
    assertThat(time.stdout()).isEqualTo("04 Mar 2021 05:06:07\n");
    assertThat(time.exitCode()).isZero();
  }

  @Test
  void aCheckpointInTheMiddleOfAnRpciIsRetriedByTheTools(RealGuest guest, VmSimulator vm) {
    vm.host().putGuestInfo("cpt", "survives");
    vm.installFault(
        Fault.builder()
            .protocol(BackdoorProtocol.PROTOCOL_RPCI)
            .step(Step.RECV_HB)
            .nth(1)
            .checkpoint()
            .build());

    GuestRun get = tools.on(guest).run(tools.bin("vmware-rpctool"), "info-get guestinfo.cpt");

    // open-vm-tools lib/message/message.c: a receive cut by a checkpoint is started again
    assertThat(vm.host().records().faultHits()).hasSize(1);
    assertThat(get.stdout()).isEqualTo("survives\n");
    assertThat(get.exitCode()).isZero();
  }

  @Test
  void aRefusedCallEndsInTheToolsOwnErrorText(RealGuest guest, VmSimulator vm) {
    vm.installFault(
        Fault.builder()
            .protocol(BackdoorProtocol.PROTOCOL_RPCI)
            .step(Step.SENDSIZE)
            .nth(1)
            .clearSuccess()
            .build());

    GuestRun get = tools.on(guest).run(tools.bin("vmware-rpctool"), "info-get guestinfo.x");

    // open-vm-tools lib/rpcOut/rpcout.c, RpcOut_send: "RpcOut: Unable to send the RPCI command"
    assertThat(vm.host().records().faultHits()).hasSize(1);
    assertThat(get.stderr()).isEqualTo("RpcOut: Unable to send the RPCI command\n");
    assertThat(get.exitCode()).isEqualTo(1);
  }

  @Test
  void vmtoolsdRunsTwentySecondsAndClosesItsChannelsOnSigterm(
      RealGuest guest, VmSimulator vm, @TempDir Path dir) throws IOException {
    MachineState before = MachineState.now();
    long started = System.nanoTime();

    try (GuestProcess vmtoolsd = tools.on(guest).start(tools.vmtoolsd(dir))) {
      // the TCLO channel opened, the reset answered, the first RPCIs sent
      assertThat(
              vm.await(
                  () -> vm.host().records().tcloReplies().contains("OK ATR toolbox"),
                  Duration.ofSeconds(30)))
          .as("reset reply; vmtoolsd said: %s", vmtoolsd.stderrSoFar())
          .isTrue();
      assertThat(
              vm.await(
                  () ->
                      vm.host().records().rpciRequests().stream()
                          .anyMatch(r -> r.text().startsWith("log ")),
                  Duration.ofSeconds(30)))
          .isTrue();
      // twenty seconds of real time (the acceptance is about a daemon that keeps running), then
      // a ping the host sends must still be answered
      vm.await(
          () -> System.nanoTime() - started >= Duration.ofSeconds(20).toNanos(),
          Duration.ofSeconds(30));
      assertThat(vmtoolsd.isAlive()).as("vmtoolsd after 20 s: %s", vmtoolsd.stderrSoFar()).isTrue();
      vm.enqueueTclo("ping");
      assertThat(
              vm.await(
                  () ->
                      vm.host().records().tcloCommandsSent().contains("ping")
                          && vm.host().records().pendingTcloCommands().isEmpty()
                          && vm.host().records().outstandingTcloCommand().isEmpty(),
                  Duration.ofSeconds(30)))
          .isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(20));

      GuestRun stopped = vmtoolsd.stop();

      assertThat(stopped.exitCode()).as(stopped.stderr()).isZero();
    }
    assertThat(vm.host().records().rpciRequests())
        .extracting(r -> r.text())
        .contains("vmx.capability.unified_loop toolbox")
        .anyMatch(t -> t.startsWith("info-set guestinfo.vmtools.versionString "));
    assertThat(vm.host().records().channels())
        .extracting(ChannelInfo::state)
        .doesNotContain(ChannelInfo.State.OPEN);
    MachineState.now().assertUntouchedSince(before);
  }
}
