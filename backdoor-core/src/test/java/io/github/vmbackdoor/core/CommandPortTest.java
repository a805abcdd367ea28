package io.github.vmbackdoor.core;

import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class CommandPortTest {

  /** A command port whose host answers with a scripted function and remembers what it was sent. */
  private static final class ScriptedBackdoor implements Backdoor {
    final List<Registers> sent = new ArrayList<>();
    private final UnaryOperator<Registers> host;

    ScriptedBackdoor(UnaryOperator<Registers> host) {
      this.host = host;
    }

    @Override
    public Registers in(Registers registers) {
      sent.add(registers);
      return host.apply(registers);
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      throw new AssertionError("the command port never uses the high-bandwidth port");
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      throw new AssertionError("the command port never uses the high-bandwidth port");
    }

    Registers only() {
      assertThat(sent).hasSize(1);
      return sent.get(0);
    }
  }

  private static Registers sentFor(int ebx, int ecx) {
    return Registers.of(MAGIC, ebx, ecx, 0x5658, 0, 0, 0);
  }

  @Test
  void versionPrimesEbxAndEcxHighWordAndDecodesAnEsxAnswer() {
    ScriptedBackdoor b = new ScriptedBackdoor(r -> r.withEax(6).withEbx(MAGIC).withEcx(2));

    VmxVersion v = new CommandPort(b).version();

    assertThat(b.only()).isEqualTo(sentFor(0xA9B2A797, 0xFFFF000A));
    assertThat(v.version()).isEqualTo(6);
    assertThat(v.isVersionMagic()).isTrue();
    assertThat(v.productType()).isEqualTo(VmxVersion.ProductType.SCALABLE_SERVER);
    assertThat(v.productTypeCode()).isEqualTo(2);
  }

  @Test
  void versionWithEcxHighWordUntouchedIsUnset() {
    // An old host writes eax and ebx only: ecx keeps the guest's 0xFFFF000A.
    ScriptedBackdoor b = new ScriptedBackdoor(r -> r.withEax(6).withEbx(MAGIC));

    VmxVersion v = new CommandPort(b).version();

    assertThat(v.productType()).isEqualTo(VmxVersion.ProductType.UNSET);
    assertThat(v.productTypeCode()).isEqualTo(0xFFFF000A);
  }

  @Test
  void versionDecodesWorkstationAndUnknownTypesAndOtherVersions() {
    VmxVersion ws =
        new CommandPort(new ScriptedBackdoor(r -> r.withEax(6).withEbx(MAGIC).withEcx(4)))
            .version();
    VmxVersion odd =
        new CommandPort(new ScriptedBackdoor(r -> r.withEax(5).withEbx(MAGIC).withEcx(0x0001_0009)))
            .version();

    assertThat(ws.productType()).isEqualTo(VmxVersion.ProductType.WORKSTATION);
    assertThat(odd.productType()).isEqualTo(VmxVersion.ProductType.UNKNOWN);
    assertThat(odd.productTypeCode()).isEqualTo(0x0001_0009);
    assertThat(odd.isVersionMagic()).isFalse();
  }

  @Test
  void versionWithoutMagicEchoIsNoVmwareBackdoor() {
    ScriptedBackdoor b = new ScriptedBackdoor(r -> r.withEax(6).withEbx(0x12345678).withEcx(2));

    assertThatThrownBy(() -> new CommandPort(b).version())
        .isInstanceOf(NoBackdoorException.class)
        .hasMessageContaining("ebx=12345678")
        .hasMessageContaining("not the magic 564d5868");
  }

  @Test
  void versionWithEaxAllOnesIsNoBackdoor() {
    ScriptedBackdoor b = new ScriptedBackdoor(r -> r.withEax(0xFFFFFFFF));

    assertThatThrownBy(() -> new CommandPort(b).version())
        .isInstanceOf(NoBackdoorException.class)
        .hasMessage("no backdoor: GETVERSION returned eax=ffffffff");
  }

  @Test
  void hardwareVersionNeedsTheMagicEcho() {
    ScriptedBackdoor ok = new ScriptedBackdoor(r -> r.withEax(19).withEbx(MAGIC));
    ScriptedBackdoor silent = new ScriptedBackdoor(r -> r.withEax(19));
    ScriptedBackdoor none = new ScriptedBackdoor(r -> r.withEax(-1).withEbx(MAGIC));

    assertThat(new CommandPort(ok).hardwareVersion()).hasValue(19);
    assertThat(ok.only()).isEqualTo(sentFor(~MAGIC, 17));
    assertThat(new CommandPort(silent).hardwareVersion()).isEmpty();
    assertThat(new CommandPort(none).hardwareVersion()).isEmpty();
  }

  @Test
  void mhzIsEmptyWhenNotPositive() {
    ScriptedBackdoor b = new ScriptedBackdoor(r -> r.withEax(2893));

    assertThat(new CommandPort(b).mhz()).hasValue(2893);
    assertThat(b.only()).isEqualTo(sentFor(0, 1));
    assertThat(new CommandPort(new ScriptedBackdoor(r -> r.withEax(0))).mhz()).isEmpty();
    assertThat(new CommandPort(new ScriptedBackdoor(r -> r.withEax(-1))).mhz()).isEmpty();
  }

  @Test
  void memorySizeIsUnsignedEax() {
    ScriptedBackdoor b = new ScriptedBackdoor(r -> r.withEax(0x8000_0000));

    assertThat(new CommandPort(b).memorySizeMb()).hasValue(0x8000_0000L);
    assertThat(b.only()).isEqualTo(sentFor(0, 20));
    assertThat(new CommandPort(new ScriptedBackdoor(r -> r.withEax(-1))).memorySizeMb()).isEmpty();
  }

  @Test
  void uuidReadsEachRegisterLittleEndianInOrderEaxEbxEcxEdx() {
    ScriptedBackdoor b =
        new ScriptedBackdoor(
            r -> Registers.of(0x78563412, 0xBCDA9AF0, 0x33221100, 0x77665544, 0, 0, 0));

    BiosUuid uuid = new CommandPort(b).uuid();

    assertThat(b.only()).isEqualTo(sentFor(0, 19));
    assertThat(uuid.bytes())
        .containsExactly(
            0x12, 0x34, 0x56, 0x78, 0xF0, 0x9A, 0xDA, 0xBC, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
            0x66, 0x77);
    assertThat(uuid.uuid()).isEqualTo(UUID.fromString("12345678-f09a-dabc-0011-223344556677"));
    assertThat(uuid.smbiosUuid())
        .isEqualTo(UUID.fromString("78563412-9af0-bcda-0011-223344556677"));
    assertThat(uuid).hasToString("12345678-f09a-dabc-0011-223344556677");
  }

  @Test
  void biosUuidBytesAreDefensiveCopies() {
    byte[] raw = new byte[16];
    BiosUuid uuid = BiosUuid.of(raw);
    raw[0] = 1;
    uuid.bytes()[1] = 1;

    assertThat(uuid.bytes()).containsOnly(0);
    assertThat(uuid).isEqualTo(BiosUuid.fromRegisters(Registers.zero()));
    assertThatThrownBy(() -> BiosUuid.of(new byte[15]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hzJoinsEbxEaxAndIsEmptyWhenEbxStaysAllOnes() {
    ScriptedBackdoor b =
        new ScriptedBackdoor(r -> r.withEax(0xABA9_5000).withEbx(0x0000_0001).withEcx(66_000_000));

    HostHz hz = new CommandPort(b).hz().orElseThrow();

    assertThat(b.only()).isEqualTo(sentFor(0xFFFFFFFF, 45));
    assertThat(hz.tscHz()).isEqualTo(0x1_ABA9_5000L);
    assertThat(hz.apicBusHz()).isEqualTo(66_000_000L);
    assertThat(new CommandPort(new ScriptedBackdoor(r -> r.withEax(7))).hz()).isEmpty();
  }

  @Test
  void timeIsTheDeprecatedThirtyTwoBitAnswer() {
    ScriptedBackdoor b =
        new ScriptedBackdoor(r -> r.withEax(0xF000_0000).withEbx(250_000).withEcx(500_000));

    HostTime t = new CommandPort(b).time().orElseThrow();

    assertThat(b.only()).isEqualTo(sentFor(0, 23));
    assertThat(t.command()).isEqualTo(BackdoorCommand.GETTIME);
    assertThat(t.seconds()).isEqualTo(0xF000_0000L);
    assertThat(t.microseconds()).isEqualTo(250_000);
    assertThat(t.maxTimeLagMicros()).isEqualTo(500_000);
    assertThat(t.interruptLagMicros()).isEmpty();
    assertThat(new CommandPort(new ScriptedBackdoor(r -> r.withEax(-1))).time()).isEmpty();
  }

  @Test
  void timeFullSucceedsOnlyWithEaxLeftAtTheMagic() {
    // 1_700_000_000 + 2^32 seconds: esi carries the high half.
    long seconds = (1L << 32) + 1_700_000_000L;
    ScriptedBackdoor b =
        new ScriptedBackdoor(
            r ->
                r.toBuilder()
                    .ebx(123_456)
                    .ecx(1_000_000)
                    .edx((int) seconds)
                    .esi((int) (seconds >>> 32))
                    .build());

    HostTime t = new CommandPort(b).timeFull().orElseThrow();

    assertThat(b.only()).isEqualTo(sentFor(0, 46));
    assertThat(t.command()).isEqualTo(BackdoorCommand.GETTIMEFULL);
    assertThat(t.seconds()).isEqualTo(seconds);
    assertThat(t.microseconds()).isEqualTo(123_456);
    assertThat(t.maxTimeLagMicros()).isEqualTo(1_000_000);
    assertThat(t.interruptLagMicros()).isEmpty();
    assertThat(t.toInstant()).isEqualTo(Instant.ofEpochSecond(seconds, 123_456_000));
    assertThat(new CommandPort(new ScriptedBackdoor(r -> r.withEax(0))).timeFull()).isEmpty();
  }

  @Test
  void timeFullWithLagAddsEdi() {
    ScriptedBackdoor b =
        new ScriptedBackdoor(
            r ->
                r.toBuilder()
                    .ebx(999_999)
                    .ecx(0x8000_0000)
                    .edx(0xFFFF_FFFF)
                    .esi(0)
                    .edi(42)
                    .build());

    HostTime t = new CommandPort(b).timeFullWithLag().orElseThrow();

    assertThat(b.only()).isEqualTo(sentFor(0, 55));
    assertThat(t.command()).isEqualTo(BackdoorCommand.GETTIMEFULL_WITH_LAG);
    assertThat(t.seconds()).isEqualTo(0xFFFF_FFFFL);
    assertThat(t.microseconds()).isEqualTo(999_999);
    assertThat(t.maxTimeLagMicros()).isEqualTo(0x8000_0000L);
    assertThat(t.interruptLagMicros()).isEqualTo(OptionalLong.of(42));
    assertThat(new CommandPort(new ScriptedBackdoor(r -> r.withEax(-1))).timeFullWithLag())
        .isEmpty();
  }

  @Test
  void genericCallSendsCommandSubCommandAndEbxAndReturnsTheAnswerUndecoded() {
    Registers answer = Registers.of(3, 4, 5, 6, 7, 8, 9);
    ScriptedBackdoor b = new ScriptedBackdoor(r -> answer);
    CommandPort port = new CommandPort(b);

    assertThat(port.call(BackdoorCommand.GETBUILDNUM, 0x1234)).isEqualTo(answer);
    assertThat(port.call(BackdoorCommand.NESTING_CONTROL, 2, 0)).isEqualTo(answer);

    assertThat(b.sent).containsExactly(sentFor(0x1234, 100), sentFor(0, 0x0002_003F));
    assertThatThrownBy(() -> port.call(BackdoorCommand.NESTING_CONTROL, 0x1_0000, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
