package io.github.vmbackdoor.core;

/** A trace file that does not follow the trace format; names the line. */
public final class TraceFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final long lineNumber;

  public TraceFormatException(long lineNumber, String message) {
    super("trace line " + lineNumber + ": " + message);
    this.lineNumber = lineNumber;
  }

  public TraceFormatException(long lineNumber, String message, Throwable cause) {
    super("trace line " + lineNumber + ": " + message, cause);
    this.lineNumber = lineNumber;
  }

  /** The 1-based line the problem is on. */
  public long lineNumber() {
    return lineNumber;
  }
}
