package io.github.vmbackdoor.hostsim.admin;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.TraceWriter;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.internal.KebabCase;
import io.github.vmbackdoor.hostsim.record.CallRecord;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The admin API's JSON bodies, as records Jackson writes (docs/admin-api.md). */
final class Views {

  private Views() {}

  /**
   * A VM: identity, counters, channels, the installed faults, the TCLO queue, and the guest as
   * vSphere's {@code GuestInfo} names it.
   */
  record Vm(
      String name,
      String uuid,
      String hostTime,
      long calls,
      long rpciRequests,
      long checkpoints,
      Integer activeTcloChannel,
      List<String> pendingTclo,
      List<String> faults,
      List<Channel> channels,
      io.github.vmbackdoor.hostsim.record.GuestInfo guest) {

    static Vm of(ServedVm vm) {
      ServedVm.Life life = vm.life();
      return life.host.exclusively(
          h ->
              new Vm(
                  vm.name(),
                  h.uuid().toString(),
                  Durations.format(h.hostTime()),
                  h.records().callCount(),
                  h.records().rpciRequestCount(),
                  h.records().checkpoints(),
                  h.records().activeTcloChannel().orElse(null),
                  h.records().pendingTcloCommands(),
                  life.faults.keySet().stream().sorted().toList(),
                  h.records().channels().stream().map(Channel::of).toList(),
                  h.records().guest()));
    }
  }

  /** An occupied slot of the channel table. */
  record Channel(
      int id,
      String protocol,
      boolean cookies,
      String state,
      String operation,
      String lastActivity) {
    static Channel of(ChannelInfo c) {
      return new Channel(
          c.id(),
          BackdoorProtocol.protocolName(c.protocol()).toLowerCase(Locale.ROOT),
          c.cookies(),
          KebabCase.of(c.state()),
          KebabCase.of(c.operation()),
          Durations.format(c.lastActivity()));
    }
  }

  /** One answered backdoor call; {@code seq} counts from 1 since the host was built. */
  record Call(long seq, String at, String op, String in, String out, int bytes, String note) {
    static Call of(CallRecord c) {
      return new Call(
          c.sequence(),
          Durations.format(c.at()),
          c.kind().wireName(),
          TraceWriter.registersText(c.request()),
          TraceWriter.registersText(c.answer()),
          c.payloadLength(),
          c.note());
    }
  }

  /** The calls after a cursor, and the cursor to pass next time. */
  record Calls(long next, List<Call> calls) {
    static Calls since(VirtualHost host, long since) {
      return host.exclusively(
          h ->
              new Calls(
                  h.records().callCount(),
                  h.records().callLog().stream()
                      .filter(c -> c.sequence() > since)
                      .map(Call::of)
                      .toList()));
    }
  }

  /** One RPCI request; {@code seq} counts from 1 since the host was built. */
  record Rpci(long seq, int channel, String at, String text, String command, String arguments) {
    static Rpci of(long seq, RpciRequest r) {
      return new Rpci(
          seq, r.channelId(), Durations.format(r.at()), r.text(), r.command(), r.arguments());
    }
  }

  /** The RPCI requests after a cursor, and the cursor to pass next time. */
  record RpciList(long next, List<Rpci> requests) {
    static RpciList since(VirtualHost host, long since) {
      return host.exclusively(
          h -> {
            List<RpciRequest> kept = h.records().rpciRequests();
            long count = h.records().rpciRequestCount();
            long first = count - kept.size() + 1;
            ArrayList<Rpci> out = new ArrayList<>();
            for (int i = 0; i < kept.size(); i++) {
              if (first + i > since) {
                out.add(Rpci.of(first + i, kept.get(i)));
              }
            }
            return new RpciList(count, out);
          });
    }
  }

  /** The value of one guestinfo key. */
  record GuestInfo(String key, String value) {}

  /** What a POST of host events did. */
  record Applied(String vm, List<String> applied) {}

  /** What a POST of a scenario scheduled. */
  record Scheduled(String vm, long id, String scenario, long occurrences, String runs) {}

  /** A timeline playing: its id, scenario, length, time played so far, occurrences applied. */
  record Timeline(long id, String scenario, String runs, String elapsed, long applied) {}

  /** The timelines playing on a VM. */
  record Timelines(String vm, List<Timeline> playing) {}

  /** Timelines stopped. */
  record Stopped(String vm, List<Long> stopped) {}

  /** A reset. */
  record Reset(String vm, String uuid) {}

  /** An error: 4xx with a one-line message. */
  record Error(String error) {}
}
