package io.github.vmbackdoor.hostsim.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.github.vmbackdoor.hostsim.internal.KebabCase;
import io.github.vmbackdoor.hostsim.logimport.LogImport;
import io.github.vmbackdoor.hostsim.logimport.Verification;
import io.github.vmbackdoor.hostsim.scenario.HostReplay;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome.Classification;
import io.github.vmbackdoor.rpc.TcloMachineFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code --json} output of {@code replay} and {@code import-log}: one JSON object and a
 * newline. The field names are documented in docs/cli-json.md and do not change; new fields may be
 * added. Times are in seconds of virtual time.
 */
final class JsonReport {

  private static final JsonFactory JSON = new JsonFactory();

  private JsonReport() {}

  /** What writes one object's fields. */
  private interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  private static void object(PrintWriter out, Fields fields) {
    try {
      JsonGenerator g = JSON.createGenerator(out);
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
      g.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.println();
    out.flush();
  }

  /** {@code replay --scenario F --json}. */
  static void replay(
      PrintWriter out,
      Scenario scenario,
      Map<? extends TcloMachineFactory, ScenarioOutcome> outcomes,
      Optional<Classification> expected) {
    object(
        out,
        g -> {
          g.writeStringField("scenario", scenario.name());
          g.writeNumberField("seed", scenario.seed());
          g.writeStringField("flavor", KebabCase.of(scenario.flavor()));
          seconds(g, "runLengthSeconds", scenario.length());
          seconds(g, "troubleStartSeconds", scenario.troubleStart());
          seconds(g, "settlesAtSeconds", scenario.settlesAt());
          g.writeArrayFieldStart("machines");
          for (Map.Entry<? extends TcloMachineFactory, ScenarioOutcome> e : outcomes.entrySet()) {
            ScenarioOutcome o = e.getValue();
            g.writeStartObject();
            g.writeStringField("machine", e.getKey().machineName());
            g.writeStringField("outcome", KebabCase.of(o.classification()));
            if (expected.isPresent()) {
              g.writeBooleanField("asExpected", o.classification() == expected.get());
            }
            g.writeBooleanField("settled", o.settled());
            g.writeNumberField("failureEpisodes", o.failureEpisodes());
            Optional<Duration> recovery = o.timeToRecover();
            if (recovery.isPresent()) {
              seconds(g, "timeToRecoverSeconds", recovery.get());
            } else {
              g.writeNullField("timeToRecoverSeconds");
            }
            g.writeNumberField("logLines", o.lines().size());
            g.writeNumberField("logLinesPerHour", o.linesPerHour());
            g.writeEndObject();
          }
          g.writeEndArray();
        });
  }

  /** {@code replay --trace F --json}. */
  static void trace(PrintWriter out, String trace, HostReplay.Result result) {
    object(
        out,
        g -> {
          g.writeStringField("trace", trace);
          g.writeNumberField("calls", result.calls());
          g.writeNumberField("hostEvents", result.hostEvents());
          g.writeArrayFieldStart("traces");
          for (String t : result.traces()) {
            g.writeString(t);
          }
          g.writeEndArray();
          g.writeBooleanField("matches", result.matches());
          if (!result.matches()) {
            if (result.divergentTrace().isPresent()) {
              g.writeStringField("divergentTrace", result.divergentTrace().get());
            }
            if (result.divergentConnection().isPresent()) {
              g.writeStringField("divergentConnection", result.divergentConnection().get());
            }
            g.writeNumberField("divergentLine", result.divergentLine().orElseThrow());
            g.writeNumberField("divergentCall", result.divergentCall().orElseThrow());
            g.writeStringField("difference", result.difference().orElseThrow());
            if (result.hint().isPresent()) {
              g.writeStringField("hint", result.hint().get());
            }
          }
        });
  }

  /** {@code import-log F --json}: the scenario text inline unless it went to a file. */
  static void importLog(
      PrintWriter out,
      String log,
      LogImport.Result result,
      List<Integer> latin1Lines,
      Verification check,
      Optional<String> scenarioText) {
    object(
        out,
        g -> {
          g.writeStringField("log", log);
          g.writeStringField("flavor", result.flavor().label());
          g.writeNumberField("vmtLines", result.vmtLines());
          g.writeNumberField("hostEvents", result.scenario().events().size());
          g.writeArrayFieldStart("latin1Lines");
          for (int line : latin1Lines) {
            g.writeNumber(line);
          }
          g.writeEndArray();
          g.writeArrayFieldStart("skipped");
          for (String skipped : result.skipped()) {
            g.writeString(skipped);
          }
          g.writeEndArray();
          g.writeNumberField("reproduced", check.reproduced());
          g.writeBooleanField("reproducedAll", check.matches());
          if (check.firstDifference().isPresent()) {
            Verification.Difference d = check.firstDifference().get();
            g.writeObjectFieldStart("firstDifference");
            g.writeNumberField("logLine", d.logLine());
            g.writeStringField("expected", d.expected());
            g.writeEndObject();
          }
          if (scenarioText.isPresent()) {
            g.writeStringField("scenario", scenarioText.get());
          }
        });
  }

  private static void seconds(JsonGenerator g, String field, Duration d) throws IOException {
    g.writeNumberField(field, d.toMillis() / 1000.0);
  }
}
