package io.github.vmbackdoor.hostsim.admin;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.GuestConnection;
import io.github.vmbackdoor.hostsim.RpciJournal;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.internal.VmName;
import io.github.vmbackdoor.hostsim.scenario.HostEvent;
import io.github.vmbackdoor.hostsim.settings.ConnectionPolicy;
import io.github.vmbackdoor.hostsim.settings.HostSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * One VM as a server serves it: its name, its current {@link VirtualHost}, and the named faults its
 * host events installed. Guest connections call {@link #backdoor()}, which always reaches the
 * current host, so {@link #reset()} (a fresh host from the same settings, like a power cycle) takes
 * effect for connected guests at their next call.
 *
 * <p>Host events run under the host's lock ({@link VirtualHost#exclusively}), so no guest call
 * comes between the steps of one event. Thread-safe.
 */
public final class ServedVm {

  private final String name;
  private final Function<UnaryOperator<HostSettings>, VirtualHost> factory;

  /** The host settings given at the last reset that gave any, over the VM's own. */
  private volatile UnaryOperator<HostSettings> changes = UnaryOperator.identity();

  private final Backdoor backdoor = new CurrentHost();
  private volatile Life life;
  private volatile Listener listener = new Listener() {};

  /** Told what the admin API does to a VM, as it does it. */
  public interface Listener {
    /**
     * {@code event} was applied to the VM's host, under its lock; {@code by} says who asked ({@code
     * admin API}, or the admin API's scenario).
     */
    default void applied(ServedVm vm, HostEvent event, String by) {}

    /** The VM got a fresh host ({@link #reset()}). */
    default void reset(ServedVm vm) {}
  }

  /** Sets the one listener told of the host events applied and the resets (none by default). */
  public void listener(Listener listener) {
    this.listener = Preconditions.checkNotNull(listener, "listener");
  }

  /** The state of one host's life: what {@link #reset()} replaces. */
  static final class Life {
    final VirtualHost host;
    final Map<String, Fault> faults = new HashMap<>(); // guarded by the host's lock
    final RpciJournal rpci; // the RPCI requests the admin API's take takes

    private Life(VirtualHost host) {
      this.host = host;
      this.rpci = host.records().rpciJournal();
    }
  }

  private ServedVm(String name, Function<UnaryOperator<HostSettings>, VirtualHost> factory) {
    this.name = name;
    this.factory = factory;
    this.life = new Life(factory.apply(changes));
  }

  /**
   * A served VM named {@code name} whose host {@code factory} builds: now, and again at each {@link
   * #reset()}.
   */
  public static ServedVm of(String name, Supplier<VirtualHost> factory) {
    Preconditions.checkNotNull(factory, "factory");
    return configurable(name, changes -> factory.get());
  }

  /**
   * A served VM named {@code name} whose host {@code factory} builds with its settings changed by
   * the function it is given: the identity at first, and the changes of a {@link
   * #reset(UnaryOperator)} after one.
   */
  public static ServedVm configurable(
      String name, Function<UnaryOperator<HostSettings>, VirtualHost> factory) {
    Optional<String> problem = VmName.problem(name);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
    Preconditions.checkNotNull(factory, "factory");
    return new ServedVm(name, factory);
  }

  /** The VM's name. */
  public String name() {
    return name;
  }

  /** The current host. */
  public VirtualHost host() {
    return life.host;
  }

  /** The guest side's view: every call goes to the host current at the time of the call. */
  public Backdoor backdoor() {
    return backdoor;
  }

  /** Applies host events to the current host, in order, with no guest call between them. */
  public void apply(List<HostEvent> events) {
    apply(life, events, "admin API");
  }

  /**
   * Applies host events to the host of {@code life} (after a reset: the discarded one), telling the
   * listener that {@code by} asked for each.
   */
  void apply(Life life, List<HostEvent> events, String by) {
    List<HostEvent> copy = ImmutableList.copyOf(events);
    Listener told = listener;
    life.host.exclusively(
        h -> {
          for (HostEvent e : copy) {
            e.apply(h, life.faults);
            told.applied(this, e, by);
          }
          return null;
        });
  }

  /**
   * Replaces the host by a fresh one from the same factory: channels, logs and faults are gone; the
   * host settings of the last {@link #reset(UnaryOperator)} stay.
   */
  public void reset() {
    life = new Life(factory.apply(changes));
    listener.reset(this);
  }

  /**
   * Replaces the host by a fresh one whose settings are the VM's own changed by {@code changes}
   * (for a VM made with {@link #configurable}; others ignore them), which later resets keep.
   */
  public synchronized void reset(UnaryOperator<HostSettings> changes) {
    this.changes = Preconditions.checkNotNull(changes, "changes");
    reset();
  }

  /** The host settings the last reset that gave any changes the VM's own by (else none). */
  public UnaryOperator<HostSettings> changes() {
    return changes;
  }

  Life life() {
    return life;
  }

  @Override
  public String toString() {
    return "ServedVm[" + name + "]";
  }

  /**
   * A guest connection that reaches the host current at each call: a connection of that host
   * ({@link VirtualHost#connect}), made anew after a {@link #reset()}.
   */
  public GuestConnection connect(String label, ConnectionPolicy policy) {
    return new CurrentConnection(label, policy);
  }

  private final class CurrentConnection implements GuestConnection {
    private final String label;
    private final ConnectionPolicy policy;
    private Life of;
    private GuestConnection connection;

    CurrentConnection(String label, ConnectionPolicy policy) {
      this.label = label;
      this.policy = policy;
    }

    private GuestConnection current() {
      Life now = life;
      if (now != of) {
        of = now;
        connection = now.host.connect(label, policy);
      }
      return connection;
    }

    @Override
    public Registers in(Registers registers) {
      return current().in(registers);
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      return current().outs(registers, bytes);
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      return current().ins(registers, into);
    }

    @Override
    public void in(MutableRegisters registers) {
      current().in(registers);
    }

    @Override
    public void outs(MutableRegisters registers, byte[] bytes) {
      current().outs(registers, bytes);
    }

    @Override
    public void ins(MutableRegisters registers, byte[] into) {
      current().ins(registers, into);
    }

    @Override
    public Duration answerDelay() {
      return connection == null ? Duration.ZERO : connection.answerDelay();
    }

    @Override
    public boolean holdsChannels() {
      return connection != null && of == life && connection.holdsChannels();
    }

    @Override
    public void disconnect() {
      if (connection != null) {
        connection.disconnect();
      }
    }
  }

  /** Passes each call to the host current at the time of the call. */
  private final class CurrentHost implements Backdoor {
    @Override
    public Registers in(Registers registers) {
      return life.host.backdoor().in(registers);
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      return life.host.backdoor().outs(registers, bytes);
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      return life.host.backdoor().ins(registers, into);
    }

    @Override
    public void in(MutableRegisters registers) {
      life.host.backdoor().in(registers);
    }

    @Override
    public void outs(MutableRegisters registers, byte[] bytes) {
      life.host.backdoor().outs(registers, bytes);
    }

    @Override
    public void ins(MutableRegisters registers, byte[] into) {
      life.host.backdoor().ins(registers, into);
    }
  }
}
