package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** {@code builtin:NAME} wherever a scenario file is taken, and {@code scenarios} lists them. */
class BuiltInScenarioOptionTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return Main.run(
        new PrintWriter(out, true),
        new PrintWriter(err, true),
        new ServeCommand(new CountDownLatch(1)),
        args);
  }

  @Test
  void scenariosListsEveryBuiltInOneByTheNameTheOptionsTake() {
    assertThat(run("scenarios")).isZero();
    assertThat(out.toString().lines())
        .hasSize(BuiltInScenarios.all().size())
        .allSatisfy(line -> assertThat(line).startsWith("builtin:"));
    for (Scenario s : BuiltInScenarios.all()) {
      assertThat(out.toString()).contains("builtin:" + s.name() + " ");
      assertThat(out.toString()).contains(s.description());
    }
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void scenariosNamePrintsTheScenarioFileThatReadsBackAsTheBuiltInOne() {
    for (Scenario s : BuiltInScenarios.all()) {
      assertThat(run("scenarios", s.name())).isZero();
      assertThat(Scenario.parse(out.toString())).isEqualTo(s);
      assertThat(run("scenarios", "builtin:" + s.name())).isZero();
      assertThat(Scenario.parse(out.toString())).isEqualTo(s);
    }
    assertThat(run("scenarios", "no-such")).isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString())
        .startsWith("vmbackdoor scenarios: no built-in scenario 'no-such'; the scenarios command");
  }

  @Test
  void replayRunsABuiltInScenarioByName() {
    assertThat(
            run(
                "replay",
                "--scenario",
                "builtin:host-closes-tclo",
                "--machine",
                "legacy",
                "--run",
                "15m"))
        .as(err.toString())
        .isZero();
    assertThat(out.toString())
        .startsWith("scenario host-closes-tclo: host closes the TCLO channel after 10 min");
    assertThat(err.toString()).isEmpty();

    assertThat(run("replay", "--scenario", "builtin:no-such")).isEqualTo(Main.EXIT_FAILURE);
    assertThat(err.toString().lines()).hasSize(1);
    assertThat(err.toString())
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
