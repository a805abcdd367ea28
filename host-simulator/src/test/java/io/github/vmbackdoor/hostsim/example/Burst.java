package io.github.vmbackdoor.hostsim.example;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import java.util.List;
import java.util.Map;

/**
 * A host event of one's own: the host queues {@code count} {@code ping}s for the tools at once.
 * Written {@code burst 3} in a scenario's timeline, the admin API or {@code ctl}.
 *
 * @param count how many pings, 1 to 100
 */
public record Burst(int count) implements HostEvent.Custom {

  /** The kind, as the service loader makes it. */
  public Burst() {
    this(1);
  }

  /** Checks the count. */
  public Burst {
    Preconditions.checkArgument(count >= 1 && count <= 100, "burst is 1 to 100 pings: %s", count);
  }

  @Override
  public String keyword() {
    return "burst";
  }

  @Override
  public String arguments() {
    return String.valueOf(count);
  }

  @Override
  public HostEvent withArguments(List<String> words, String rest) {
    Preconditions.checkArgument(words.size() == 1, "expected 'burst COUNT'");
    return new Burst(Integer.parseInt(words.get(0)));
  }

  @Override
  public void apply(VirtualHost host, Map<String, Fault> faults) {
    for (int i = 0; i < count; i++) {
      host.enqueueTclo(VirtualHost.DEFAULT_TCLO_APP, "ping");
    }
  }
}
