package io.github.vmbackdoor.hostsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.rpc.TcloMachines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every scenario file shown in docs/scenario-format.md parses, round-trips and runs. */
class DocsExamplesTest {

  static List<String> scenarioBlocks() throws IOException {
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    Path doc = module.toAbsolutePath().getParent().resolve("docs").resolve("scenario-format.md");
    List<String> blocks = new ArrayList<>();
    StringBuilder block = null;
    for (String line : Files.readAllLines(doc, StandardCharsets.UTF_8)) {
      if (line.startsWith("```")) {
        if (block == null) {
          block = new StringBuilder();
        } else {
          String text = block.toString();
          if (text.lines()
              .filter(l -> !l.startsWith("#"))
              .findFirst()
              .orElse("")
              .startsWith("scenario ")) {
            blocks.add(text);
          }
          block = null;
        }
      } else if (block != null) {
        block.append(line).append('\n');
      }
    }
    return blocks;
  }

  @Test
  void theDocsScenarioFilesParseAndRun() throws IOException {
    List<String> blocks = scenarioBlocks();
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(4);
    for (String block : blocks) {
      Scenario s = Scenario.parse(block);
      assertThat(Scenario.parse(s.toText())).isEqualTo(s);
      assertThat(ScenarioRunner.run(s, TcloMachines.LEGACY).events()).isNotEmpty();
    }
  }

  @Test
  void theFirstExampleIsTheBuiltInReportedCase() throws IOException {
    Scenario first = Scenario.parse(scenarioBlocks().get(0));
    assertThat(first.events())
        .extracting(ScenarioEvent::action)
        .isEqualTo(
            BuiltInScenarios.hostClosesTclo().events().stream()
                .map(ScenarioEvent::action)
                .toList());
    assertThat(ScenarioRunner.run(first, TcloMachines.LEGACY).lines())
        .isEqualTo(
            ScenarioRunner.run(BuiltInScenarios.hostClosesTclo(), TcloMachines.LEGACY).lines());
  }
}
