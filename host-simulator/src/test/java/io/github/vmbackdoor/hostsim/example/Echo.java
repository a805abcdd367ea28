package io.github.vmbackdoor.hostsim.example;

import io.github.vmbackdoor.hostsim.RpciCommand;
import io.github.vmbackdoor.hostsim.record.RpciRequest;

/** An RPCI command of one's own: {@code echo TEXT} answers {@code 1 TEXT}. */
public final class Echo implements RpciCommand {

  @Override
  public String name() {
    return "echo";
  }

  @Override
  public String reply(RpciRequest request) {
    return "1 " + request.arguments();
  }
}
