package io.github.vmbackdoor.core;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The first line of a trace: the format version, what is known of the VM (free-form name/value
 * pairs such as {@code vm}, {@code uuid}, {@code transport}) and when recording started.
 */
public final class TraceHeader {

  /**
   * The trace format version this code writes: 2, which adds host event lines ({@link
   * TraceHostEvent}) to version 1. Readers read both.
   */
  public static final int FORMAT_VERSION = 2;

  /** The oldest trace format version this code reads. */
  public static final int OLDEST_VERSION = 1;

  /** The value of the header's {@code format} field. */
  public static final String FORMAT_NAME = "vmbackdoor-trace";

  private final int version;
  private final Map<String, String> vm;
  private final Instant start;

  private TraceHeader(int version, Map<String, String> vm, Instant start) {
    this.version = version;
    this.vm = vm;
    this.start = start;
  }

  /** A header of the current version. */
  public static TraceHeader of(Map<String, String> vm, Instant start) {
    return of(FORMAT_VERSION, vm, start);
  }

  /** A header of a given version, as read from a file. */
  public static TraceHeader of(int version, Map<String, String> vm, Instant start) {
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1: " + version);
    }
    return new TraceHeader(version, Collections.unmodifiableMap(new LinkedHashMap<>(vm)), start);
  }

  public int version() {
    return version;
  }

  /** What is known of the VM, in the order written; unmodifiable, may be empty. */
  public Map<String, String> vm() {
    return vm;
  }

  /** When recording started, if known. */
  public Optional<Instant> start() {
    return Optional.ofNullable(start);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TraceHeader)) {
      return false;
    }
    TraceHeader h = (TraceHeader) o;
    return version == h.version && vm.equals(h.vm) && Objects.equals(start, h.start);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, vm, start);
  }

  @Override
  public String toString() {
    return "TraceHeader{version=" + version + ", vm=" + vm + ", start=" + start + "}";
  }
}
