package io.github.vmbackdoor.hostsim.scenario;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.Fault;
import io.github.vmbackdoor.hostsim.FaultAction;
import io.github.vmbackdoor.hostsim.Invalidation;
import io.github.vmbackdoor.rpc.GuestOsState;
import io.github.vmbackdoor.rpc.VmtFlavor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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
    b.append("flavor ").append(lower(s.flavor())).append('\n');
    s.channelTableSize().ifPresent(n -> b.append("host channels ").append(n).append('\n'));
    if (s.rejectsUnsolicitedTcloReplies()) {
      b.append("host reject-unsolicited-replies true\n");
    }
    if (!s.highBandwidth()) {
      b.append("host high-bandwidth false\n");
    }
    if (!s.cookies()) {
      b.append("host cookies false\n");
    }
    s.idleTimeout()
        .ifPresent(d -> b.append("host idle-timeout ").append(Durations.format(d)).append('\n'));
    if (s.tcloTakeover() != Invalidation.HOST_CLOSED) {
      b.append("host tclo-takeover ").append(lower(s.tcloTakeover())).append('\n');
    }
    for (ScenarioEvent e : s.events()) {
      b.append('\n');
      for (String c : e.comments()) {
        b.append(comment(c));
      }
      b.append(timing(e)).append(' ').append(action(e)).append('\n');
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

  static String action(ScenarioEvent e) {
    String k = e.kind().keyword();
    switch (e.kind()) {
      case INVALIDATE_TCLO:
      case INVALIDATE_ALL:
        return k + " " + lower(e.invalidation());
      case SEND_TCLO:
      case REMOVE_FAULT:
        return k + " " + e.argument().orElseThrow();
      case POWER:
        return k + " " + lower(e.power());
      case FAULT:
        return k + " " + e.argument().orElseThrow() + faultText(e.fault().orElseThrow());
      default:
        return k;
    }
  }

  private static String faultText(Fault f) {
    StringBuilder b = new StringBuilder();
    f.protocol()
        .ifPresent(
            p ->
                b.append(" protocol=")
                    .append(
                        p == BackdoorProtocol.PROTOCOL_TCLO
                            ? "tclo"
                            : p == BackdoorProtocol.PROTOCOL_RPCI
                                ? "rpci"
                                : "0x" + Integer.toHexString(p)));
    f.channelId().ifPresent(c -> b.append(" channel=").append(c));
    f.step().ifPresent(s -> b.append(" step=").append(lower(s)));
    if (f.nth() > 0) {
      b.append(" nth=").append(f.nth());
    }
    if (!f.from().isZero()) {
      b.append(" from=").append(Durations.format(f.from()));
    }
    f.until().ifPresent(u -> b.append(" until=").append(Durations.format(u)));
    if (f.probability() < 1.0) {
      b.append(" probability=").append(f.probability());
    }
    b.append(' ');
    if (f.action() instanceof FaultAction.Delay d) {
      b.append("delay=").append(Durations.format(d.duration()));
    } else {
      b.append(f.action().keyword());
    }
    return b.toString();
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  // ---------------------------------------------------------------------------------------------
  // Parsing
  // ---------------------------------------------------------------------------------------------

  static Scenario parse(String text) {
    String[] lines = text.split("\r?\n", -1);
    Scenario.Builder b = null;
    List<String> pending = new ArrayList<>();
    List<String> topComments = new ArrayList<>();
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
            break;
          case "flavor":
            expect(n, words, 2, "flavor netbsd|openbsd");
            b.flavor(enumValue(VmtFlavor.class, words[1], n));
            break;
          case "host":
            host(b, words, n);
            break;
          case "at":
          case "every":
            event(b, line, words, n, pending);
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
    return b.build();
  }

  private static void expect(int n, String[] words, int count, String form) {
    if (words.length != count) {
      throw new ScenarioParseException(n, "expected '" + form + "'");
    }
  }

  private static void host(Scenario.Builder b, String[] words, int n) {
    if (words.length != 3) {
      throw new ScenarioParseException(n, "expected 'host SETTING VALUE'");
    }
    String v = words[2];
    switch (words[1]) {
      case "channels":
        b.channelTableSize(Integer.parseInt(v));
        break;
      case "reject-unsolicited-replies":
        b.rejectUnsolicitedTcloReplies(bool(v, n));
        break;
      case "high-bandwidth":
        b.highBandwidth(bool(v, n));
        break;
      case "cookies":
        b.cookies(bool(v, n));
        break;
      case "idle-timeout":
        b.idleTimeout(Durations.parse(v));
        break;
      case "tclo-takeover":
        b.tcloTakeover(enumValue(Invalidation.class, v, n));
        break;
      default:
        throw new ScenarioParseException(
            n,
            "unknown host setting '"
                + words[1]
                + "' (expected channels, reject-unsolicited-replies, high-bandwidth, cookies,"
                + " idle-timeout or tclo-takeover)");
    }
  }

  private static boolean bool(String v, int n) {
    if (v.equals("true") || v.equals("false")) {
      return Boolean.parseBoolean(v);
    }
    throw new ScenarioParseException(n, "expected true or false, not '" + v + "'");
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String word, int n) {
    for (E e : type.getEnumConstants()) {
      if (lower(e).equals(word)) {
        return e;
      }
    }
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(lower(e));
    }
    throw new ScenarioParseException(n, "'" + word + "' is not one of " + String.join(", ", names));
  }

  private static FaultAction faultAction(String word, int n) {
    return FaultAction.ofKeyword(word)
        .orElseThrow(
            () ->
                new ScenarioParseException(
                    n, "'" + word + "' is not one of " + String.join(", ", FaultAction.KEYWORDS)));
  }

  private static void event(
      Scenario.Builder b, String line, String[] words, int n, List<String> comments) {
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
    String[] args = Arrays.copyOfRange(words, i + 1, words.length);
    String keyword = words[i];
    switch (keyword) {
      case "close-tclo":
        noArgs(args, keyword, n);
        when.closeTclo();
        break;
      case "invalidate-tclo":
        oneArg(args, keyword + " host-closed|cookies-invalid", n);
        when.invalidateTclo(enumValue(Invalidation.class, args[0], n));
        break;
      case "invalidate-all":
        oneArg(args, keyword + " host-closed|cookies-invalid", n);
        when.invalidateAllChannels(enumValue(Invalidation.class, args[0], n));
        break;
      case "checkpoint":
        noArgs(args, keyword, n);
        when.checkpoint();
        break;
      case "host-reset":
        noArgs(args, keyword, n);
        when.hostReset();
        break;
      case "tclo":
        {
          if (args.length == 0) {
            throw new ScenarioParseException(n, "expected 'tclo COMMAND'");
          }
          int at = line.indexOf(" tclo ");
          when.sendTclo(line.substring(at + " tclo ".length()).strip());
          break;
        }
      case "power":
        oneArg(args, "power halt|reboot|power-on|resume|suspend", n);
        when.power(enumValue(GuestOsState.class, args[0], n));
        break;
      case "competing-tclo":
        noArgs(args, keyword, n);
        when.competingTcloChannel();
        break;
      case "expire-idle":
        noArgs(args, keyword, n);
        when.expireIdleChannels();
        break;
      case "fill-channel-table":
        noArgs(args, keyword, n);
        when.fillChannelTable();
        break;
      case "fault":
        if (args.length < 2) {
          throw new ScenarioParseException(n, "expected 'fault NAME [MATCH...] ACTION'");
        }
        when.fault(args[0], fault(Arrays.copyOfRange(args, 1, args.length), n));
        break;
      case "remove-fault":
        oneArg(args, "remove-fault NAME", n);
        when.removeFault(args[0]);
        break;
      default:
        throw new ScenarioParseException(n, "unknown action '" + keyword + "'");
    }
  }

  private static void noArgs(String[] args, String form, int n) {
    if (args.length != 0) {
      throw new ScenarioParseException(n, "'" + form + "' takes nothing after it");
    }
  }

  private static void oneArg(String[] args, String form, int n) {
    if (args.length != 1) {
      throw new ScenarioParseException(n, "expected '" + form + "'");
    }
  }

  private static Fault fault(String[] words, int n) {
    Fault.Builder f = Fault.builder();
    Optional<Duration> from = Optional.empty();
    Optional<Duration> until = Optional.empty();
    boolean action = false;
    for (String w : words) {
      int eq = w.indexOf('=');
      String key = eq < 0 ? w : w.substring(0, eq);
      String value = eq < 0 ? "" : w.substring(eq + 1);
      switch (key) {
        case "protocol":
          if (value.equals("rpci")) {
            f.protocol(BackdoorProtocol.PROTOCOL_RPCI);
          } else if (value.equals("tclo")) {
            f.protocol(BackdoorProtocol.PROTOCOL_TCLO);
          } else {
            throw new ScenarioParseException(n, "protocol is rpci or tclo, not '" + value + "'");
          }
          break;
        case "channel":
          f.channel(Integer.parseInt(value));
          break;
        case "step":
          f.step(enumValue(Step.class, value, n));
          break;
        case "nth":
          f.nth(Integer.parseInt(value));
          break;
        case "from":
          from = Optional.of(Durations.parse(value));
          break;
        case "until":
          until = Optional.of(Durations.parse(value));
          break;
        case "probability":
          f.probability(Double.parseDouble(value));
          break;
        case "delay":
          f.delay(Durations.parse(value));
          action = true;
          break;
        default:
          if (eq >= 0) {
            throw new ScenarioParseException(n, "unknown fault setting '" + key + "'");
          }
          f.action(faultAction(key, n));
          action = true;
          break;
      }
    }
    if (!action) {
      throw new ScenarioParseException(
          n,
          "the fault has no action (clear-success, checkpoint,"
              + " close-channel, drop-channel, corrupt-payload or delay=DURATION)");
    }
    if (until.isPresent()) {
      f.between(from.orElse(Duration.ZERO), until.get());
    } else {
      from.ifPresent(f::after);
    }
    return f.build();
  }
}
