package io.github.vmbackdoor.hostsim.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.internal.KebabCase;
import io.github.vmbackdoor.hostsim.internal.VmName;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one table of host settings, the one duration grammar and the one VM-name rule. */
class HostSettingTest {

  private static final Pattern ROW = Pattern.compile("^\\| `([A-Za-z]+)` \\|");

  /** The setting names of the marked table in a doc, in order. */
  static List<String> documented(String doc) throws IOException {
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    Path file = module.toAbsolutePath().getParent().resolve("docs").resolve(doc);
    List<String> names = new ArrayList<>();
    boolean inTable = false;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.startsWith("<!-- host settings")) {
        inTable = true;
      } else if (line.startsWith("<!-- end host settings")) {
        inTable = false;
      } else if (inTable) {
        Matcher m = ROW.matcher(line);
        if (m.find()) {
          names.add(m.group(1));
          HostSetting s = HostSetting.named(m.group(1));
          for (String alias : s.aliases()) {
            assertThat(line).as("%s documents its deprecated spelling", doc).contains(alias);
          }
        }
      }
    }
    return names;
  }

  @ParameterizedTest
  @ValueSource(strings = {"vm-config.md", "scenario-format.md"})
  void theDocsListExactlyTheTablesSettings(String doc) throws IOException {
    assertThat(documented(doc)).containsExactlyElementsOf(HostSetting.names());
  }

  @Test
  void everyDefaultReadsBackAndTheDefaultsAreTheHostBuildersDefaults() {
    for (HostSetting s : HostSetting.ALL) {
      assertThat(s.parse(HostSettings.DEFAULTS, s.defaultValue())).isEqualTo(HostSettings.DEFAULTS);
    }
    VirtualHost host = VirtualHost.builder().seed(3).settings(HostSettings.DEFAULTS).build();
    VirtualHost plain = VirtualHost.builder().seed(3).build();
    assertThat(host.records().channelTableSize()).isEqualTo(plain.records().channelTableSize());
    assertThat(new CommandPort(host.backdoor()).uuid())
        .isEqualTo(new CommandPort(plain.backdoor()).uuid());
    assertThat(new CommandPort(host.backdoor()).version())
        .isEqualTo(new CommandPort(plain.backdoor()).version());
  }

  @Test
  void aSettingReadsIntoTheHost() {
    HostSettings s = HostSettings.DEFAULTS;
    s = HostSetting.named("channelTableSize").parse(s, "2");
    s = HostSetting.named("uuid").parse(s, "564d0c6e-1a2b-3c4d-5e6f-708192a3b4c5");
    s = HostSetting.named("productType").parse(s, "workstation");
    s = HostSetting.named("idleTimeout").parse(s, "PT30S");
    assertThat(s.policy().idleTimeout()).contains(Duration.ofSeconds(30));
    assertThat(HostSetting.named("idleTimeout").format(s)).isEqualTo("30s");
    assertThat(HostSetting.named("productType").format(s)).isEqualTo("workstation");
    VirtualHost host = VirtualHost.builder().settings(s).build();
    MessageChannel.open(host.backdoor(), BackdoorProtocol.PROTOCOL_RPCI);
    MessageChannel.open(host.backdoor(), BackdoorProtocol.PROTOCOL_RPCI);
    assertThatThrownBy(() -> MessageChannel.open(host.backdoor(), BackdoorProtocol.PROTOCOL_RPCI))
        .isInstanceOf(MessageException.class);
    assertThat(new CommandPort(host.backdoor()).uuid().toString())
        .isEqualToIgnoringCase("564d0c6e-1a2b-3c4d-5e6f-708192a3b4c5");
  }

  @Test
  void theGuestMessageLimitIsAVmwareHostsByDefaultAndReadsIntoTheHost() {
    assertThat(HostSetting.named("guestMessageLimit").defaultValue()).isEqualTo("65536");
    Scenario scenario = Scenario.parse("scenario small\nhost guestMessageLimit 8\n");
    assertThat(scenario.hostSettings().policy().guestMessageLimit()).isEqualTo(8);
    assertThat(scenario.toText()).contains("host guestMessageLimit 8\n");
    VirtualHost host = VirtualHost.builder().settings(scenario.hostSettings()).build();
    try (MessageChannel channel =
        MessageChannel.open(host.backdoor(), BackdoorProtocol.PROTOCOL_RPCI)) {
      channel.send("info-get".getBytes(StandardCharsets.US_ASCII));
      assertThat(channel.receive()).isNotEmpty();
      assertThatThrownBy(() -> channel.send("info-get ".getBytes(StandardCharsets.US_ASCII)))
          .isInstanceOf(MessageException.class);
    }
  }

  @Test
  void theOldSpellingsAreStillRead() {
    assertThat(HostSetting.named("channels")).isSameAs(HostSetting.named("channelTableSize"));
    Scenario s =
        Scenario.parse(
            "scenario old\nhost channels 8\nhost reject-unsolicited-replies true\n"
                + "host idle-timeout 30s\nhost tclo-takeover cookies-invalid\n");
    assertThat(s.hostSettings().policy())
        .isEqualTo(
            HostPolicy.DEFAULTS
                .withChannelTableSize(8)
                .withRejectUnsolicitedTcloReplies(true)
                .withIdleTimeout(java.util.Optional.of(Duration.ofSeconds(30)))
                .withTcloTakeover(TcloTakeover.displaceOlder(Invalidation.COOKIES_INVALID)));
    assertThat(s.toText())
        .contains(
            "host channelTableSize 8\nhost rejectUnsolicitedTcloReplies true\n"
                + "host idleTimeout 30s\nhost tcloTakeover cookies-invalid\n");
  }

  @ParameterizedTest
  @CsvSource({
    "host-closed, host-closed",
    "HOST_CLOSED, host-closed",
    "cookies-invalid, cookies-invalid",
    "cookies_invalid, cookies-invalid",
    "COOKIES_INVALID, cookies-invalid",
    "refuse-newer, refuse-newer",
    "REFUSE_NEWER, refuse-newer"
  })
  void theTakeoverReadsItsWordsAsBeforeAndRefuseNewer(String text, String written) {
    HostSetting takeover = HostSetting.named("tcloTakeover");
    HostSettings s = takeover.parse(HostSettings.DEFAULTS, text);
    assertThat(takeover.format(s)).isEqualTo(written);
    assertThat(s.policy().tcloTakeover())
        .isEqualTo(
            written.equals("refuse-newer")
                ? TcloTakeover.refuseNewer()
                : TcloTakeover.displaceOlder(KebabCase.parse(Invalidation.class, written)));
    assertThat(takeover.defaultValue()).isEqualTo("host-closed");
    assertThat(TcloTakeover.DEFAULT).isEqualTo(HostPolicy.DEFAULTS.tcloTakeover());
    Scenario scenario = Scenario.parse("scenario t\nhost tcloTakeover " + text + "\n");
    assertThat(scenario.hostSettings().policy().tcloTakeover())
        .isEqualTo(s.policy().tcloTakeover());
    assertThat(scenario.toText()).contains("host tcloTakeover " + written + "\n");
    assertThat(Scenario.parse(scenario.toText()).hostLayer()).isEqualTo(scenario.hostLayer());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "channelTableSize|0|'0' is not 1 to 65536",
        "channelTableSize|65537|'65537' is not 1 to 65536",
        "highBandwidth|yes|'yes' is not true or false",
        "memoryMb|0|'0' is not a positive integer",
        "uuid|1-2-3-4-5|'1-2-3-4-5' is not a UUID",
        "idleTimeout|0|'0' is not a positive duration",
        "tcloTakeover|never|'never' is not host-closed, cookies-invalid or refuse-newer",
        "guestMessageLimit|-1|'-1' is not 0 to 1048576 bytes",
        "guestMessageLimit|1048577|'1048577' is not 0 to 1048576 bytes",
        "guestMessageLimit|64k|'64k' is not 0 to 1048576 bytes"
      })
  void aWrongValueIsOneLine(String name, String value, String message) {
    assertThatThrownBy(() -> HostSetting.named(name).parse(HostSettings.DEFAULTS, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void theChannelRangeIsCheckedInThePolicy() {
    assertThatThrownBy(() -> HostPolicy.DEFAULTS.withChannelTableSize(0))
        .hasMessage("the channel table size is 1 to 65536, not 0");
    assertThat(HostPolicy.DEFAULTS.withChannelTableSize(0x10000).channelTableSize())
        .isEqualTo(0x10000);
  }

  @ParameterizedTest
  @CsvSource({
    "250ms, 250000000",
    "1h30m, 5400000000000",
    "1.5s, 1500000000",
    "PT30S, 30000000000",
    "PT1H30M, 5400000000000",
    "pt0.25s, 250000000",
    "0, 0"
  })
  void oneDurationGrammar(String text, long nanos) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofNanos(nanos));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "300y|bad duration '300y'",
        "107000d|duration '107000d' is too long (at most about 292 years)",
        "PT9999999999H|duration 'PT9999999999H' is too long (at most about 292 years)",
        "0.0000000001s|duration '0.0000000001s' is finer than a nanosecond",
        "PT-5S|negative duration 'PT-5S'",
        "-5s|bad duration '-5s'"
      })
  void badDurationsAreOneLine(String text, String message) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void everyPlaceTakesTheSameDurations() {
    Scenario s = Scenario.parse("scenario d\nrun PT2H\nat PT1M host-reset\n");
    assertThat(s.length()).isEqualTo(Duration.ofHours(2));
    assertThat(s.events().get(0).at()).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.toText()).contains("run 2h\n").contains("at 1m host-reset");
  }

  @ParameterizedTest
  @ValueSource(strings = {"vm1", "web-01.example", "ämne", "名前"})
  void goodVmNames(String name) {
    assertThat(VmName.check(name)).isEqualTo(name);
  }

  @Test
  void badVmNames() {
    assertThat(VmName.problem("")).isPresent();
    assertThat(VmName.problem("a".repeat(255))).isEmpty();
    assertThat(VmName.problem("a".repeat(256))).get().asString().contains("not 256");
    assertThat(VmName.problem("é".repeat(128))).get().asString().contains("not 256");
    assertThat(VmName.problem("a\tb")).get().asString().contains("\\u0009");
    assertThat(VmName.problem("evil\u202Egnp.exe")).get().asString().contains("\\u202e");
    assertThat(VmName.problem("zero\u200Bwidth")).isPresent();
  }

  @Test
  void identityValuesAreChecked() {
    assertThatThrownBy(() -> HostIdentity.DEFAULTS.withMemoryMb(0))
        .hasMessageContaining("memoryMb must be positive");
    UUID uuid = UUID.randomUUID();
    assertThat(HostIdentity.DEFAULTS.withUuid(java.util.Optional.of(uuid)).uuid()).contains(uuid);
  }
}
