package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example trace of docs/trace-format.md replays as the doc says: exit 0, host event applied.
 */
class TraceFormatDocTest {

  @TempDir Path dir;

  @Test
  void theDocsExampleTraceReplays() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "trace-format.md"));
    int section = doc.indexOf("\n## Example\n");
    assertThat(section).as("docs/trace-format.md has an Example section").isPositive();
    int open = doc.indexOf("```\n", section) + 4;
    String example = doc.substring(open, doc.indexOf("```\n", open));
    assertThat(example).startsWith("{\"format\":\"vmbackdoor-trace\",\"version\":2,");
    assertThat(example).contains("\"host\":\"checkpoint\"");
    Path trace = dir.resolve("example.jsonl");
    Files.writeString(trace, example);

    Cli cli = new Cli();
    assertThat(cli.run("replay", "--trace", trace.toString())).as("%s", cli).isZero();
    assertThat(cli.out())
        .isEqualTo(
            trace
                + ": 6 calls and 1 host events replayed against a fresh host; every answer is as"
                + " recorded"
                + System.lineSeparator());
  }
}
