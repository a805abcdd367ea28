package io.github.vmbackdoor.hostsim.scenario;

import static io.github.vmbackdoor.core.BackdoorProtocol.CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_DORECV;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageSubcommand;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.core.TraceEntry;
import io.github.vmbackdoor.core.TraceFormatException;
import io.github.vmbackdoor.core.TraceHostEvent;
import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A recorded session read as a run of its scenario, so that it can be drawn as a scenario run is:
 * the guest's story told by its recorded backdoor calls and the host's recorded answers. The calls
 * are followed channel by channel as the message protocol goes (docs/protocol-notes.md); what a
 * TCLO machine would report becomes its event:
 *
 * <ul>
 *   <li>a TCLO channel opened ({@code CHANNEL_OPENED}), closed ({@code CHANNEL_CLOSED}), its open
 *       refused ({@code OPEN_FAILED}, unless a retry without cookies succeeds) or its close refused
 *       ({@code CLOSE_FAILED});
 *   <li>the host asked for a message on a TCLO channel and answering ({@code POLLED}), the command
 *       it sent ({@code COMMAND_RECEIVED}), the guest's empty message and replies ({@code
 *       PING_SENT}, {@code REPLY_SENT});
 *   <li>any other step refused on a TCLO channel ({@code TCLO_FAILURE});
 *   <li>an RPCI request answered ({@code RPCI_SENT}) or a step of it refused ({@code RPCI_FAILED}).
 * </ul>
 *
 * Each refusal and reopen gets a line in the protocol's words (the step, the channel's protocol and
 * the status; the event's detail names the channel and the call's number), which the picture shows
 * in the mark's hover title. The run's length is the recording's: its last line's time, rounded up
 * to a second.
 */
public final class RecordedRun {

  private final Scenario scenario;
  private final ScenarioOutcome outcome;
  private final long calls;

  private RecordedRun(Scenario scenario, ScenarioOutcome outcome, long calls) {
    this.scenario = scenario;
    this.outcome = outcome;
    this.calls = calls;
  }

  /**
   * Reads a trace from its current position to its end; its header's scenario (or the defaults, as
   * {@link HostReplay} rebuilds the host) is read within {@code limits}.
   *
   * @throws io.github.vmbackdoor.core.TraceFormatException naming the line of a call or header
   *     entry that is not what it claims
   */
  public static RecordedRun read(TraceReader reader, ScenarioLimits limits) {
    Preconditions.checkNotNull(reader, "reader");
    Scenario header = HostReplay.headerScenario(reader, limits);
    Decoder d = new Decoder();
    Scenario.Builder timeline = header.toBuilder();
    Set<String> recorded = new HashSet<>();
    for (TraceEntry e = reader.nextEntry(); e != null; e = reader.nextEntry()) {
      if (e instanceof TraceCall call) {
        d.call(call);
        continue;
      }
      TraceHostEvent event = (TraceHostEvent) e;
      d.last = Duration.ofNanos(event.timeNanos());
      if (recorded.add(event.timeNanos() + " " + event.event())) {
        HostEvent action;
        try {
          action = HostEvent.parse(event.event());
        } catch (IllegalArgumentException bad) {
          throw new TraceFormatException(
              reader.lineNumber(), "host event '" + event.event() + "': " + bad.getMessage(), bad);
        }
        timeline.event(
            new ScenarioEvent(
                d.last,
                Optional.empty(),
                Optional.empty(),
                action,
                List.of("recorded in the trace")));
      }
    }
    d.flush();
    long seconds = Math.max(1, (d.last.toNanos() + 999_999_999L) / 1_000_000_000L);
    Scenario scenario = timeline.runFor(Duration.ofSeconds(seconds)).build();
    Map<String, String> vm = reader.header().vm();
    String guest = vm.getOrDefault("guest", vm.getOrDefault("vm", "guest"));
    if (!vm.containsKey("guest") && vm.containsKey("connection")) {
      guest += " #" + vm.get("connection");
    }
    ScenarioOutcome outcome =
        new ScenarioOutcome(
            scenario.name(),
            guest,
            scenario.troubleStart(),
            scenario.settlesAt(),
            scenario.length(),
            d.lines,
            d.events);
    return new RecordedRun(scenario, outcome, d.count);
  }

  /** The header's scenario, its length the recording's. */
  public Scenario scenario() {
    return scenario;
  }

