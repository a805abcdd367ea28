package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.rpc.TcloEvent.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What vmt(4)'s legacy code and the proposed patch share: the driver state (TCLO channel, the
 * sticky {@code rpc_error} flag, {@code tclo_ping}), vmt's RPCI transaction, the poll steps from
 * the ping to the dispatch; the command table with vmt's replies and log lines is {@link
 * VmtCommandTable}. The two subclasses differ in attach, the start and end of the tick, the reset
 * handler and shutdown.
 */
abstract class VmtTcloMachine implements TcloStateMachine {

  static final Duration REOPEN_DELAY = Duration.ofSeconds(15);

  private static final byte[] EMPTY = new byte[0];

  final Backdoor backdoor;
  final TcloOptions options;
  final MachineLog log;
  final VmtRpc tclo;

  boolean rpcError;
  boolean tcloPing;
  boolean attached;
  boolean stopped;

  private final VmtCommandTable commands;

  /** Virtual time left until vmt's periodic guest-info tick, counted from the returned delays. */
  private Duration untilGuestInfo = Duration.ZERO;

  /** The machine's own clock (own-timer flavors): the sum of the delays it returned. */
  private Duration now = Duration.ZERO;

  /** Own-timer flavors: when the TCLO tick and vmt_tick are due next (null: never). */
  private Duration tcloDue;

  private Duration infoDue;

  VmtTcloMachine(Backdoor backdoor, TcloOptions options, TcloListener listener) {
    this.backdoor = backdoor;
    this.options = options;
    this.log = new MachineLog(listener, options);
    this.tclo = new VmtRpc(backdoor, log);
    this.commands = new VmtCommandTable(new CommandTableSide(), options, log);
  }

  @Override
  public final Duration tick() {
    if (stopped) {
      return Duration.ZERO;
    }
    if (options.flavor().dialect().guestInfoOnOwnTimer()) {
      return tickOnTwoTimers();
    }
    Duration delay;
    if (!attached) {
      delay = attach();
    } else {
      Duration interval = options.guestInfoInterval();
      if (!interval.isZero() && (untilGuestInfo.isZero() || untilGuestInfo.isNegative())) {
        untilGuestInfo = interval;
        guestInfoTick();
      }
      delay = step();
    }
    untilGuestInfo = untilGuestInfo.minus(delay);
    return delay;
  }

  /**
   * OpenBSD: two timeouts, the TCLO tick and vmt_tick. The mountroot hook runs vmt_tick right after
   * attach and it reschedules itself every 15 s, whatever the TCLO tick does; when both are due at
   * once, vmt_tick (a soft-interrupt timeout) runs first. Returns the time to the next of the two.
   */
  private Duration tickOnTwoTimers() {
    Duration interval = options.guestInfoInterval();
    boolean justAttached = false;
    if (!attached) {
      Duration delay = attach();
      if (!attached) {
        return delay;
      }
      justAttached = true;
      tcloDue = now.plus(delay);
      infoDue = interval.isZero() ? null : now;
    }
    if (infoDue != null && infoDue.compareTo(now) <= 0) {
      guestInfoTick();
      infoDue = now.plus(interval);
    }
    if (!justAttached && tcloDue.compareTo(now) <= 0) {
      tcloDue = now.plus(step());
    }
    Duration next = infoDue == null || tcloDue.compareTo(infoDue) <= 0 ? tcloDue : infoDue;
    Duration delay = next.minus(now);
    now = next;
    return delay;
  }

  /**
   * vmt_tick, which vmt runs on a timer of its own every 15 s: the guest info (host name, OS names,
   * once unless they change) and the uptime over RPCI. Here it runs at the start of the first TCLO
   * tick that falls due after it, as the machine counts time by its own delays.
   */
  void guestInfoTick() {
    commands.updateGuestInfo();
    commands.updateUptime();
  }

  /** The attach: what the driver does before scheduling its first tick one second later. */
  abstract Duration attach();

  /** One tick of an attached driver. */
  abstract Duration step();

  /** The handler of the host's "reset". */
  abstract void onReset();

  /** Whether shutdown sends the last empty message and closes the TCLO channel. */
  abstract boolean closeOnShutdown();

  @Override
  public TcloHealth health() {
    if (stopped) {
      return TcloHealth.STOPPED;
    }
    if (!attached) {
      return TcloHealth.STARTING;
    }
    return rpcError || tclo.isZero() ? TcloHealth.RECOVERING : TcloHealth.UP;
  }

  @Override
  public final void shutdown() {
    if (stopped) {
      return;
    }
    if (attached) {
      if (rpciTx("tools.capability.hgfs_server " + options.appName() + " 0") == null) {
        log.device(VmtMessage.HGFS_DISABLE_FAILED);
      }
      if (closeOnShutdown()) {
        if (!tclo.send(EMPTY)) {
          log.device(VmtMessage.SHUTDOWN_PING_FAILED);
        }
        closeTclo();
      }
    }
    stopped = true;
    log.flush();
    log.event(Type.DETACHED, "shutdown");
  }

  /** vmt's attach failure: no tick is ever scheduled again. */
  Duration detach(VmtMessage line) {
    log.device(line);
    return detached(line);
  }

  private Duration detached(VmtMessage line) {
    stopped = true;
    log.event(Type.DETACHED, line.words());
    return Duration.ZERO;
  }

  /**
   * The end of attach: sets the HGFS capability (detached when that fails) and flags a ping for the
   * first tick, which comes a second later.
   */
  Duration finishAttach() {
    if (rpciTx("tools.capability.hgfs_server " + options.appName() + " 1") == null) {
      options.flavor().dialect().hgfsCapabilityFailed(log);
      return detached(VmtMessage.ATTACH_HGFS_FAILED);
    }
    tcloPing = true;
    attached = true;
    log.event(Type.ATTACHED);
    return VmtFlavor.ONE_SECOND;
  }

