package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.core.BackdoorException;
import io.github.vmbackdoor.core.TraceFormatException;
import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.hostsim.report.TimelinePicture;
import io.github.vmbackdoor.hostsim.scenario.RecordedRun;
import io.github.vmbackdoor.hostsim.scenario.ScenarioLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code replay --trace FILE --html/--svg}: the recorded session drawn as its scenario's runs are,
 * one lane for the recorded guest ({@link RecordedRun}).
 */
final class TracePicture {

  private TracePicture() {}

  /**
   * The picture of the trace {@code trace}, its header's scenario read within {@code limits}; empty
   * when the trace cannot be read or breaks its format, which the replay then says in its words.
   */
  static Optional<TimelinePicture> of(TextInput input, Path trace, ScenarioLimits limits) {
    RecordedRun run;
    try (InputStream in = input.open(trace);
        TraceReader reader = TraceReader.open(in)) {
      run = RecordedRun.read(reader, limits);
    } catch (IOException
        | UncheckedIOException
        | TraceFormatException
        | BackdoorException
        | IllegalArgumentException e) {
      return Optional.empty();
    }
    return Optional.of(
        TimelinePicture.of(run.scenario(), List.of(run.outcome()))
            .captioned(List.of(String.format(Locale.ROOT, "%,d calls", run.calls()))));
  }
}
