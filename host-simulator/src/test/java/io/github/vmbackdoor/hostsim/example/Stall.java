package io.github.vmbackdoor.hostsim.example;

import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CLOSED;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_TIMEOUT;

import io.github.vmbackdoor.hostsim.fault.FaultAction;
import java.time.Duration;

/**
 * A fault action of one's own, with a parameter: the call stalls for a while, then the host closes
 * the channel. Written {@code stall=3s} in a scenario's {@code fault} line.
 *
 * @param after how long the call stalls
 */
public record Stall(Duration after) implements FaultAction.Custom {

  /** The kind, as the service loader makes it: a stall of one second. */
  public Stall() {
    this(Duration.ofSeconds(1));
  }

  @Override
  public String name() {
    return "STALL";
  }

  @Override
  public String parameter() {
    return after.toMillis() + "ms";
  }

  @Override
  public FaultAction withParameter(String text) {
    if (text.isEmpty()) {
      return new Stall();
    }
    if (!text.matches("[0-9]{1,9}ms")) {
      throw new IllegalArgumentException("stall takes milliseconds, e.g. stall=250ms: " + text);
    }
    return new Stall(Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2))));
  }

  @Override
  public void apply(Call call) {
    call.delay(after);
    call.closeChannel();
    call.refuse(STATUS_CLOSED | STATUS_TIMEOUT, "stalled");
  }
}
