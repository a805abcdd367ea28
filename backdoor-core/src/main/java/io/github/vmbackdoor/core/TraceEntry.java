package io.github.vmbackdoor.core;

/**
 * One line of a trace after its header: a backdoor call ({@link TraceCall}) or, from version 2, a
 * host event ({@link TraceHostEvent}) that happened between two calls.
 */
public sealed interface TraceEntry permits TraceCall, TraceHostEvent {

  /** Nanoseconds since the trace's clock started (virtual time in a simulation). */
  long timeNanos();
}
