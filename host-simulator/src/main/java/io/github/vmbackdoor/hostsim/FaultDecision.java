package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.hostsim.fault.FaultAction;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import java.time.Duration;

/**
 * What a fault made of one call, collected as its action ran: the host answers by it at one point
 * per call. Channel operations act at once on the channel the call addressed (none at OPEN).
 */
final class FaultDecision implements FaultAction.Call {

  /** No fault hit: the call is served normally. */
  static final FaultDecision NONE = new FaultDecision(null, null, null, null);

  private final FaultAction action;
  private final Step step;
  private final HostChannel channel;
  private final ChannelTable table;
  private boolean refused;
  private int status;
  private String what = "";
  private boolean corrupt;
  private boolean cancelAfter;
  private Duration delay = Duration.ZERO;

  FaultDecision(FaultAction action, Step step, HostChannel channel, ChannelTable table) {
    this.action = action;
    this.step = step;
    this.channel = channel;
    this.table = table;
  }

  @Override
  public Step step() {
    return step;
  }

  @Override
  public void refuse(int status, String what) {
    this.refused = true;
    this.status = status;
    this.what = what;
  }

  @Override
  public void cancelOperation() {
    if (channel != null) {
      channel.abandonOperation();
    }
  }

  @Override
  public void cancelOperationAfterServing() {
    cancelAfter = true;
  }

  @Override
  public void closeChannel() {
    if (channel != null) {
      table.invalidate(channel, Invalidation.HOST_CLOSED, ChannelInfo.State.HOST_CLOSED);
    }
  }

  @Override
  public void dropChannel() {
    if (channel != null) {
      table.release(channel);
    }
  }

  @Override
  public void corruptPayload() {
    corrupt = true;
  }

  @Override
  public void delay(Duration extra) {
    delay = delay.plus(extra);
  }

  /** Whether the call is refused instead of served. */
  boolean refused() {
    return refused;
  }

  /** The status a refused call answers. */
  int status() {
    return status;
  }

  /** What became of a refused call, e.g. {@code refused}. */
  String what() {
    return what;
  }

  boolean corrupt() {
    return corrupt;
  }

  /** Whether the operation the served call starts is cancelled (its next step answers CPT). */
  boolean cancelAfter() {
    return cancelAfter;
  }

  Duration delay() {
    return delay;
  }

  /** The call-log note's suffix: the action's name in brackets, or nothing. */
  String note() {
    return action == null ? "" : " [" + action.name() + "]";
  }
}