  /** The session as a run of {@link #scenario()} by the recorded guest. */
  public ScenarioOutcome outcome() {
    return outcome;
  }

  /** How many calls the recording holds. */
  public long calls() {
    return calls;
  }

  /** Follows the calls of one recording. */
  private static final class Decoder {
    final List<ScenarioOutcome.TimedEvent> events = new ArrayList<>();
    final List<ScenarioOutcome.TimedLine> lines = new ArrayList<>();
    final Map<Integer, Channel> channels = new HashMap<>();
    Duration last = Duration.ZERO;
    long count;
    boolean tcloOpened;

    /** An open refused with the cookie flag: a retry without it may follow. */
    Refused refusedOpen;

    record Refused(Duration at, long call, int protocol, int status) {}

    void call(TraceCall call) {
      count++;
      Duration at = Duration.ofNanos(call.timeNanos());
      last = at;
      Registers req = call.request();
      Registers ans = call.answer();
      if (call.operation() != TraceCall.Operation.IN) {
        if (refusedOpen != null) {
          flush();
        }
        highBandwidth(call, at, req, ans);
        return;
      }
      if (req.ecxLow() != CMD_MESSAGE) {
        return; // not the message layer
      }
      int sub = req.ecxHigh();
      boolean ok = (ans.ecxHigh() & STATUS_SUCCESS) != 0;
      if (sub == BackdoorProtocol.MESSAGE_OPEN) {
        open(at, req, ans, ok);
        return;
      }
      if (refusedOpen != null) {
        flush();
      }
      Channel ch = channels.get(req.edxHigh());
      if (ch == null) {
        return; // opened before the recording began
      }
      String step = MessageSubcommand.nameOf(sub);
      if (!ok) {
        if (sub == BackdoorProtocol.MESSAGE_CLOSE) {
          channels.remove(req.edxHigh());
        }
        refused(at, ch, step, ans.ecxHigh(), sub == BackdoorProtocol.MESSAGE_CLOSE);
        return;
      }
      switch (sub) {
        case BackdoorProtocol.MESSAGE_SENDSIZE -> {
          ch.sending = new Message(req.ebx());
          if (req.ebx() == 0) {
            sent(at, ch, "");
          }
        }
        case BackdoorProtocol.MESSAGE_SENDPAYLOAD -> {
          if (ch.sending != null && ch.sending.add(req.ebx())) {
            sent(at, ch, ch.sending.text());
          }
        }
        case BackdoorProtocol.MESSAGE_RECVSIZE -> {
          if ((ans.ecxHigh() & STATUS_DORECV) == 0) {
            if (ch.tclo) {
              event(at, Type.POLLED, "");
            }
            ch.receiving = null;
          } else {
            ch.receiving = new Message(ans.ebx());
          }
        }
        case BackdoorProtocol.MESSAGE_RECVPAYLOAD -> {
          if (ch.receiving != null && req.ebx() == STATUS_SUCCESS) {
            ch.receiving.add(ans.ebx());
          }
        }
        case BackdoorProtocol.MESSAGE_RECVSTATUS -> {
          if (ch.receiving != null && req.ebx() == STATUS_SUCCESS) {
            received(at, ch, ch.receiving.text());
          }
          ch.receiving = null;
        }
        case BackdoorProtocol.MESSAGE_CLOSE -> {
          channels.remove(req.edxHigh());
          if (ch.tclo) {
            event(at, Type.CHANNEL_CLOSED, "channel " + ch.id);
          }
        }
        default -> {}
      }
    }

    private void open(Duration at, Registers req, Registers ans, boolean ok) {
      int protocol = req.ebx() & ~FLAG_COOKIE;
      if (ok) {
        refusedOpen = null;
        Channel ch = new Channel(ans.edxHigh(), protocol == PROTOCOL_TCLO);
        channels.put(ch.id, ch);
        if (ch.tclo) {
          if (tcloOpened) {
            line(at, "OPEN TCLO \u2192 a new channel");
          }
          tcloOpened = true;
          event(at, Type.CHANNEL_OPENED, "channel " + ch.id + ", call #" + count);
        }
        return;
      }
      if (refusedOpen != null) {
        flush();
      }
      refusedOpen = new Refused(at, count, protocol, ans.ecxHigh());
      if ((req.ebx() & FLAG_COOKIE) == 0) {
        flush(); // a retry without cookies refused too, or a guest that never asks for them
      }
    }

