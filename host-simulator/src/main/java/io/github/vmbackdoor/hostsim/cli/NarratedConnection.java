package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MutableRegisters;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.GuestConnection;
import java.io.Closeable;
import java.time.Duration;

/**
 * One guest connection of {@code serve} as the narration sees it: its calls go to {@code calls}
 * (the connection itself, or its recording), and the channels it opens and closes, and the faults
 * its calls hit, are told to the VM's {@link ServeNarrator.Vm}; closing it says the guest left.
 */
final class NarratedConnection implements GuestConnection, Closeable {

  private final ServeNarrator.Vm vm;
  private final String label;
  private final GuestConnection connection;
  private final Backdoor calls;

  NarratedConnection(
      ServeNarrator.Vm vm, String label, GuestConnection connection, Backdoor calls) {
    this.vm = vm;
    this.label = label;
    this.connection = connection;
    this.calls = calls;
  }

  @Override
  public Registers in(Registers registers) {
    Registers answer = calls.in(registers);
    said(registers.ecx(), registers.ebx(), registers.edx(), answer.ecx(), answer.edx());
    return answer;
  }

  @Override
  public void in(MutableRegisters registers) {
    int ecx = registers.ecx();
    int ebx = registers.ebx();
    int edx = registers.edx();
    calls.in(registers);
    said(ecx, ebx, edx, registers.ecx(), registers.edx());
  }

  /**
   * Tells the VM's narration of a command-port call: a channel its guest opened or closed (from the
   * request's and the answer's ecx, ebx and edx), and faults hit.
   */
  private void said(int ecx, int ebx, int edx, int answerEcx, int answerEdx) {
    if ((ecx & 0xFFFF) == BackdoorProtocol.CMD_MESSAGE) {
      boolean success = ((answerEcx >>> 16) & BackdoorProtocol.STATUS_SUCCESS) != 0;
      int sub = ecx >>> 16;
      if (sub == BackdoorProtocol.MESSAGE_OPEN && success) {
        vm.opened(label, answerEdx >>> 16, ebx & ~BackdoorProtocol.FLAG_COOKIE);
      } else if (sub == BackdoorProtocol.MESSAGE_CLOSE && success) {
        vm.closed(label, edx >>> 16);
      }
    }
    vm.checkFaults();
  }

  @Override
  public Registers outs(Registers registers, byte[] bytes) {
    Registers answer = calls.outs(registers, bytes);
    vm.checkFaults();
    return answer;
  }

  @Override
  public void outs(MutableRegisters registers, byte[] bytes) {
    calls.outs(registers, bytes);
    vm.checkFaults();
  }

  @Override
  public Registers ins(Registers registers, byte[] into) {
    Registers answer = calls.ins(registers, into);
    vm.checkFaults();
    return answer;
  }

  @Override
  public void ins(MutableRegisters registers, byte[] into) {
    calls.ins(registers, into);
    vm.checkFaults();
  }

  @Override
  public Duration answerDelay() {
    return connection.answerDelay();
  }

  @Override
  public boolean holdsChannels() {
    return connection.holdsChannels();
  }

  @Override
  public void disconnect() {
    connection.disconnect();
    vm.channelsChanged(label + " left", false);
  }

  /** The connection closed: the recording (if any) is closed, and the guest has left. */
  @Override
  public void close() {
    try {
      if (calls instanceof AutoCloseable c && calls != connection) {
        c.close();
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      vm.left(label);
    }
  }
}
