package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.TraceCall.Operation;

/**
 * A decoded request frame: one register-level backdoor call, its registers in a holder the host
 * answers into.
 *
 * <p>A connection's decoder reuses one request from frame to frame: the handler that carries a
 * request out at once {@linkplain #free() frees} it, and the decoder loads the next frame into it;
 * a request that has to wait keeps its object, and the decoder takes a new one for the next frame.
 * So a guest that waits for each answer costs no request object per frame.
 */
final class Request {

  private Operation operation;
  private int sequence;
  private final MutableRegisters registers = new MutableRegisters();
  private byte[] bytes;
  private boolean inUse;

  /**
   * Loads a frame into this request and marks it in use.
   *
   * @param bytes the guest's bytes for OUTS; null for IN and INS (an INS moves ecx bytes back)
   */
  Request load(Operation operation, int sequence, byte[] bytes) {
    this.operation = operation;
    this.sequence = sequence;
    this.bytes = bytes;
    this.inUse = true;
    return this;
  }

  /** Whether the decoder may load the next frame into this request. */
  boolean isFree() {
    return !inUse;
  }

  /** Done with: the decoder may load the next frame into it. */
  void free() {
    inUse = false;
    bytes = null;
  }

  Operation operation() {
    return operation;
  }

  int sequence() {
    return sequence;
  }

  /** The registers the guest loaded; the host's answer is written into them. */
  MutableRegisters registers() {
    return registers;
  }

  /** The bytes an OUTS carries; null for the other operations. */
  byte[] bytes() {
    return bytes;
  }

  @Override
  public String toString() {
    return operation
        + " #"
        + Integer.toUnsignedString(sequence)
        + " "
        + registers
        + (bytes == null ? "" : " (" + bytes.length + " bytes)");
  }
}
