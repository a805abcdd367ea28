package io.github.vmbackdoor.hostsim.scenario;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.internal.KebabCase;
import io.github.vmbackdoor.hostsim.settings.HostSetting;
import io.github.vmbackdoor.rpc.VmtFlavor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The text form of a {@link Scenario}: the parser and the writer (docs/scenario-format.md). */
final class ScenarioText {

  private ScenarioText() {}

  // ---------------------------------------------------------------------------------------------
  // Writing
  // ---------------------------------------------------------------------------------------------

  static String write(Scenario s) {
    StringBuilder b = new StringBuilder();
    for (String c : s.comments()) {
      b.append(comment(c));
    }
    b.append("scenario ").append(s.name()).append('\n');
    if (!s.description().isEmpty()) {
      b.append("description ").append(s.description()).append('\n');
    }
    b.append("seed ").append(s.seed()).append('\n');
    b.append("run ").append(Durations.format(s.length())).append('\n');
    b.append("flavor ").append(KebabCase.of(s.flavor())).append('\n');
    s.hostLayer()
        .values()
        .forEach(
            (setting, value) ->
                b.append("host ").append(setting.name()).append(' ').append(value).append('\n'));
    for (ScenarioEvent e : s.events()) {
      b.append('\n');
      for (String c : e.comments()) {
        b.append(comment(c));
      }
      b.append(timing(e)).append(' ').append(e.action()).append('\n');
    }
    return b.toString();
  }

  private static String comment(String c) {
    return c.isEmpty() ? "#\n" : "# " + c + "\n";
  }

  static String timing(ScenarioEvent e) {
    if (e.every().isEmpty()) {
      return "at " + Durations.format(e.at());
    }
    StringBuilder b = new StringBuilder("every ").append(Durations.format(e.every().get()));
    if (!e.at().equals(e.every().get())) {
      b.append(" from ").append(Durations.format(e.at()));
    }
    e.until().ifPresent(u -> b.append(" until ").append(Durations.format(u)));
    return b.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Parsing
  // ---------------------------------------------------------------------------------------------

  /** Reads an action: a keyword of {@code events} and its words, e.g. {@code power suspend}. */
  static HostEvent action(String text, Map<String, HostEvent.Parser> events) {
    String action = text.strip();
    Preconditions.checkArgument(!action.isEmpty(), "no action");
    String[] words = action.split("\\s+");
    HostEvent.Parser parser = events.get(words[0]);
    if (parser == null) {
      throw new IllegalArgumentException("unknown action '" + words[0] + "'");
    }
    String rest = action.substring(words[0].length()).strip();
    return parser.parse(List.of(words).subList(1, words.length), rest);
  }

  static Scenario parse(String text, List<HostEvent.Syntax> extraEvents, ScenarioLimits limits) {
    Extensions events = Extensions.installed().withEvents(extraEvents);
    String body = text.startsWith("\uFEFF") ? text.substring(1) : text; // a byte order mark
    String[] lines = body.split("\r?\n", -1);
    Scenario.Builder b = null;
    List<String> pending = new ArrayList<>();
    List<String> topComments = new ArrayList<>();
    int runLine = 0;
    List<Integer> eventLines = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      int n = i + 1;
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        pending.add(line.startsWith("# ") ? line.substring(2) : line.substring(1));
        continue;
      }
      String[] words = line.split("\\s+");
      try {
        if (words[0].equals("scenario")) {
          if (b != null) {
            throw new ScenarioParseException(n, "a second 'scenario' line");
          }
          expect(n, words, 2, "scenario NAME");
          b = Scenario.named(words[1]);
          topComments.addAll(pending);
          pending.clear();
          continue;
        }
        if (b == null) {
          throw new ScenarioParseException(n, "the file must start with 'scenario NAME'");
        }
        switch (words[0]) {
          case "description":
            b.description(line.substring("description".length()).strip());
            topComments.addAll(pending);
            pending.clear();
            break;
          case "seed":
            expect(n, words, 2, "seed NUMBER");
            b.seed(Long.parseLong(words[1]));
            break;
          case "run":
            expect(n, words, 2, "run DURATION");
            b.runFor(Durations.parse(words[1]));
            runLine = n;
            break;
          case "flavor":
            expect(n, words, 2, "flavor netbsd|openbsd");
            b.flavor(KebabCase.parse(VmtFlavor.class, words[1]));
            break;
          case "host":
            host(b, line, words, n);
            break;
          case "at":
          case "every":
            event(b, line, words, n, pending, events);
            eventLines.add(n);
            pending.clear();
            break;
          default:
            throw new ScenarioParseException(
                n,
                "unknown keyword '"
                    + words[0]
                    + "' (expected scenario, description, seed, run, flavor, host, at or every)");
        }
        topComments.addAll(pending);
        pending.clear();
      } catch (ScenarioParseException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new ScenarioParseException(n, e.getMessage());
      }
    }
    if (b == null) {
      throw new ScenarioParseException(lines.length, "no 'scenario NAME' line");
    }
    topComments.addAll(pending);
    topComments.forEach(b::comment);
    Scenario scenario = b.build();
    limits.check(scenario, runLine, b.declared(), eventLines::get);
    return scenario;
  }

  private static void expect(int n, String[] words, int count, String form) {
    if (words.length != count) {
      throw new ScenarioParseException(n, "expected '" + form + "'");
    }
  }

  private static void host(Scenario.Builder b, String line, String[] words, int n) {
    HostSetting.Assignment a;
    try {
      a = HostSetting.Assignment.parse(line);
    } catch (IllegalArgumentException e) {
      if (words.length >= 3 && HostSetting.find(words[1]).isEmpty()) {
        throw e;
      }
      throw new ScenarioParseException(n, e.getMessage());
    }
    b.setting(a.setting(), a.value());
  }

  private static void event(
      Scenario.Builder b,
      String line,
      String[] words,
      int n,
      List<String> comments,
      Extensions events) {
    if (words.length < 3) {
      throw new ScenarioParseException(n, "expected '" + words[0] + " DURATION ACTION'");
    }
    Scenario.When when;
    int i = 2;
    if (words[0].equals("at")) {
      when = b.at(Durations.parse(words[1]));
    } else {
      when = b.every(Durations.parse(words[1]));
      if (i + 1 < words.length && words[i].equals("from")) {
        when.from(Durations.parse(words[i + 1]));
        i += 2;
      }
      if (i + 1 < words.length && words[i].equals("until")) {
        when.until(Durations.parse(words[i + 1]));
        i += 2;
      }
    }
    if (i >= words.length) {
      throw new ScenarioParseException(n, "no action after the time");
    }
    comments.forEach(when::comment);
    when.event(events.hostEvent(line.replaceFirst("^(\\S+\\s+){" + i + "}", "")));
  }
}
