package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.hostsim.record.CallRecord;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.record.PowerOperationReport;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import io.github.vmbackdoor.rpc.GuestInfoKey;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What a {@link VirtualHost} has recorded and holds, read under its lock: the call log, the guest's
 * RPCI requests and stores, the TCLO queues and exchanges, power operations and the channel table.
 * The read side of the host, apart from its events and its port.
 */
abstract sealed class HostRecords permits VirtualHost {

  HostRecords() {}

  abstract Object lock();

  abstract CallLog callLogPart();

  abstract RpciEndpoint rpciPart();

  abstract TcloEndpoint tcloPart();

  abstract List<ChannelInfo> channelSnapshot();

  /** Reads under the host's lock. */
  final <T> T locked(Supplier<T> read) {
    synchronized (lock()) {
      return read.get();
    }
  }

  /** The newest calls, oldest first (at most the call log limit; empty when the log is off). */
  public List<CallRecord> callLog() {
    return locked(callLogPart()::records);
  }

  /** Every call the host answered so far (also those the bounded log dropped). */
  public long callCount() {
    return locked(callLogPart()::count);
  }

  /** The RPCI requests received, oldest first (at most the history limit). */
  public List<RpciRequest> rpciRequests() {
    return locked(rpciPart()::requests);
  }

  /** Every RPCI request received so far (also those the bounded history dropped). */
  public long rpciRequestCount() {
    return locked(rpciPart()::requestCount);
  }

  /**
   * The guestinfo store, keyed as on the wire: full keys with their {@code guestinfo.} prefix (see
   * {@link #guestInfo(String)} for one variable by its bare name).
   */
  public Map<String, String> guestInfo() {
    return locked(rpciPart()::guestInfo);
  }

  /** The capabilities the guest declared with {@code tools.capability.<name> [value]}. */
  public Map<String, String> capabilities() {
    return locked(rpciPart()::capabilities);
  }

  /** The values the guest set with {@code SetGuestInfo <type> <value>}, by type. */
  public Map<Integer, String> setGuestInfoValues() {
    return locked(rpciPart()::setGuestInfo);
  }

  /** The text of the guest's {@code log} requests, oldest first. */
  public List<String> guestLog() {
    return locked(rpciPart()::guestLog);
  }

  /** The application names declared with {@code vmx.capability.unified_loop}. */
  public List<String> unifiedLoopApps() {
    return locked(rpciPart()::unifiedLoopApps);
  }

  /** The version from {@code tools.set.version}, or from {@code tools.set.versiontype}. */
  public Optional<String> toolsVersion() {
    return locked(rpciPart()::toolsVersion);
  }

  /** The type from {@code tools.set.versiontype}. */
  public Optional<String> toolsVersionType() {
    return locked(rpciPart()::toolsVersionType);
  }

  /** The TCLO commands delivered to the guest (fetched and acknowledged), oldest first. */
  public List<String> tcloCommandsSent() {
    return locked(tcloPart()::commandsSent);
  }

  /** The TCLO commands waiting to be delivered to {@code toolbox}, in order. */
  public List<String> pendingTcloCommands() {
    return pendingTcloCommands(TcloEndpoint.DEFAULT_APP);
  }

  /** The TCLO commands waiting to be delivered to application {@code app}, in order. */
  public List<String> pendingTcloCommands(String app) {
    return locked(() -> tcloPart().pending(app));
  }

  /** The command delivered on the current {@code toolbox} TCLO channel and not answered yet. */
  public Optional<String> outstandingTcloCommand() {
    return locked(() -> tcloPart().outstanding(TcloEndpoint.DEFAULT_APP));
  }

  /** The id of the TCLO channel the host talks to for {@code toolbox}, if one is open. */
  public Optional<Integer> activeTcloChannel() {
    return activeTcloChannel(TcloEndpoint.DEFAULT_APP);
  }

  /** The id of the TCLO channel the host talks to for application {@code app}, if one is open. */
  public Optional<Integer> activeTcloChannel(String app) {
    return locked(() -> tcloPart().activeChannel(app));
  }

  /** Finished TCLO exchanges, oldest first (at most the history limit). */
  public List<TcloExchange> tcloExchanges() {
    return locked(tcloPart()::exchanges);
  }

  /** The guest's replies to host commands, oldest first (answered exchanges only). */
  public List<String> tcloReplies() {
    return locked(tcloPart()::replies);
  }

  /** Every power operation requested, with what became of it, oldest first. */
  public List<PowerOperationReport> powerOperations() {
    return locked(tcloPart()::powerOperations);
  }

  /** The occupied slots of the channel table, by id. */
  public List<ChannelInfo> channels() {
    return locked(this::channelSnapshot);
  }

  /** The channel in slot {@code id}, if occupied. */
  public Optional<ChannelInfo> channel(int id) {
    return channels().stream().filter(c -> c.id() == id).findFirst();
  }

  /**
   * The guestinfo value of a variable, if set. The name is bare ({@code ip}); the full key ({@code
   * guestinfo.ip}) means the same ({@link GuestInfoKey}).
   */
  public Optional<String> guestInfo(String name) {
    String key = GuestInfoKey.of(name);
    return Optional.ofNullable(locked(() -> rpciPart().guestInfo(key)));
  }

  /**
   * Runs {@code action} under the host's lock, so that no guest call and no other host event comes
   * between its steps (a host event of several steps, a consistent read of several records); the
   * host's own methods may be called inside it. The action must not block.
   */
  public <T> T exclusively(Function<VirtualHost, T> action) {
    Objects.requireNonNull(action, "action");
    synchronized (lock()) {
      return action.apply((VirtualHost) this);
    }
  }
}
