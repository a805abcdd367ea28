package io.github.vmbackdoor.hostsim.server;

import io.github.vmbackdoor.core.Registers;

/** A decoded request frame: one register-level backdoor call. */
final class Request {

  /** The three backdoor operations, with their request and response frame types. */
  enum Operation {
    IN(WireProtocol.IN, WireProtocol.IN_RESPONSE),
    OUTS(WireProtocol.OUTS, WireProtocol.OUTS_RESPONSE),
    INS(WireProtocol.INS, WireProtocol.INS_RESPONSE);

    private final int requestType;
    private final int responseType;

    Operation(int requestType, int responseType) {
      this.requestType = requestType;
      this.responseType = responseType;
    }

    int requestType() {
      return requestType;
    }

    int responseType() {
      return responseType;
    }
  }

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
