package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a host's TCLO endpoint keeps of its conversation when the policy keeps histories: each
 * exchange (command, reply, outcome, when) and each command the guest took, both bounded by the
 * policy's history limits.
 */
final class TcloHistory {

  private final History<TcloExchange> exchanges;
  private final History<String> commandsSent;

  TcloHistory(HostPolicy policy) {
    exchanges = History.of(policy.historyLimit(), policy.historyBytesLimit(), TcloHistory::weight);
    commandsSent = History.of(policy.historyLimit(), policy.historyBytesLimit(), History::weight);
  }

  /** The guest took {@code command}. */
  void sent(String command) {
    commandsSent.add(command);
  }

  /** An exchange on channel {@code id} ({@code command} and {@code reply} null when none). */
  void record(
      int id,
      String command,
      String reply,
      TcloExchange.Outcome outcome,
      Duration since,
      Duration now) {
    exchanges.add(
        new TcloExchange(
            id, Optional.ofNullable(command), Optional.ofNullable(reply), outcome, since, now));
  }

  List<TcloExchange> exchanges() {
    return exchanges.items();
  }

  List<String> commandsSent() {
    return commandsSent.items();
  }

  /** The replies of the exchanges answered, in order. */
  List<String> replies() {
    List<String> l = new ArrayList<>();
    for (TcloExchange e : exchanges.view()) {
      if (e.outcome() == TcloExchange.Outcome.ANSWERED) {
        l.add(e.reply().orElse(""));
      }
    }
    return ImmutableList.copyOf(l);
  }

  private static long weight(TcloExchange e) {
    return History.OVERHEAD
        + History.weight(e.command().orElse(""))
        + History.weight(e.reply().orElse(""));
  }
}
