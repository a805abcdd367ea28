package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.NO_BACKDOOR;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorCommand;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The host's port as guest code calls it in-process: each call is answered under the host's lock
 * (command-port answers, or the GuestMsg server for MESSAGE and the HB port), logged, and then held
 * back outside the lock for the extra time a fault gave it. On a host driven by one thread at a
 * time ({@link VirtualHostBuilder#singleThreaded()}) no lock is taken.
 */
class InProcessBackdoor implements Backdoor {

  /** The commands by number (null where none), looked up once per call without an Optional. */
  private static final BackdoorCommand[] COMMANDS = commandsByNumber();

  private static BackdoorCommand[] commandsByNumber() {
    int max = 0;
    for (BackdoorCommand c : BackdoorCommand.values()) {
      max = Math.max(max, c.number());
    }
    BackdoorCommand[] byNumber = new BackdoorCommand[max + 1];
    for (BackdoorCommand c : BackdoorCommand.values()) {
      byNumber[c.number()] = c;
    }
    return byNumber;
  }

  // guarded by the host's lock, which is the message server's monitor
  private final GuestMsgServer messages;

  /**
   * The host's own transport: its calls' channels belong to no connection, and a fault's extra time
   * goes to the host's delayer.
   *
   * @param messages the GuestMsg server: MESSAGE and the HB port, the command port's VM; its
   *     monitor is the host's lock
   */
  InProcessBackdoor(GuestMsgServer messages) {
    this.messages = messages;
  }

  /** A transport for a guest connection: its own delayer and channel owner. */
  InProcessBackdoor forConnection(Consumer<Duration> delayer, ChannelOwner owner) {
    return new Connection(messages, delayer, owner);
  }

  /** The host's message server, which holds its state. */
  GuestMsgServer messages() {
    return messages;
  }

  /** The guest connection whose channels this transport opens, or null for none. */
  ChannelOwner owner() {
    return null;
  }

  /** Who is told of a fault's extra time, outside the lock. */
  Consumer<Duration> delayer() {
    return messages.setup.delayer;
  }

  /**
   * The transport of a guest connection ({@link VirtualHost#connect}): the channels it opens are
   * the connection's, and a fault's extra time goes to the connection. The host's own transport
   * holds neither, so that a VM holds the one reference to its server.
   */
  private static final class Connection extends InProcessBackdoor {
    private final Consumer<Duration> delayer;
    private final ChannelOwner owner;

    Connection(GuestMsgServer messages, Consumer<Duration> delayer, ChannelOwner owner) {
      super(messages);
      this.delayer = delayer;
      this.owner = owner;
    }

    @Override
    ChannelOwner owner() {
      return owner;
    }

    @Override
    Consumer<Duration> delayer() {
      return delayer;
    }
  }

  @Override
  public Registers in(Registers registers) {
    Preconditions.checkNotNull(registers, "registers");
    MutableRegisters r = new MutableRegisters(registers);
    call(TraceCall.Operation.IN, r, null, registers);
    return r.toRegisters();
  }

  @Override
  public void in(MutableRegisters registers) {
    Preconditions.checkNotNull(registers, "registers");
    call(TraceCall.Operation.IN, registers, null, null);
  }

  @Override
  public Registers outs(Registers registers, byte[] bytes) {
    return transfer(TraceCall.Operation.OUTS, registers, bytes, "bytes", "byte count");
  }

  @Override
  public void outs(MutableRegisters registers, byte[] bytes) {
    transfer(TraceCall.Operation.OUTS, registers, null, bytes, "bytes", "byte count");
  }

  @Override
  public Registers ins(Registers registers, byte[] into) {
    return transfer(TraceCall.Operation.INS, registers, into, "into", "buffer length");
  }

  @Override
  public void ins(MutableRegisters registers, byte[] into) {
    transfer(TraceCall.Operation.INS, registers, null, into, "into", "buffer length");
  }

  /** An HB transfer on a value: as the holder's, answered into a new value. */
  private Registers transfer(
      TraceCall.Operation operation, Registers registers, byte[] bytes, String name, String what) {
    Preconditions.checkNotNull(registers, "registers");
    MutableRegisters r = new MutableRegisters(registers);
    transfer(operation, r, registers, bytes, name, what);
    return r.toRegisters();
  }

  /** An HB transfer: checks the arguments, then moves {@code bytes} out or fills them in. */
  private void transfer(
      TraceCall.Operation operation,
      MutableRegisters registers,
      Registers request,
      byte[] bytes,
      String name,
      String what) {
    Preconditions.checkNotNull(registers, "registers");
    Preconditions.checkNotNull(bytes, name);
    if (registers.ecx() != bytes.length) {
      throw new IllegalArgumentException(
          "ecx " + registers.ecx() + " must equal the " + what + " " + bytes.length);
    }
    call(operation, registers, bytes, request);
  }

  /**
   * One call: answered and logged under the lock, then delayed outside it as a fault asked. An IN
   * goes to the command port, an OUTS or INS moves {@code bytes} on the HB port. The answer is
   * written into {@code r}; {@code request} is the caller's value of the registers loaded, or null
   * (the call log keeps the raw registers of {@code r}, so neither is needed for it).
   */
  private void call(
      TraceCall.Operation operation, MutableRegisters r, byte[] bytes, Registers request) {
    CallResult res = CallResult.acquire(messages.callLog().keeps());
    try {
      if (messages.singleThreaded()) {
        // One thread at a time drives the host: no lock; a call from another thread is refused.
        Thread before = messages.enter();
        try {
          answer(operation, r, bytes, res, request);
        } finally {
          messages.leave(before);
        }
      } else {
        synchronized (messages) {
          answer(operation, r, bytes, res, request);
        }
      }
      Duration delay = res.delay;
      if (!delay.isZero()) {
        delayer().accept(delay);
      }
    } finally {
      res.release();
    }
  }

  /** Answers one call into {@code r} and logs it; under the host's lock. */
  private void answer(
      TraceCall.Operation operation,
      MutableRegisters r,
      byte[] bytes,
      CallResult res,
      Registers request) {
    if (operation == TraceCall.Operation.IN) {
      command(r, res);
    } else {
      messages.highBandwidth(r, bytes, operation == TraceCall.Operation.OUTS, res, owner());
      res.payloadLength = bytes.length;
      res.payloadCrc = messages.callLog().crc(bytes);
    }
    messages.callLog().add(messages.counted(), operation, messages.time(), r, res);
    r.load(res.answer);
  }

  /** A command-port call: MESSAGE goes to the GuestMsg server, the rest are answered here. */
  private void command(MutableRegisters r, CallResult res) {
    int number = r.ecxLow();
    BackdoorCommand command = number > 0 && number < COMMANDS.length ? COMMANDS[number] : null;
    if (r.eax() != MAGIC) {
      res.answerLoaded(r).eax(NO_BACKDOOR);
      res.note = "wrong magic";
      return;
    }
    if (command == BackdoorCommand.MESSAGE) {
      messages.message(r, res, owner());
    } else if (command == null
        || !CommandPortAnswers.answer(messages, command, r, res.answerLoaded(r))) {
      res.answerLoaded(r).eax(NO_BACKDOOR);
      if (res.describe) {
        res.note = "unknown command " + r.ecxLow();
      }
    } else {
      res.note = command.name();
    }
  }

  @Override
  public String toString() {
    ChannelOwner owner = owner();
    return (owner == null ? "in-process backdoor" : owner.name)
        + " to VirtualHost{uuid="
        + messages.uuid()
        + "}";
  }
}
