package io.github.vmbackdoor.hostsim.record;

import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import java.time.Duration;

/**
 * One backdoor call the host answered, for the call log.
 *
 * <p>{@link #toString()} is one line that depends only on the call, so two runs of the same
 * scenario with the same seed print identical logs.
 *
 * @param sequence the call's number, from 1, counted over the host's life
 * @param at host time of the call
 * @param kind which instruction: command port, HB out or HB in
 * @param request the registers the guest loaded
 * @param answer the registers the guest read back
 * @param payloadLength bytes moved by an HB call (0 for command-port calls)
 * @param payloadCrc32 CRC-32 of the bytes moved by an HB call (0 for command-port calls)
 * @param note what the host made of the call, e.g. {@code SENDSIZE ch 3 ok}, {@code wrong cookie}
 */
public record CallRecord(
    long sequence,
    Duration at,
    TraceCall.Operation kind,
    Registers request,
    Registers answer,
    int payloadLength,
    long payloadCrc32,
    String note) {

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    b.append('#')
        .append(sequence)
        .append(" t=")
        .append(at.toNanos())
        .append("ns ")
        .append(kind)
        .append(" [")
        .append(request)
        .append("] -> [")
        .append(answer)
        .append(']');
    if (kind != TraceCall.Operation.IN) {
      b.append(" bytes=")
          .append(payloadLength)
          .append(" crc=")
          .append(Long.toHexString(payloadCrc32));
    }
    return b.append(' ').append(note).toString();
  }
}
