package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.COMMAND_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A call on a holder ({@link Backdoor#in(MutableRegisters)}) answers as the call on a value does,
 * for every command the host knows and for what it refuses, and logs the same call.
 */
class InPlaceCallTest {

  private static VirtualHost host() {
    return VirtualHost.builder()
        .seed(3)
        .hostClock(
            java.time.Clock.fixed(Instant.parse("2026-01-02T03:04:05.123456Z"), ZoneOffset.UTC))
        .build();
  }

  private static void sameAnswer(Registers loaded) {
    VirtualHost byValue = host();
    VirtualHost byHolder = host();
    Registers expected = byValue.backdoor().in(loaded);
    MutableRegisters holder = new MutableRegisters(loaded);
    byHolder.backdoor().in(holder);
    assertThat(holder.toRegisters()).isEqualTo(expected);
    assertThat(byHolder.records().callLog()).hasSameSizeAs(byValue.records().callLog());
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    byValue.records().callLog().forEach(c -> a.add(c.toString()));
    byHolder.records().callLog().forEach(c -> b.add(c.toString()));
    assertThat(b).isEqualTo(a);
  }

  @ParameterizedTest
  @EnumSource(BackdoorCommand.class)
  void everyCommandAnswersTheSameOnAHolder(BackdoorCommand command) {
    sameAnswer(Registers.of(MAGIC, 0x00010004, command.number(), COMMAND_PORT, 0x55, 0x66, 0x77));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 99, 0xFFFF})
  void unknownCommandsAnswerTheSameOnAHolder(int number) {
    sameAnswer(Registers.of(MAGIC, 0, number, COMMAND_PORT, 0, 0));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 0x12345678})
  void aWrongMagicAnswersTheSameOnAHolder(int eax) {
    sameAnswer(Registers.of(eax, 0, BackdoorCommand.GETVERSION.number(), COMMAND_PORT, 0, 0));
  }
}
