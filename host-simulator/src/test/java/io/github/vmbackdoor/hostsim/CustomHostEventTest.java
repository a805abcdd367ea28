package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioParseException;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A host event defined in test code only, through the extension point {@link HostEvent.Custom}:
 * built in Java, read and written in the text form, and played by {@link ScenarioRunner}.
 */
class CustomHostEventTest {

  /** The host puts a guestinfo value, as a VMX configuration change would. */
  record PutGuestInfo(String key, String value) implements HostEvent.Custom {
    static final HostEvent.Syntax SYNTAX =
        new HostEvent.Syntax(
            "put-guestinfo",
            (words, rest) -> {
              if (words.size() != 2) {
                throw new IllegalArgumentException("expected 'put-guestinfo KEY VALUE'");
              }
              return new PutGuestInfo(words.get(0), words.get(1));
            });

    @Override
    public String keyword() {
      return "put-guestinfo";
    }

    @Override
    public String arguments() {
      return key + " " + value;
    }

    @Override
    public void apply(VirtualHost host, Map<String, Fault> faults) {
      host.putGuestInfo(key, value);
    }
  }

  @Test
  void aNewHostEventNeedsOnlyItsRecordAndItsSyntax() {
    Scenario inJava =
        Scenario.named("custom")
            .runFor(Duration.ofMinutes(10))
            .at(Duration.ofMinutes(5))
            .event(new PutGuestInfo("guestinfo.role", "db"))
            .build();
    String text = inJava.toText();
    assertThat(text).contains("at 5m put-guestinfo guestinfo.role db\n");
    assertThat(Scenario.parse(text, List.of(PutGuestInfo.SYNTAX))).isEqualTo(inJava);

    ScenarioRunner runner =
        ScenarioRunner.prepare(inJava, "idle", (backdoor, simulation, listener) -> {});
    assertThat(runner.host().records().guestInfo()).doesNotContainKey("guestinfo.role");
    runner.run();
    assertThat(runner.host().records().guestInfo()).containsEntry("guestinfo.role", "db");
  }

  @Test
  void withoutItsSyntaxTheKeywordIsUnknownAndAKeywordIsTakenOnce() {
    assertThatThrownBy(() -> Scenario.parse("scenario c\nat 1m put-guestinfo a b\n"))
        .isInstanceOf(ScenarioParseException.class)
        .hasMessage("line 2: unknown action 'put-guestinfo'");
    assertThatThrownBy(
            () ->
                Scenario.parse(
                    "scenario c\n",
                    List.of(new HostEvent.Syntax("host-reset", (words, rest) -> null))))
        .hasMessageContaining("two host events have the keyword 'host-reset'");
    assertThatThrownBy(
            () ->
                Scenario.parse("scenario c\nat 1m put-guestinfo a\n", List.of(PutGuestInfo.SYNTAX)))
        .hasMessage("line 2: expected 'put-guestinfo KEY VALUE'");
  }
}
