package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.COMMAND_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.NO_BACKDOOR;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.HostHz;
import io.github.vmbackdoor.core.HostTime;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.VmxVersion;
import io.github.vmbackdoor.hostsim.record.CallRecord;
import io.github.vmbackdoor.hostsim.time.Simulation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CommandPortTest {

  static final UUID ID = UUID.fromString("564d1234-5678-9abc-def0-112233445566");
  final Simulation sim = Simulation.create(3, Instant.parse("2026-03-04T05:06:07.250Z"));
  final VirtualHost host =
      VirtualHost.builder()
          .simulation(sim)
          .uuid(ID)
          .memoryMb(2048)
          .mhz(3000)
          .hardwareVersion(21)
          .productType(VmxVersion.ProductType.WORKSTATION)
          .maxTimeLagMicros(500_000)
          .interruptLagMicros(1234)
          .build();

  Registers call(BackdoorCommand command, int ebx) {
    return host.backdoor().in(Registers.of(MAGIC, ebx, command.ecx(0xFFFF), COMMAND_PORT, 0, 0));
  }

  @Test
  void getVersionAnswersVersionSixMagicAndProductType() {
    Registers r = call(BackdoorCommand.GETVERSION, ~MAGIC);
    assertThat(r.eax()).isEqualTo(6);
    assertThat(r.ebx()).isEqualTo(MAGIC);
    assertThat(r.ecx()).isEqualTo(VirtualHost.PRODUCT_WORKSTATION);
  }

  @Test
  void productTypeConstantsAreTheProtocolsCodes() {
    assertThat(VirtualHost.PRODUCT_ESX).isEqualTo(VmxVersion.ProductType.SCALABLE_SERVER.code());
    assertThat(VirtualHost.PRODUCT_WORKSTATION)
        .isEqualTo(VmxVersion.ProductType.WORKSTATION.code());
  }

  @Test
  void identityCommands() {
    Registers hw = call(BackdoorCommand.GETHWVERSION, ~MAGIC);
    assertThat(hw.eax()).isEqualTo(21);
    assertThat(hw.ebx()).isEqualTo(MAGIC);
    assertThat(call(BackdoorCommand.GETMHZ, 0).eax()).isEqualTo(3000);
    assertThat(call(BackdoorCommand.GETMEMSIZE, 0).eax()).isEqualTo(2048);
    Registers hz = call(BackdoorCommand.GETHZ, 0xFFFFFFFF);
    long tsc = (hz.eax() & 0xFFFFFFFFL) | ((long) hz.ebx() << 32);
    assertThat(tsc).isEqualTo(3_000_000_000L);
    assertThat(hz.ecx()).isEqualTo(66_000_000);
  }

  @Test
  void getUuidPacksTheSixteenBytesLittleEndianIntoFourRegisters() {
    Registers r = call(BackdoorCommand.GETUUID, 0);
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(r.eax()).putInt(r.ebx()).putInt(r.ecx()).putInt(r.edx());
    b.flip().order(ByteOrder.BIG_ENDIAN);
    assertThat(new UUID(b.getLong(), b.getLong())).isEqualTo(ID);
    assertThat(r.eax() & 0xFF).isEqualTo(0x56);
  }

  @Test
  void timeCommandsReadTheHostClock() {
    sim.runFor(Duration.ofSeconds(10));
    long seconds = Instant.parse("2026-03-04T05:06:17Z").getEpochSecond();
    Registers full = call(BackdoorCommand.GETTIMEFULL, 0);
    assertThat(full.eax()).as("eax unchanged means success").isEqualTo(MAGIC);
    assertThat(((long) full.esi() << 32) | (full.edx() & 0xFFFFFFFFL)).isEqualTo(seconds);
    assertThat(full.ebx()).isEqualTo(250_000);
    assertThat(full.ecx()).isEqualTo(500_000);
    Registers lag = call(BackdoorCommand.GETTIMEFULL_WITH_LAG, 0);
    assertThat(lag.edi()).isEqualTo(1234);
    assertThat(lag.edx()).isEqualTo((int) seconds);
    Registers old = call(BackdoorCommand.GETTIME, 0);
    assertThat(old.eax()).isEqualTo((int) seconds);
    assertThat(old.ebx()).isEqualTo(250_000);
  }

  @Test
  void unknownCommandsAndWrongMagicAnswerAllOnesInEaxAndLeaveTheRest() {
    Registers in = Registers.of(MAGIC, 7, 99, COMMAND_PORT, 5, 6);
    assertThat(host.backdoor().in(in)).isEqualTo(in.withEax(NO_BACKDOOR));
    Registers wrong =
        Registers.of(0x12345678, 7, BackdoorCommand.GETVERSION.ecx(), COMMAND_PORT, 5, 6);
    assertThat(host.backdoor().in(wrong)).isEqualTo(wrong.withEax(NO_BACKDOOR));
    assertThat(host.records().callLog())
        .extracting(CallRecord::note)
        .containsExactly("unknown command 99", "wrong magic");
  }

  @Test
  void theGuestsCommandPortReadsWhatTheHostAnswers() {
    sim.runFor(Duration.ofSeconds(10));
    CommandPort port = new CommandPort(host.backdoor());
    assertThat(port.version().isVersionMagic()).isTrue();
    assertThat(port.version().productTypeCode()).isEqualTo(VirtualHost.PRODUCT_WORKSTATION);
    assertThat(port.hardwareVersion()).hasValue(21);
    assertThat(port.mhz()).hasValue(3000);
    assertThat(port.memorySizeMb()).hasValue(2048);
    assertThat(port.uuid().uuid()).isEqualTo(ID);
    assertThat(port.hz()).get().extracting(HostHz::tscHz).isEqualTo(3_000_000_000L);
    Instant now = Instant.parse("2026-03-04T05:06:17.250Z");
    assertThat(port.timeFull()).get().extracting(HostTime::toInstant).isEqualTo(now);
    assertThat(port.timeFullWithLag()).get().extracting(HostTime::toInstant).isEqualTo(now);
    assertThat(port.time()).get().extracting(HostTime::toInstant).isEqualTo(now);
  }
}
