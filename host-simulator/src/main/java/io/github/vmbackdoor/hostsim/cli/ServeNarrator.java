package io.github.vmbackdoor.hostsim.cli;

import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.hostsim.GuestConnection;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.admin.ServedVm;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.fault.FaultHit;
import io.github.vmbackdoor.hostsim.internal.Durations;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioEvent;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code serve} narrates about its VMs ({@link Narration} says it): guests connecting and
 * leaving, the channels they and the host open and close, the host events of the scenario and of
 * the admin API as they fire, and the faults they installed as they hit, named as the scenario or
 * the admin request named them. Thread-safe; it never calls a host while holding its own lock, so
 * it can be told things from under a host's lock.
 */
final class ServeNarrator {

  private final Narration say;
  private final Map<Fault, String> faultNames =
      Collections.synchronizedMap(new IdentityHashMap<>());

  ServeNarrator(Narration say) {
    this.say = say;
  }

  /** The narration of one served VM; listens to its admin events. */
  Vm vm(ServedVm served) {
    Vm vm = new Vm(served);
    served.listener(vm);
    return vm;
  }

  /** A scenario event fired on every VM of {@code vms}. */
  void scenarioEvent(Scenario scenario, Duration at, ScenarioEvent event, List<Vm> vms) {
    learn(event.event());
    // A repeated event says its first occurrence, then how many more (folded).
    say.sayFolded(
        null,
        "scenario-event",
        "scenario " + scenario.name() + ": " + event.action(),
        "scenario "
            + scenario.name()
            + " at "
            + (at.isZero() ? "0s" : Durations.format(at))
            + ": "
            + event.action());
    for (Vm vm : vms) {
      vm.channelsChanged(event.action(), true);
    }
  }

  /** The scenario's timeline has ended. */
  void timelineEnded(Scenario scenario) {
    say.say(null, "timeline-ended", "scenario " + scenario.name() + ": timeline ended");
  }

  private void learn(HostEvent event) {
    if (event instanceof HostEvent.InstallFault f) {
      faultNames.put(f.fault(), f.name());
    }
  }

  private static String protocol(int protocol) {
    return protocol == BackdoorProtocol.PROTOCOL_TCLO
        ? "TCLO"
        : protocol == BackdoorProtocol.PROTOCOL_RPCI
            ? "RPCI"
            : BackdoorProtocol.protocolName(protocol);
  }

  /** One served VM. */
  final class Vm implements ServedVm.Listener {
    private final ServedVm served;
    private final String name;

    // guarded by this
    private final Map<Integer, String> open = new TreeMap<>();
    private VirtualHost host;

    /** Written under this; volatile so that a call that hit no fault is seen without the lock. */
    private volatile long hitsSeen;

    /** The size of {@code open}, written under this; read without the lock by {@link #closed}. */
    private volatile int openCount;

    Vm(ServedVm served) {
      this.served = served;
      this.name = served.name();
      this.host = served.host();
    }

    /**
     * A new guest connection: its calls go to {@code calls} (the connection, or its recording);
     * says the guest connected.
     */
    NarratedConnection connected(
        String label, InetSocketAddress from, GuestConnection connection, Backdoor calls) {
      say.say(
          name,
          "connected",
          "guest connected from "
              + (from == null
                  ? "an unknown address"
                  : HostAndPort.fromParts(from.getAddress().getHostAddress(), from.getPort()))
              + " ("
              + label
              + ")");
      return new NarratedConnection(this, label, connection, calls);
    }

    void left(String label) {
      say.say(name, "left", "guest left (" + label + ")");
    }

    void opened(String label, int id, int protocol) {
      if (protocol != BackdoorProtocol.PROTOCOL_TCLO) {
        return; // an RPCI channel lives for one request: a line each would drown the rest
      }
      String p = protocol(protocol);
      synchronized (this) {
        open.put(id, p);
        openCount = open.size();
      }
      say.say(name, "channel-opened", "channel " + id + " " + p + " opened by " + label);
    }

    void closed(String label, int id) {
      if (openCount == 0) {
        return; // no TCLO channel known open: the usual close, of an RPCI channel, without the lock
      }
      String p;
      synchronized (this) {
        p = open.remove(id);
        openCount = open.size();
      }
      if (p != null) {
        say.say(name, "channel-closed", "channel " + id + " " + p + " closed by " + label);
      }
    }

    /**
     * Compares the channels it knows open with the host's: those the host closed are said closed by
     * the host ({@code cause}), and with {@code opens} those the host opened itself.
     */
    void channelsChanged(String cause, boolean opens) {
      VirtualHost now = served.host();
      List<ChannelInfo> channels = now.records().channels();
      List<String> lines = new ArrayList<>();
      synchronized (this) {
        if (now != host) {
          host = now;
          hitsSeen = 0;
          open.clear();
          openCount = 0;
          return;
        }
        Map<Integer, String> hostOpen = new TreeMap<>();
        for (ChannelInfo c : channels) {
          if (c.state() == ChannelInfo.State.OPEN
              && c.protocol() == BackdoorProtocol.PROTOCOL_TCLO) {
            hostOpen.put(c.id(), protocol(c.protocol()));
          }
        }
        for (var it = open.entrySet().iterator(); it.hasNext(); ) {
          var e = it.next();
          if (!e.getValue().equals(hostOpen.get(e.getKey()))) {
            it.remove();
            lines.add(
                "channel "
                    + e.getKey()
                    + " "
                    + e.getValue()
                    + " closed by the host ("
                    + cause
                    + ")");
          }
        }
        if (opens) {
          for (var e : hostOpen.entrySet()) {
            if (!open.containsKey(e.getKey())) {
              open.put(e.getKey(), e.getValue());
              lines.add(
                  "channel "
                      + e.getKey()
                      + " "
                      + e.getValue()
                      + " opened by the host ("
                      + cause
                      + ")");
            }
          }
        }
        openCount = open.size();
      }
      lines.forEach(
          l -> say.say(name, l.contains(" opened ") ? "channel-opened" : "channel-closed", l));
    }

    /** Says the faults that hit calls since it last looked, a run of one fault's hits folded. */
    void checkFaults() {
      VirtualHost now = served.host();
      long count = now.records().faultHitCount();
      if (count == hitsSeen) {
        return; // no new hit: the usual case, after every call, seen without the lock
      }
      List<FaultHit> hits;
      synchronized (this) {
        if (now != host || count == hitsSeen) {
          return;
        }
        hits = null;
      }
      List<FaultHit> all = now.records().faultHits();
      synchronized (this) {
        if (count <= hitsSeen) {
          return;
        }
        int fresh = (int) Math.min(count - hitsSeen, all.size());
        hitsSeen = count;
        hits = all.subList(all.size() - fresh, all.size());
      }
      for (FaultHit hit : hits) {
        String fault = "fault " + faultNames.getOrDefault(hit.fault(), hit.fault().toString());
        say.sayFolded(
            name,
            "fault-hit",
            fault + " hit",
            fault
                + " hit "
                + hit.step()
                + (hit.channelId() < 0 ? "" : " of channel " + hit.channelId())
                + ": "
                + hit.fault().action().text());
      }
    }

    @Override
    public void applied(ServedVm vm, HostEvent event, String by) {
      learn(event);
      say.say(name, "admin-event", by + ": " + event.text());
      channelsChanged(event.text(), true);
    }

    @Override
    public void reset(ServedVm vm) {
      say.say(name, "reset", "reset by the admin API: a fresh host, every channel gone");
      channelsChanged("reset", false);
    }
  }
}