  boolean openTclo() {
    if (!tclo.open(PROTOCOL_TCLO)) {
      log.event(Type.OPEN_FAILED);
      return false;
    }
    log.event(Type.CHANNEL_OPENED, "channel " + tclo.channel);
    return true;
  }

  void closeTclo() {
    int channel = tclo.channel;
    if (tclo.close()) {
      log.event(Type.CHANNEL_CLOSED, "channel " + channel);
    } else {
      log.event(Type.CLOSE_FAILED, "channel " + channel);
    }
  }

  /** A failure on the TCLO channel: vmt's line, and the sticky flag. */
  void fail(VmtMessage line) {
    log.device(line);
    log.event(Type.TCLO_FAILURE, line.words());
    rpcError = true;
  }

  /**
   * Steps 4 to 10 of vmt's tick: ping if flagged, get the length, get the data, dispatch.
   *
   * @return whether a message was received and handled (the next tick then comes at once)
   */
  boolean poll() {
    if (tcloPing) {
      if (!tclo.send(EMPTY)) {
        fail(VmtMessage.PING_FAILED);
        return false;
      }
      log.event(Type.PING_SENT);
    }
    if (!tclo.getLength()) {
      fail(VmtMessage.TCLO_GET_LENGTH_FAILED);
      return false;
    }
    log.event(Type.POLLED);
    if (tclo.length == 0) {
      tcloPing = true;
      return false;
    }
    byte[] data = tclo.getData(options.flavor());
    if (data == null) {
      fail(VmtMessage.TCLO_GET_DATA_FAILED);
      return false;
    }
    tcloPing = false;
    commands.dispatch(VmtRpc.cString(data));
    return true;
  }

  /** Sends a reply on the TCLO channel; on failure prints {@code failureLine} and sets the flag. */
  boolean reply(String reply, VmtMessage failureLine) {
    if (tclo.sendString(reply)) {
      log.event(Type.REPLY_SENT, reply);
      return true;
    }
    fail(failureLine);
    return false;
  }

  /**
   * vmt's RPCI transaction on a channel of its own: open, send, get length, get data if there is
   * any, close (on every exit after a successful open).
   *
   * @return the contents of vmt's shared buffer afterwards (the reply; or, when the host answered
   *     nothing, still the request), or {@code null} when the transaction failed
   */
  String rpciTx(String command) {
    byte[] buf = command.getBytes(StandardCharsets.ISO_8859_1);
    if (buf.length >= options.flavor().bufferLength()) {
      log.device(VmtMessage.RPCI_TOO_LONG);
      log.event(Type.RPCI_FAILED, command + ": too long");
      return null;
    }
    return rpciTxBuffer(buf);
  }

  /** The quiesce count at the start of a TCLO tick (OpenBSD 1.32). */
  void quiesceTick() {
    commands.quiesceTick();
  }

  /**
   * vm_rpc_send_rpci_tx_buf: the transaction on a buffer of the caller's, without the buffer check
   * (OpenBSD's NIC info goes this way).
   */
  String rpciTxBuffer(byte[] buf) {
    String command = VmtRpc.cString(buf);
    VmtRpc rpci = new VmtRpc(backdoor, log);
    if (!rpci.open(PROTOCOL_RPCI)) {
      log.device(VmtMessage.RPCI_OPEN_FAILED);
      log.event(Type.RPCI_FAILED, command + ": open");
      return null;
    }
    String result = null;
    VmtMessage failure = null;
    if (!rpci.send(buf)) {
      failure = VmtMessage.RPCI_SEND_FAILED;
    } else if (!rpci.getLength()) {
      failure = VmtMessage.RPCI_GET_LENGTH_FAILED;
    } else if (rpci.length == 0) {
      result = command;
    } else {
      byte[] data = rpci.getData(options.flavor());
      if (data == null) {
        failure = VmtMessage.RPCI_GET_DATA_FAILED;
      } else {
        result = VmtRpc.cString(data);
      }
    }
    if (failure != null) {
      log.device(failure);
    }
    if (!rpci.close()) {
      log.device(VmtMessage.RPCI_CLOSE_FAILED);
    }
    if (failure != null) {
      log.event(Type.RPCI_FAILED, command + ": " + failure);
      return null;
    }
    log.event(Type.RPCI_SENT, command);
    return result;
  }

  @Override
  public String toString() {
    return name()
        + "{channel="
        + tclo.channel
        + ", rpcError="
        + rpcError
        + ", tcloPing="
        + tcloPing
        + ", "
        + health()
        + "}";
  }

  /** The machine as its command table sees it. */
  private final class CommandTableSide implements VmtCommandTable.Machine {
    @Override
    public void onReset() {
      VmtTcloMachine.this.onReset();
    }

    @Override
    public boolean reply(String reply, VmtMessage failureLine) {
      return VmtTcloMachine.this.reply(reply, failureLine);
    }

    @Override
    public boolean replyUnchecked(String reply) {
      if (!tclo.sendString(reply)) {
        return false;
      }
      log.event(Type.REPLY_SENT, reply);
      return true;
    }

    @Override
    public String rpciTx(String command) {
      return VmtTcloMachine.this.rpciTx(command);
    }

    @Override
    public String rpciTxBuffer(byte[] buf) {
      return VmtTcloMachine.this.rpciTxBuffer(buf);
    }

    @Override
    public void rpcError() {
      rpcError = true;
    }
  }
}
