package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall.Operation;

/** A decoded request frame: one register-level backdoor call. */
final class Request {

  private final Operation operation;
  private final int sequence;
  private final Registers registers;
  private final byte[] bytes;

  /**
   * @param bytes the guest's bytes for OUTS; null for IN and INS (an INS moves ecx bytes back)
   */
  Request(Operation operation, int sequence, Registers registers, byte[] bytes) {
    this.operation = operation;
    this.sequence = sequence;
    this.registers = registers;
    this.bytes = bytes;
  }

  Operation operation() {
    return operation;
  }

  int sequence() {
    return sequence;
  }

  Registers registers() {
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
