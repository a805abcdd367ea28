package io.github.vmbackdoor.hostsim.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code serve} tells as it happens, one line per thing: a guest connecting or leaving, a
 * channel opened or closed and by whom, a scenario or admin event as it fires, a fault hit (a run
 * of hits of one fault on one VM folded into one line), the timeline's end. Each line is an SLF4J
 * event (INFO) of the logger {@value #LOGGER}, with the VM and the event's kind as key-values, and,
 * unless quiet, a line on standard error or the {@code --log} file: text ({@code 13:41:05.123 vm1:
 * guest connected from 127.0.0.1:40422 (connection 1)}) or, with {@code --json-log}, one JSON
 * object. Thread-safe.
 */
final class Narration implements AutoCloseable {

  /** The logger every narrated line goes to. */
  static final String LOGGER = "io.github.vmbackdoor.hostsim.serve";

  private static final Logger logger = LoggerFactory.getLogger(LOGGER);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
  private static final JsonFactory JSON = new JsonFactory();

  private final PrintWriter out;
  private final boolean json;
  private final Clock clock;

  // The fold in progress: hits of one fault on one VM, the first printed, the rest counted.
  private String foldVm;
  private String foldKey;
  private long folded;
  private Instant foldLast;

  /**
   * Narration to {@code out} (null: to SLF4J alone, as {@code --quiet} has it), as text or JSON,
   * stamped by {@code clock}.
   */
  Narration(PrintWriter out, boolean json, Clock clock) {
    this.out = out;
    this.json = json;
    this.clock = clock;
  }

  /** One line about {@code vm} (null: about the server or every VM). */
  synchronized void say(String vm, String kind, String text) {
    flushFold();
    emit(clock.instant(), vm, kind, text);
  }

  /**
   * A line that repeats: the first of a run of the same {@code key} on {@code vm} is said, the
   * others are counted and said as one line when another line comes, or at {@link #close()}.
   */
  synchronized void sayFolded(String vm, String kind, String key, String text) {
    Instant now = clock.instant();
    if (Objects.equals(vm, foldVm) && key.equals(foldKey)) {
      folded++;
      foldLast = now;
      return;
    }
    flushFold();
    emit(now, vm, kind, text);
    foldVm = vm;
    foldKey = key;
    folded = 0;
  }

  private void flushFold() {
    if (foldKey != null && folded > 0) {
      emit(
          foldLast,
          foldVm,
          "repeated",
          foldKey
              + " "
              + folded
              + (folded == 1 ? " more time" : " more times")
              + ", the last at "
              + TIME.format(foldLast));
    }
    foldKey = null;
    foldVm = null;
    folded = 0;
  }

  private void emit(Instant at, String vm, String kind, String text) {
    String line = vm == null ? text : vm + ": " + text;
    logger.atInfo().addKeyValue("vm", vm).addKeyValue("event", kind).log(line);
    if (out == null) {
      return;
    }
    out.println(json ? json(at, vm, kind, text) : TIME.format(at) + " " + line);
    out.flush();
  }

  private static String json(Instant at, String vm, String kind, String text) {
    StringWriter s = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(s)) {
      g.writeStartObject();
      g.writeStringField("time", at.toString());
      if (vm != null) {
        g.writeStringField("vm", vm);
      }
      g.writeStringField("event", kind);
      g.writeStringField("message", text);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return s.toString();
  }

  /** Says the fold in progress, if any. */
  @Override
  public synchronized void close() {
    flushFold();
  }
}
