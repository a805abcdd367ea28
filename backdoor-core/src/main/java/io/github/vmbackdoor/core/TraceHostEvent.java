package io.github.vmbackdoor.core;

import java.util.Objects;

/**
 * A host event recorded between two calls (trace format version 2): what the host side did to the
 * VM at that moment, in the words of a scenario file's timeline ({@code close-tclo}, {@code
 * install-fault f on rpci recvsize nth 1 checkpoint}). The trace format does not interpret the
 * words; a host-facing replay applies them to its host before the next call.
 *
 * @param timeNanos nanoseconds since the trace's clock started
 * @param event the event in a scenario file's words: one line, not empty
 */
public record TraceHostEvent(long timeNanos, String event) implements TraceEntry {

  /** The longest event text a trace holds. */
  public static final int MAX_CHARS = 64 * 1024;

  public TraceHostEvent {
    if (timeNanos < 0) {
      throw new IllegalArgumentException("time must be >= 0: " + timeNanos);
    }
    Objects.requireNonNull(event, "event");
    if (event.isBlank() || event.indexOf('\n') >= 0 || event.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("a host event is one line of text, not empty");
    }
    if (event.length() > MAX_CHARS) {
      throw new IllegalArgumentException(
          "a host event is at most " + MAX_CHARS + " characters, not " + event.length());
    }
  }
}
