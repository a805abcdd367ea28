package io.github.vmbackdoor.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.MessageChannel;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class TcloOptionsTest {

  /** Every accessor, so a test can see which fields a {@code with} method changed. */
  private static final List<Function<TcloOptions, Object>> FIELDS =
      List.of(
          TcloOptions::deviceName,
          TcloOptions::flavor,
          TcloOptions::appName,
          TcloOptions::idleDelay,
          TcloOptions::idleBackoff,
          TcloOptions::restartDelay,
          TcloOptions::openFailureDelay,
          TcloOptions::restartCap,
          TcloOptions::givingUpDelay,
          TcloOptions::channelOptions,
          TcloOptions::hostname,
          TcloOptions::osNameFull,
          TcloOptions::osName,
          TcloOptions::uptime,
          TcloOptions::guestIp,
          TcloOptions::guestInfoInterval);

  private static int changedFields(TcloOptions before, TcloOptions after) {
    int changed = 0;
    for (Function<TcloOptions, Object> field : FIELDS) {
      if (!java.util.Objects.equals(field.apply(before), field.apply(after))) {
        changed++;
      }
    }
    return changed;
  }

  @Test
  void theFixedMachinesChannelFailsWithoutStackTracesAndOtherwiseAsTheDefaults() {
    MessageChannel.Options channel = TcloOptions.defaults().channelOptions();
    MessageChannel.Options defaults = MessageChannel.Options.defaults();
    assertThat(channel.stackTraces()).isFalse();
    assertThat(defaults.stackTraces()).isTrue();
    assertThat(channel.maxCheckpointRestarts()).isEqualTo(defaults.maxCheckpointRestarts());
    assertThat(channel.maxReceiveSize()).isEqualTo(defaults.maxReceiveSize());
    assertThat(channel)
        .hasToString(
            "Options{maxCheckpointRestarts=16, maxReceiveSize=16777216, stackTraces=false}");
    assertThat(defaults).hasToString("Options{maxCheckpointRestarts=16, maxReceiveSize=16777216}");
    assertThat(channel.withMaxReceiveSize(10).stackTraces()).isFalse();
    assertThat(channel.withMaxCheckpointRestarts(1).stackTraces()).isFalse();
    assertThat(channel.withStackTraces(true).stackTraces()).isTrue();
  }

  @Test
  void eachWithChangesItsOwnFieldsAndKeepsTheRest() {
    TcloOptions d = TcloOptions.defaults();
    Supplier<Duration> uptime = () -> Duration.ofMinutes(3);
    MessageChannel.Options channel = MessageChannel.Options.defaults().withMaxReceiveSize(4096);

    assertThat(d.withDeviceName("vmt1").deviceName()).isEqualTo("vmt1");
    assertThat(d.withFlavor(VmtFlavor.OPENBSD).flavor()).isEqualTo(VmtFlavor.OPENBSD);
    assertThat(d.withAppName("toolbox-dnd").appName()).isEqualTo("toolbox-dnd");
    assertThat(d.withIdleDelay(Duration.ofMillis(5)).idleDelay()).isEqualTo(Duration.ofMillis(5));
    assertThat(d.withIdleBackoff(true).idleBackoff()).isTrue();
    assertThat(d.withRestartDelay(Duration.ofSeconds(3)).restartDelay())
        .isEqualTo(Duration.ofSeconds(3));
    assertThat(d.withOpenFailureDelay(Duration.ofSeconds(4)).openFailureDelay())
        .isEqualTo(Duration.ofSeconds(4));
    assertThat(d.withRestartCap(7).restartCap()).isEqualTo(7);
    assertThat(d.withGivingUpDelay(Duration.ofSeconds(9)).givingUpDelay())
        .isEqualTo(Duration.ofSeconds(9));
    assertThat(d.withChannelOptions(channel).channelOptions()).isSameAs(channel);
    assertThat(d.withUptime(uptime).uptime()).isSameAs(uptime);
    assertThat(d.withGuestIp("10.0.0.7").guestIp()).isEqualTo("10.0.0.7");
    assertThat(d.withGuestInfoInterval(Duration.ZERO).guestInfoInterval()).isEqualTo(Duration.ZERO);
    TcloOptions identity = d.withGuestIdentity("h", "OpenBSD 7.5 amd64", "other");
    assertThat(List.of(identity.hostname(), identity.osNameFull(), identity.osName()))
        .containsExactly("h", "OpenBSD 7.5 amd64", "other");

    assertThat(changedFields(d, d.withDeviceName("vmt1"))).isEqualTo(1);
    assertThat(changedFields(d, d.withRestartCap(7))).isEqualTo(1);
    assertThat(changedFields(d, d.withUptime(uptime))).isEqualTo(1);
    assertThat(changedFields(d, d.withGuestInfoInterval(Duration.ZERO))).isEqualTo(1);
    assertThat(changedFields(d, identity)).isEqualTo(3);
    assertThat(changedFields(d, d.withAppName("toolbox-dnd").withIdleBackoff(true))).isEqualTo(2);
  }

  @Test
  void theDefaultsAreVmtsAndOpenVmToolsValues() {
    TcloOptions d = TcloOptions.defaults();
    assertThat(d.deviceName()).isEqualTo("vmt0");
    assertThat(d.appName()).isEqualTo("toolbox");
    assertThat(d.resetReply()).isEqualTo("OK ATR toolbox");
    assertThat(d.restartCap()).isEqualTo(60);
    assertThat(d.openFailureDelay()).isEqualTo(Duration.ofSeconds(15));
    assertThat(d.guestInfoInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(d.guestIp()).isNull();
    assertThat(d.withUptime(() -> Duration.ofSeconds(42)).uptimeHundredths()).isEqualTo("4200");
  }

  @Test
  void badValuesAreRefusedAndLeaveTheOptionsAsTheyWere() {
    TcloOptions d = TcloOptions.defaults();
    assertThatThrownBy(() -> d.withDeviceName(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("empty device name");
    assertThatThrownBy(() -> d.withAppName("tool box"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bad app name: tool box");
    assertThatThrownBy(() -> d.withRestartCap(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("restart cap must be >= 0: -1");
    assertThatThrownBy(() -> d.withIdleDelay(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("negative delay: PT-1S");
    assertThatThrownBy(() -> d.withFlavor(null)).isInstanceOf(NullPointerException.class);
    assertThat(d).isSameAs(TcloOptions.defaults());
    assertThat(d.deviceName()).isEqualTo("vmt0");
  }
}
