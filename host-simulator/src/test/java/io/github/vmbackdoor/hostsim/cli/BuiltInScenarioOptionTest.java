package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import org.junit.jupiter.api.Test;

/** {@code builtin:NAME} wherever a scenario file is taken, and {@code scenarios} lists them. */
class BuiltInScenarioOptionTest {

  private final Cli cli = new Cli();

  @Test
  void scenariosListsEveryBuiltInOneByTheNameTheOptionsTake() {
    assertThat(cli.run("scenarios")).isZero();
    assertThat(cli.out().lines())
        .hasSize(BuiltInScenarios.all().size())
        .allSatisfy(line -> assertThat(line).startsWith("builtin:"));
    for (Scenario s : BuiltInScenarios.all()) {
      assertThat(cli.out()).contains("builtin:" + s.name() + " ");
      assertThat(cli.out()).contains(s.description());
    }
    assertThat(cli.err()).isEmpty();
  }

  @Test
  void scenariosNamePrintsTheScenarioFileThatReadsBackAsTheBuiltInOne() {
    for (Scenario s : BuiltInScenarios.all()) {
      assertThat(cli.run("scenarios", s.name())).isZero();
      assertThat(Scenario.parse(cli.out())).isEqualTo(s);
      assertThat(cli.run("scenarios", "builtin:" + s.name())).isZero();
      assertThat(Scenario.parse(cli.out())).isEqualTo(s);
    }
    assertThat(cli.run("scenarios", "no-such")).isEqualTo(Main.EXIT_USAGE);
    assertThat(cli.err())
        .startsWith("vmbackdoor scenarios: no built-in scenario 'no-such'; the scenarios command");
  }

  @Test
  void replayRunsABuiltInScenarioByName() {
    assertThat(
            cli.run(
                "replay",
                "--scenario",
                "builtin:host-closes-tclo",
                "--machine",
                "legacy",
                "--run",
                "15m"))
        .as(cli.err())
        .isZero();
    assertThat(cli.out())
        .startsWith("scenario host-closes-tclo: host closes the TCLO channel after 10 min");
    assertThat(cli.err()).isEmpty();

    assertThat(cli.run("replay", "--scenario", "builtin:no-such")).isEqualTo(Main.EXIT_FAILURE);
    assertThat(cli.err().lines()).hasSize(1);
    assertThat(cli.err())
        .contains("no built-in scenario 'no-such'; the built-in ones are host-closes-tclo, ");
  }

  @Test
  void serveAndItsTimelineTakeABuiltInScenario() throws Exception {
    try (RunningServe serve = new RunningServe("--scenario", "builtin:host-closes-tclo")) {
      assertThat(serve.nextLine()).isEqualTo("serving VM vm1");
      assertThat(serve.nextLine()).startsWith("playing scenario host-closes-tclo");
    }
  }
}
