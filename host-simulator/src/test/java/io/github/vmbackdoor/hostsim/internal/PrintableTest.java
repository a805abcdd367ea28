package io.github.vmbackdoor.hostsim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.hostsim.settings.HostSetting;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import org.junit.jupiter.api.Test;

class PrintableTest {

  @Test
  void echoedInputIsShortAndEscaped() {
    assertThat(Printable.of("a\u0000b\nc\u202ed\u2028e\\f"))
        .isEqualTo("a\\u0000b\\u000ac\\u202ed\\u2028e\\\\f");
    String huge = "x".repeat(100_000_000 / 100);
    assertThat(Printable.of(huge))
        .hasSizeLessThan(Printable.MAX + 40)
        .endsWith("(1000000 characters)");
  }

  @Test
  void aHugeBadSettingValueIsNotEchoedWhole() {
    String value = "\u001b[31m" + "9".repeat(1_000_000) + "h";
    assertThatThrownBy(() -> HostSetting.named("idleTimeout").parse(HostSettings.DEFAULTS, value))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(
            e -> {
              assertThat(e.getMessage()).hasSizeLessThan(1000).doesNotContain("\u001b");
              assertThat(e.getMessage()).contains("\\u001b");
            });
  }
}
