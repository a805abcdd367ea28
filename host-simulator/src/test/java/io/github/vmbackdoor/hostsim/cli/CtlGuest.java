package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.RpciReply;

/**
 * A guest for src/test/sh/ctl-checkpoint.sh: connects to {@code serve} at HOST PORT as VM vm1,
 * reads guestinfo.color over RPCI and prints the reply ("1 blue").
 */
final class CtlGuest {
  private CtlGuest() {}

  public static void main(String[] args) {
    try (RemoteBackdoor guest = RemoteBackdoor.connect(args[0], Integer.parseInt(args[1]), "vm1")) {
      RpciReply reply = RpciClient.create(guest).send("info-get guestinfo.color");
      System.out.println((reply.isSuccess() ? "1 " : "0 ") + reply.text());
    }
  }
}
