package io.github.vmbackdoor.core;

import com.fasterxml.jackson.core.JsonFactory;

/**
 * The JSON factory trace reading and writing share. Jackson is an optional dependency of this
 * module: code that never reads or writes a trace runs without it, and code that does gets one
 * clear line instead of a {@link NoClassDefFoundError}.
 */
final class TraceJson {

  /** What a caller sees when jackson-core is not on the class path. */
  static final String MISSING =
      "traces need com.fasterxml.jackson.core:jackson-core on the class path"
          + " (an optional dependency of backdoor-core; add it to read or write traces)";

  private TraceJson() {}

  /** The shared factory; an {@link IllegalStateException} saying so when Jackson is missing. */
  static JsonFactory factory() {
    try {
      return Holder.FACTORY;
    } catch (NoClassDefFoundError e) {
      throw new IllegalStateException(MISSING, e);
    }
  }

  /** Loaded on first use, so that a missing Jackson is found where {@link #factory} catches it. */
  private static final class Holder {
    static final JsonFactory FACTORY = new JsonFactory();
  }
}
