package io.github.vmbackdoor.core;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a trace in JSON Lines, format version 2 (see {@code docs/trace-format.md}): a header line,
 * then one line per call or host event, each flushed as soon as it is written so that a crash loses
 * at most the call in progress.
 */
public final class TraceWriter implements Closeable {

  private final Writer out;
  private final StringBuilder line = new StringBuilder(256);
  private boolean closed;

  private TraceWriter(Writer out, TraceHeader header) {
    this.out = out;
    writeHeader(header);
  }

  /**
   * Starts a trace on {@code out} (UTF-8) and writes its header line.
   *
   * @throws IllegalStateException when jackson-core is not on the class path
   */
  public static TraceWriter create(OutputStream out, TraceHeader header) {
    Objects.requireNonNull(out, "out");
    TraceJson.factory();
    return new TraceWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), header);
  }

  /**
   * Starts a trace in a new file (replacing one that exists) and writes its header line.
   *
   * @throws IllegalStateException when jackson-core is not on the class path
   */
  public static TraceWriter create(Path file, TraceHeader header) {
    TraceJson.factory();
    try {
      return new TraceWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), header);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create trace " + file, e);
    }
  }

  private void writeHeader(TraceHeader header) {
    try (java.io.StringWriter s = new java.io.StringWriter();
        JsonGenerator g = TraceJson.factory().createGenerator(s)) {
      g.writeStartObject();
      g.writeStringField("format", TraceHeader.FORMAT_NAME);
      g.writeNumberField("version", header.version());
      g.writeObjectFieldStart("vm");
      for (Map.Entry<String, String> e : header.vm().entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      if (header.start().isPresent()) {
        g.writeStringField("start", header.start().get().toString());
      }
      g.writeEndObject();
      g.flush();
      writeLine(s.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write trace header", e);
    }
  }

  /** Appends one call and flushes it. */
  public synchronized void write(TraceCall call) {
    if (closed) {
      throw new IllegalStateException("trace writer is closed");
    }
    line.setLength(0);
    line.append("{\"t\":")
        .append(call.timeNanos())
        .append(",\"op\":\"")
        .append(call.operation().wireName())
        .append("\",\"in\":\"");
    TraceRegisters.append(line, call.request());
    line.append("\",\"out\":\"");
    TraceRegisters.append(line, call.answer());
    line.append('"');
    if (call.byteCount() > 0) {
      line.append(",\"bytes\":\"")
          .append(Base64.getEncoder().encodeToString(call.bytes()))
          .append('"');
    }
    line.append('}');
    writeLine(line);
  }

  /** Appends one host event and flushes it. */
  public synchronized void write(TraceHostEvent event) {
    if (closed) {
      throw new IllegalStateException("trace writer is closed");
    }
    try (java.io.StringWriter s = new java.io.StringWriter();
        JsonGenerator g = TraceJson.factory().createGenerator(s)) {
      g.writeStartObject();
      g.writeNumberField("t", event.timeNanos());
      g.writeStringField("host", event.event());
      g.writeEndObject();
      g.flush();
      writeLine(s.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write trace", e);
    }
  }

  /** Appends one line of either kind and flushes it. */
  public void write(TraceEntry entry) {
    if (entry instanceof TraceCall call) {
      write(call);
    } else {
      write((TraceHostEvent) entry);
    }
  }

  /**
   * The seven registers as a trace writes them: space-separated groups of eight hex digits, eax
   * first ({@code 564d5868 c9435052 0000001e 00005658 00000000 00000000 00000000}).
   */
  public static String registersText(Registers r) {
    StringBuilder b = new StringBuilder(62);
    TraceRegisters.append(b, r);
    return b.toString();
  }

  private void writeLine(CharSequence text) {
    try {
      out.append(text).append('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write trace", e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close trace", e);
    }
  }
}
