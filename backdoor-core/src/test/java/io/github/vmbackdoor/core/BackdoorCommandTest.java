package io.github.vmbackdoor.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackdoorCommandTest {

  @Test
  void everyNumberFromOneTo104HasExactlyOneCommand() {
    IntStream.rangeClosed(1, 104)
        .forEach(
            n ->
                assertThat(BackdoorCommand.of(n))
                    .hasValueSatisfying(c -> assertThat(c.number()).isEqualTo(n)));
    assertThat(BackdoorCommand.values()).hasSize(104);
    assertThat(BackdoorCommand.of(0)).isEmpty();
    assertThat(BackdoorCommand.of(105)).isEmpty();
    assertThat(BackdoorCommand.of(-1)).isEmpty();
    assertThat(BackdoorCommand.of(0x1_000A)).isEmpty();
  }

  @Test
  void knownNumbersCarryTheProtocolNames() {
    assertThat(BackdoorCommand.of(1)).contains(BackdoorCommand.GETMHZ);
    assertThat(BackdoorCommand.of(10)).contains(BackdoorCommand.GETVERSION);
    assertThat(BackdoorCommand.of(19)).contains(BackdoorCommand.GETUUID);
    assertThat(BackdoorCommand.of(30)).contains(BackdoorCommand.MESSAGE);
    assertThat(BackdoorCommand.of(45)).contains(BackdoorCommand.GETHZ);
    assertThat(BackdoorCommand.of(46)).contains(BackdoorCommand.GETTIMEFULL);
    assertThat(BackdoorCommand.of(55)).contains(BackdoorCommand.GETTIMEFULL_WITH_LAG);
    assertThat(BackdoorCommand.of(104)).contains(BackdoorCommand.GET_FWTRCLOG_MASK);
    assertThat(BackdoorCommand.GETVERSION.protocolName()).isEqualTo("GETVERSION");
    assertThat(BackdoorCommand.GETVERSION).hasToString("GETVERSION(10)");
  }

  @Test
  void retiredDeprecatedAndKernelOnlyFlagsFollowTheHeader() {
    assertThat(Arrays.stream(BackdoorCommand.values()).filter(BackdoorCommand::retired))
        .containsExactly(
            BackdoorCommand.HOSTCOPY,
            BackdoorCommand.ENABLE_MSG,
            BackdoorCommand.GOTO_TCL,
            BackdoorCommand.INT13,
            BackdoorCommand.TOE,
            BackdoorCommand.TIMER_SPONGE,
            BackdoorCommand.PATCH_ACPI_TABLES,
            BackdoorCommand.DEVEL_FAKEHARDWARE,
            BackdoorCommand.STATELOGGER,
            BackdoorCommand.VASSERT,
            BackdoorCommand.GET_HOST_VIDEO_MODES,
            BackdoorCommand.USB_HOTPLUG_MOUSE,
            BackdoorCommand.XPMODE,
            BackdoorCommand.BUG328986,
            BackdoorCommand.GUEST_INTEGRITY,
            BackdoorCommand.GMM,
            BackdoorCommand.COREDUMP_UNSYNC);
    assertThat(BackdoorCommand.GETTIME.deprecated()).isTrue();
    assertThat(BackdoorCommand.GETTIME.retired()).isFalse();
    assertThat(BackdoorCommand.APMFUNCTION.kernelOnly()).isTrue();
    assertThat(BackdoorCommand.GETVERSION.kernelOnly()).isFalse();
    assertThat(BackdoorCommand.MESSAGE.retired()).isFalse();
  }

  @Test
  void messageIsTheMessageLayersCommand() {
    assertThat(BackdoorCommand.MESSAGE.number()).isEqualTo(BackdoorProtocol.CMD_MESSAGE);
    assertThat(BackdoorCommand.MESSAGE.ecx(BackdoorProtocol.MESSAGE_RECVSIZE))
        .isEqualTo(BackdoorProtocol.messageEcx(BackdoorProtocol.MESSAGE_RECVSIZE))
        .isEqualTo(0x0003001E);
  }

  @Test
  void registersHoldMagicCommandPortAndArgument() {
    assertThat(BackdoorCommand.GETVERSION.ecx()).isEqualTo(10);
    assertThat(BackdoorCommand.GETVERSION.registers(0xFFFF, 7))
        .isEqualTo(Registers.of(0x564D5868, 7, 0xFFFF000A, 0x5658, 0, 0, 0));
    assertThat(BackdoorCommand.GETMHZ.registers(0))
        .isEqualTo(Registers.of(0x564D5868, 0, 1, 0x5658, 0, 0, 0));
  }
}
