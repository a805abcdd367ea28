package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.core.TraceFormatException;
import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.hostsim.report.TimelinePicture;
import io.github.vmbackdoor.hostsim.scenario.RecordedRun;
import io.github.vmbackdoor.hostsim.scenario.ScenarioLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code replay --trace FILE --html/--svg}: the recorded session drawn as its scenario's runs are,
 * one lane for the recorded guest ({@link RecordedRun}).
 */
final class TracePicture {

  private TracePicture() {}

  /**
   * Draws the trace {@code trace} into {@code html} and {@code svg} (each when not null); returns
   * the exit code. A trace that cannot be read or breaks its format is left to the replay, which
   * says why in its words: the picture is then not drawn and this returns 0.
   */
  static int write(
      PrintWriter out,
      PrintWriter err,
      TextInput input,
      Path trace,
      ScenarioLimits limits,
      Path html,
      Path svg) {
    RecordedRun run;
    try (InputStream in = input.open(trace);
        TraceReader reader = TraceReader.open(in)) {
      run = RecordedRun.read(reader, limits);
    } catch (IOException
        | UncheckedIOException
        | TraceFormatException
        | BackdoorException
        | IllegalArgumentException e) {
      return 0;
    }
    TimelinePicture picture =
        TimelinePicture.of(run.scenario(), List.of(run.outcome()))
            .captioned(List.of(String.format("%,d calls", run.calls())));
    return PictureFiles.write(out, err, "replay", picture, html, svg);
  }
}
