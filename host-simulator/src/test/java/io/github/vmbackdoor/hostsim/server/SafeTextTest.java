package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SafeTextTest {

  @Test
  void controlBidiAndSeparatorCharactersAreEscaped() {
    assertThat(SafeText.quote("a\nb\u0000c\u001b[31m\u202ed\u2066e\u2029f\"g\\h"))
        .isEqualTo("\"a\\nb\\u0000c\\u001b[31m\\u202ed\\u2066e\\u2029f\\\"g\\\\h\"");
  }

  @Test
  void printableTextIsKeptWhole() {
    assertThat(SafeText.escape("vm-1 ünïcødé 名前")).isEqualTo("vm-1 ünïcødé 名前");
  }

  @Test
  void longTextIsCutWithACount() {
    String huge = "k".repeat(100_000_000 / 1000);
    String escaped = SafeText.escape(huge);
    assertThat(escaped)
        .startsWith("k".repeat(SafeText.MAX_CHARS))
        .endsWith("...(" + (huge.length() - SafeText.MAX_CHARS) + " more characters)");
    assertThat(escaped.length()).isLessThan(SafeText.MAX_CHARS + 40);
  }

  @Test
  void refusalLogKeepsToItsRateAndCountsTheRest() {
    ManualTicker ticker = new ManualTicker();
    List<String> lines = new ArrayList<>();
    RefusalLog log = new RefusalLog(ticker, 3, lines::add);
    for (int i = 0; i < 10; i++) {
      log.log("refused " + i);
    }
    assertThat(lines).containsExactly("refused 0", "refused 1", "refused 2");
    ticker.advance(java.time.Duration.ofMillis(999));
    assertThat(log.log("refused 10")).isFalse();
    ticker.advance(java.time.Duration.ofMillis(1));
    assertThat(log.log("refused 11")).isTrue();
    assertThat(lines)
        .containsExactly(
            "refused 0",
            "refused 1",
            "refused 2",
            "8 more refusals not logged (at most 3 a second)",
            "refused 11");
  }
}