    /** Reports an open refused and not retried. */
    void flush() {
      Refused r = refusedOpen;
      if (r == null) {
        return;
      }
      refusedOpen = null;
      String name = BackdoorProtocol.protocolName(r.protocol());
      line(r.at(), "OPEN " + name + " refused, status " + hex(r.status()));
      String detail = "OPEN refused, call #" + r.call();
      if (r.protocol() == PROTOCOL_TCLO) {
        event(r.at(), Type.OPEN_FAILED, detail);
      } else if (r.protocol() == PROTOCOL_RPCI) {
        event(r.at(), Type.RPCI_FAILED, detail);
      }
    }

    private void highBandwidth(TraceCall call, Duration at, Registers req, Registers ans) {
      Channel ch = channels.get(req.edxHigh());
      if (ch == null) {
        return;
      }
      boolean out = call.operation() == TraceCall.Operation.OUTS;
      if ((ans.ebxHigh() & STATUS_SUCCESS) == 0) {
        refused(at, ch, out ? "SEND_HB" : "RECV_HB", ans.ebxHigh(), false);
        return;
      }
      String text = new String(call.bytes(), StandardCharsets.ISO_8859_1);
      if (out) {
        sent(at, ch, text);
      } else if (ch.receiving != null) {
        ch.receiving = Message.whole(text);
      }
    }

    private void refused(Duration at, Channel ch, String step, int status, boolean close) {
      // the line is the same for every like refusal (so the picture joins repeats); the
      // detail says which channel and call
      line(
          at,
          step
              + " on the "
              + (ch.tclo ? "TCLO" : "RPCI")
              + " channel refused, status "
              + hex(status));
      String detail = step + " refused on channel " + ch.id + ", call #" + count;
      if (ch.tclo) {
        event(at, close ? Type.CLOSE_FAILED : Type.TCLO_FAILURE, detail);
      } else {
        String request = ch.request.isEmpty() ? "" : "\"" + ch.request + "\": ";
        event(at, Type.RPCI_FAILED, request + detail);
      }
      ch.sending = null;
      ch.receiving = null;
    }

    private void sent(Duration at, Channel ch, String text) {
      ch.sending = null;
      if (ch.tclo) {
        event(at, text.isEmpty() ? Type.PING_SENT : Type.REPLY_SENT, shorten(text));
      } else {
        ch.request = shorten(text);
      }
    }

    private void received(Duration at, Channel ch, String text) {
      if (ch.tclo) {
        event(at, Type.COMMAND_RECEIVED, shorten(text));
        event(at, Type.POLLED, "");
      } else {
        event(at, Type.RPCI_SENT, ch.request);
      }
    }

    private void event(Duration at, Type type, String detail) {
      events.add(new ScenarioOutcome.TimedEvent(at, TcloEvent.of(type, detail)));
    }

    private void line(Duration at, String text) {
      lines.add(new ScenarioOutcome.TimedLine(at, text));
    }

    private static String hex(int status) {
      return String.format(Locale.ROOT, "0x%04x", status & 0xFFFF);
    }

    /** Message text as a detail: printable, at most 80 characters. */
    private static String shorten(String text) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < text.length() && b.length() < 80; i++) {
        char c = text.charAt(i);
        b.append(c < 0x20 || c > 0x7e ? '.' : c);
      }
      return text.length() > 80 ? b + "\u2026" : b.toString();
    }
  }

  /** A channel the recording saw opened. */
  private static final class Channel {
    final int id;
    final boolean tclo;
    Message sending;
    Message receiving;
    String request = "";

    Channel(int id, boolean tclo) {
      this.id = id;
      this.tclo = tclo;
    }
  }

  /** A message moving four bytes at a time. */
  private static final class Message {
    private final long length;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Message(int length) {
      this.length = length & 0xFFFFFFFFL;
    }

    static Message whole(String text) {
      Message m = new Message(text.length());
      m.bytes.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
      return m;
    }

    /** Adds the next four bytes (fewer at the end); whether the message is whole. */
    boolean add(int word) {
      for (int i = 0; i < 4 && bytes.size() < length && bytes.size() < 4096; i++) {
        bytes.write(word >>> (8 * i));
      }
      return bytes.size() >= Math.min(length, 4096);
    }

    String text() {
      return bytes.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
