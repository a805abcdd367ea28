package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.FaultHit;
import io.github.vmbackdoor.hostsim.record.CallRecord;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.record.GuestInfo;
import io.github.vmbackdoor.hostsim.record.PowerOperationReport;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.hostsim.record.TcloExchange;
import io.github.vmbackdoor.rpc.GuestInfoKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a {@link VirtualHost} has recorded and holds, read under its lock: the call log, the guest's
 * RPCI requests and stores, the TCLO queues and exchanges, power operations, the channel table and
 * the faults. The read side of the host ({@link VirtualHost#records()}), apart from its events and
 * its port; each method reads the host as it is at the call.
 */
public final class HostRecords {

  // the host's parts; the message server's monitor is the host's lock
  private final GuestMsgServer messages;
  private final CallLog callLog;
  private final RpciEndpoint rpci;
  private final TcloEndpoint tclo;

  HostRecords(GuestMsgServer messages, CallLog callLog, RpciEndpoint rpci, TcloEndpoint tclo) {
    this.messages = messages;
    this.callLog = callLog;
    this.rpci = rpci;
    this.tclo = tclo;
  }

  /** Reads under the host's lock. */
  private <T> T locked(Supplier<T> read) {
    synchronized (messages) {
      return read.get();
    }
  }

  /** The newest calls, oldest first (at most the call log limit; empty when the log is off). */
  public List<CallRecord> callLog() {
    return locked(callLog::records);
  }

  /** Every call the host answered so far (also those the bounded log dropped). */
  public long callCount() {
    return locked(messages::calls);
  }

  /** The RPCI requests received, oldest first (at most the history limit). */
  public List<RpciRequest> rpciRequests() {
    return locked(rpci::requests);
  }

  /** Every RPCI request received so far (also those the bounded history dropped). */
  public long rpciRequestCount() {
    return locked(rpci::requestCount);
  }

  /**
   * The guestinfo store, keyed as on the wire: full keys with their {@code guestinfo.} prefix (see
   * {@link #guestInfo(String)} for one variable by its bare name).
   */
  public Map<String, String> guestInfo() {
    return locked(rpci::guestInfo);
  }

  /** The capabilities the guest declared with {@code tools.capability.<name> [value]}. */
  public Map<String, String> capabilities() {
    return locked(rpci::capabilities);
  }

  /** The values the guest set with {@code SetGuestInfo <type> <value>}, by type. */
  public Map<Integer, String> setGuestInfoValues() {
    return locked(rpci::setGuestInfo);
  }

  /** The text of the guest's {@code log} requests, oldest first. */
  public List<String> guestLog() {
    return locked(rpci::guestLog);
  }

  /** The application names declared with {@code vmx.capability.unified_loop}. */
  public List<String> unifiedLoopApps() {
    return locked(rpci::unifiedLoopApps);
  }

  /** The version from {@code tools.set.version}, or from {@code tools.set.versiontype}. */
  public Optional<String> toolsVersion() {
    return locked(rpci::toolsVersion);
  }

  /** The type from {@code tools.set.versiontype}. */
  public Optional<String> toolsVersionType() {
    return locked(rpci::toolsVersionType);
  }

  /**
   * The host's view of the guest, named as vSphere's {@code GuestInfo}: built only from what the
   * guest sent and from whether the tools answered within the heartbeat timeout.
   */
  public GuestInfo guest() {
    return locked(() -> GuestView.of(rpci, tclo.toolsRunning()));
  }

  /** The TCLO commands delivered to the guest (fetched and acknowledged), oldest first. */
  public List<String> tcloCommandsSent() {
    return locked(tclo::commandsSent);
  }

  /** The TCLO commands waiting to be delivered to {@code toolbox}, in order. */
  public List<String> pendingTcloCommands() {
    return pendingTcloCommands(TcloEndpoint.DEFAULT_APP);
  }

  /** The TCLO commands waiting to be delivered to application {@code app}, in order. */
  public List<String> pendingTcloCommands(String app) {
    return locked(() -> tclo.pending(app));
  }

  /** The command delivered on the current {@code toolbox} TCLO channel and not answered yet. */
  public Optional<String> outstandingTcloCommand() {
    return locked(() -> tclo.outstanding(TcloEndpoint.DEFAULT_APP));
  }

  /** The id of the TCLO channel the host talks to for {@code toolbox}, if one is open. */
  public Optional<Integer> activeTcloChannel() {
    return activeTcloChannel(TcloEndpoint.DEFAULT_APP);
  }

  /** The id of the TCLO channel the host talks to for application {@code app}, if one is open. */
  public Optional<Integer> activeTcloChannel(String app) {
    return locked(() -> tclo.activeChannel(app));
  }

  /** Finished TCLO exchanges, oldest first (at most the history limit). */
  public List<TcloExchange> tcloExchanges() {
    return locked(tclo::exchanges);
  }

  /** The guest's replies to host commands, oldest first (answered exchanges only). */
  public List<String> tcloReplies() {
    return locked(tclo::replies);
  }

  /** Every power operation requested, with what became of it, oldest first. */
  public List<PowerOperationReport> powerOperations() {
    return locked(tclo::powerOperations);
  }

  /** The occupied slots of the channel table, by id. */
  public List<ChannelInfo> channels() {
    return locked(() -> messages.table().snapshot());
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
    return Optional.ofNullable(locked(() -> rpci.guestInfo(key)));
  }

  /**
   * A new journal of the RPCI requests: its taker takes each request once, in order, from the
   * oldest the history keeps, and can wait for the next one ({@link RpciJournal}).
   */
  public RpciJournal rpciJournal() {
    return new RpciJournal(messages, rpci);
  }

  /** Checkpoints so far. */
  public long checkpoints() {
    return locked(messages::checkpoints);
  }

  /** The size of the channel table. */
  public int channelTableSize() {
    return messages.table().size();
  }

  /** Whether the host offers the high-bandwidth port. */
  public boolean offersHighBandwidth() {
    return messages.offersHighBandwidth();
  }

  /** The installed faults, in installation order (the order they are tried in). */
  public List<Fault> faults() {
    return locked(() -> messages.faults().installed());
  }

  /** The newest faults that fired (at most 256), oldest first, with the calls they hit. */
  public List<FaultHit> faultHits() {
    return locked(() -> messages.faults().hits());
  }

  /**
   * How many times a fault hit a call over the host's life, counting the hits {@link #faultHits()}
   * no longer keeps: a watcher compares it with what it saw last. Read without the host's lock (a
   * volatile count), so that a watcher that looks after every call does not take the lock again.
   */
  public long faultHitCount() {
    return messages.faults().hitCount();
  }
}
