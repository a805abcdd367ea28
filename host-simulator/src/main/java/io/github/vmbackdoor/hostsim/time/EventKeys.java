package io.github.vmbackdoor.hostsim.time;

/**
 * How an event's place in the order is packed into the event queue's two {@code long} keys. Events
 * run by window (due time / window length), then lane, then due time, then sequence number (the
 * order they were scheduled in). Within a window the due time is the window's start plus an offset
 * under the window's length, so the four are one number of
 *
 * <pre>
 *   window bits + 24 lane bits + offset bits + sequence bits  =  126 bits
 * </pre>
 *
 * <p>window above lane above offset above sequence, whose numeric order is the events' order (each
 * field is under its width, so a higher field decides first). Its high 63 bits are the high key and
 * its low 63 bits the low one, both non-negative, so comparing (high, low) as signed numbers
 * compares the whole. Three keys of 64 bits each (order, due, sequence) held the same.
 *
 * <p>Why the sequence gets at least 38 bits: due times are 0 to {@code Long.MAX_VALUE} (virtual
 * time never passes its end), so windows are 0 to {@code Long.MAX_VALUE / W} for a window of W
 * nanoseconds, and offsets 0 to W - 1. With offset bits k (the bits of W - 1), W &gt; 2^(k-1), so
 * the last window is under 2^63 / 2^(k-1) = 2^(64-k): window and offset together take at most 64
 * bits, whatever W (63 when W is a power of two). That leaves 126 - 24 - 64 = 38 bits or more for
 * the sequence: 2^38 (about 2.7e11) events scheduled before the simulation renumbers the pending
 * ones by rank ({@link Simulation}), which keeps their order.
 *
 * <p>A field may straddle the two keys (the offset does at a one-minute window); {@code extract}
 * reads it across. Immutable.
 */
final class EventKeys {

  /** The lane's width: lane numbers are 0 (outside any lane) to {@link #MAX_LANES}. */
  static final int LANE_BITS = 24;

  /** The most lanes a simulation can have (lane 0 not counted). */
  static final int MAX_LANES = (1 << LANE_BITS) - 1;

  /** Each key holds 63 bits of the whole, so that it is non-negative. */
  private static final int KEY_BITS = 63;

  private static final long KEY_MASK = Long.MAX_VALUE;

  private final long windowNanos;
  private final int windowBits;
  private final int offsetBits;
  private final int sequenceBits;
  private final int offsetAt;
  private final int laneAt;
  private final int windowAt;

  private EventKeys(long windowNanos) {
    this.windowNanos = windowNanos;
    windowBits = bits(Long.MAX_VALUE / windowNanos);
    offsetBits = bits(windowNanos - 1);
    sequenceBits = 2 * KEY_BITS - LANE_BITS - windowBits - offsetBits;
    offsetAt = sequenceBits;
    laneAt = offsetAt + offsetBits;
    windowAt = laneAt + LANE_BITS;
  }

  /** The packing for windows of {@code windowNanos} (at least 1). */
  static EventKeys forWindow(long windowNanos) {
    if (windowNanos < 1) {
      throw new IllegalArgumentException("window under 1 ns: " + windowNanos);
    }
    return new EventKeys(windowNanos);
  }

  private static int bits(long value) {
    return Long.SIZE - Long.numberOfLeadingZeros(value);
  }

  /** The window length in nanoseconds. */
  long windowNanos() {
    return windowNanos;
  }

  /** Sequence numbers are 0 to one under this: 2^38 or 2^39. */
  long sequenceLimit() {
    return 1L << sequenceBits;
  }

  /** The window of a due time (0 to {@code Long.MAX_VALUE}). */
  long windowOf(long dueNanos) {
    return dueNanos / windowNanos;
  }

  /**
   * The high key of an event due at {@code dueNanos}, in window {@code window} of it, in a lane.
   */
  long high(long window, int lane, long dueNanos) {
    long offset = dueNanos - window * windowNanos;
    return highPart(window, windowAt) | highPart(lane, laneAt) | highPart(offset, offsetAt);
  }

  /** The low key of the same event with its sequence number (under {@link #sequenceLimit()}). */
  long low(long window, int lane, long dueNanos, long sequence) {
    long offset = dueNanos - window * windowNanos;
    return lowPart(window, windowAt) | lowPart(lane, laneAt) | lowPart(offset, offsetAt) | sequence;
  }

  /** The window of the keys. */
  long window(long high, long low) {
    return extract(high, low, windowAt, windowBits);
  }

  /** The lane of the keys. */
  int lane(long high, long low) {
    return (int) extract(high, low, laneAt, LANE_BITS);
  }

  /** The due time of the keys. */
  long due(long high, long low) {
    return window(high, low) * windowNanos + extract(high, low, offsetAt, offsetBits);
  }

  /** The sequence number of a low key. */
  long sequence(long low) {
    return low & (sequenceLimit() - 1);
  }

  /** A low key with another sequence number (under {@link #sequenceLimit()}). */
  long withSequence(long low, long sequence) {
    return (low & ~(sequenceLimit() - 1)) | sequence;
  }

  /** The low key's share of a field of the whole at bit {@code at}. */
  private static long lowPart(long field, int at) {
    return at < KEY_BITS ? (field << at) & KEY_MASK : 0;
  }

  /** The high key's share of a field of the whole at bit {@code at} (none when it fits below). */
  private static long highPart(long field, int at) {
    return at < KEY_BITS ? field >>> (KEY_BITS - at) : field << (at - KEY_BITS);
  }

  /** The field of {@code bits} bits at bit {@code at} of the whole, across the two keys. */
  private static long extract(long high, long low, int at, int bits) {
    long shifted =
        at < KEY_BITS ? (low >>> at) | (high << (KEY_BITS - at)) : high >>> (at - KEY_BITS);
    return bits == 0 ? 0 : shifted & (-1L >>> (Long.SIZE - bits));
  }

  @Override
  public String toString() {
    return "EventKeys{window "
        + windowNanos
        + " ns: "
        + windowBits
        + " window, "
        + LANE_BITS
        + " lane, "
        + offsetBits
        + " offset, "
        + sequenceBits
        + " sequence bits}";
  }
}
