package io.github.vmbackdoor.hostsim.server;

/** A decoded HELLO: magic and version already checked by the decoder, the VM name to serve. */
final class ClientHello {
  private final String vmName;

  ClientHello(String vmName) {
    this.vmName = vmName;
  }

  String vmName() {
    return vmName;
  }

  @Override
  public String toString() {
    return "HELLO vm=" + vmName;
  }
}
