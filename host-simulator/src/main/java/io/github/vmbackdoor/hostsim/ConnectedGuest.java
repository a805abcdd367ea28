package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A guest connection ({@link VirtualHost#connect}): an in-process transport whose opens belong to
 * one connection, and whose fault delays are handed to the caller instead of being waited out.
 */
final class ConnectedGuest implements GuestConnection {
  private final ChannelOwner owner;
  private final Backdoor transport;
  private final Runnable releaseChannels;
  private final BooleanSupplier holdsChannels;
  private Duration delay = Duration.ZERO;

  /**
   * @param transport makes the connection's transport, given where it reports a fault's delay
   * @param releaseChannels closes the channels the connection owns
   * @param holdsChannels whether the connection owns open channels
   */
  ConnectedGuest(
      ChannelOwner owner,
      Function<Consumer<Duration>, Backdoor> transport,
      Runnable releaseChannels,
      BooleanSupplier holdsChannels) {
    this.owner = owner;
    this.transport = transport.apply(d -> delay = d);
    this.releaseChannels = releaseChannels;
    this.holdsChannels = holdsChannels;
  }

  @Override
  public Registers in(Registers registers) {
    delay = Duration.ZERO;
    return transport.in(registers);
  }

  @Override
  public void in(MutableRegisters registers) {
    delay = Duration.ZERO;
    transport.in(registers);
  }

  @Override
  public void outs(MutableRegisters registers, byte[] bytes) {
    delay = Duration.ZERO;
    transport.outs(registers, bytes);
  }

  @Override
  public void ins(MutableRegisters registers, byte[] into) {
    delay = Duration.ZERO;
    transport.ins(registers, into);
  }

  @Override
  public Registers outs(Registers registers, byte[] bytes) {
    delay = Duration.ZERO;
    return transport.outs(registers, bytes);
  }

  @Override
  public Registers ins(Registers registers, byte[] into) {
    delay = Duration.ZERO;
    return transport.ins(registers, into);
  }

  @Override
  public Duration answerDelay() {
    return delay;
  }

  @Override
  public boolean holdsChannels() {
    return holdsChannels.getAsBoolean();
  }

  @Override
  public void disconnect() {
    if (owner.policy.closeChannelsOnDisconnect()) {
      releaseChannels.run();
    }
  }

  @Override
  public String toString() {
    return transport.toString();
  }
}
