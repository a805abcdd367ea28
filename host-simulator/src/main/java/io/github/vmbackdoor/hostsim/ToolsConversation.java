package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * The VMX's side of the tools' conversation on the {@code toolbox} TCLO channel, with no command
 * queued by hand: after each reset reply the opening commands ({@code ping}, {@code Set_Option
 * synctime}, {@code Capabilities_Register}, {@code Set_Option broadcastIP}, and after a resume with
 * time synchronisation on {@code Time_Synchronize 1}), then a {@code ping} whenever the heartbeat
 * interval has passed since the last one and nothing else waits. The tools count as running while
 * their last answer is no older than the heartbeat timeout. Sources and choices are in
 * docs/host-model.md §4.5. Guarded by the host's lock.
 */
final class ToolsConversation {

  static final String PING = "ping";

  private final HostPolicy policy;
  private final CommandPortAnswers.Vm vm;

  /** When the host last queued a ping. */
  private long lastPingNanos;

  /** Whether a checkpoint happened since the last reset reply (the VM was resumed). */
  private boolean resumed;

  /**
   * @param vm the VM, whose identity says whether time synchronisation is on
   */
  ToolsConversation(HostPolicy policy, CommandPortAnswers.Vm vm) {
    this.policy = policy;
    this.vm = vm;
  }

  /** A checkpoint: the VM was suspended and resumed. */
  void resumed() {
    resumed = true;
  }

  /** The tools' {@code toolbox} channel answered its reset at {@code now}: the opening commands. */
  List<String> opening(long now) {
    List<String> l = new ArrayList<>();
    l.add(PING);
    boolean sync = vm.identity().timeSync();
    l.add("Set_Option synctime " + (sync ? 1 : 0));
    l.add("Capabilities_Register");
    if (policy.broadcastIp()) {
      l.add("Set_Option broadcastIP 1");
    }
    if (resumed && sync) {
      l.add("Time_Synchronize 1");
    }
    resumed = false;
    lastPingNanos = now;
    return l;
  }

  /** Whether a heartbeat ping is due at {@code now}; if so, it counts as queued. */
  boolean pingDue(long now) {
    if (now - lastPingNanos < policy.heartbeatInterval().toNanos()) {
      return false;
    }
    lastPingNanos = now;
    return true;
  }
}
