package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException.Step;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.hostsim.fault.Fault;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checkpoints in the middle of message operations: the guest restarts, the message arrives once.
 */
class CheckpointTest {

  static final String REQUEST = "info-set guestinfo.checkpoint a value of some length";
  static final String VALUE = "x".repeat(37);

  /** A backdoor that runs a host checkpoint just before its n-th call (from 1). */
  static final class CheckpointBefore implements Backdoor {
    final VirtualHost host;
    final int n;
    int calls;

    CheckpointBefore(VirtualHost host, int n) {
      this.host = host;
      this.n = n;
    }

    private void tick() {
      if (++calls == n) {
        host.checkpoint();
      }
    }

    @Override
    public Registers in(Registers r) {
      tick();
      return host.backdoor().in(r);
    }

    @Override
    public Registers outs(Registers r, byte[] bytes) {
      tick();
      return host.backdoor().outs(r, bytes);
    }

    @Override
    public Registers ins(Registers r, byte[] into) {
      tick();
      return host.backdoor().ins(r, into);
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static Stream<Arguments> restartPoints() {
    return Stream.of(
        Arguments.of(Step.SENDPAYLOAD, false, 1),
        Arguments.of(Step.SENDPAYLOAD, false, 5),
        Arguments.of(Step.SEND_HB, true, 1),
        Arguments.of(Step.RECVPAYLOAD, false, 1),
        Arguments.of(Step.RECVPAYLOAD, false, 4),
        Arguments.of(Step.RECV_HB, true, 1),
        Arguments.of(Step.RECVSTATUS, false, 1),
        Arguments.of(Step.RECVSTATUS, true, 1));
  }

  @ParameterizedTest(name = "{0} (HB {1}), occurrence {2}")
  @MethodSource("restartPoints")
  void checkpointFaultAtEachRestartPointDeliversTheMessageIntactExactlyOnce(
      Step step, boolean highBandwidth, int nth) {
    VirtualHost host = VirtualHost.builder().highBandwidth(highBandwidth).build();
    host.putGuestInfo("guestinfo.v", VALUE);
    host.installFault(
        Fault.builder().protocol(PROTOCOL_RPCI).step(step).nth(nth).checkpoint().build());
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      ch.send(bytes(REQUEST));
      assertThat(ch.receive()).isEqualTo(bytes("1 "));
      ch.send(bytes("info-get guestinfo.v"));
      assertThat(ch.receive()).isEqualTo(bytes("1 " + VALUE));
    }
    assertThat(host.records().rpciRequests())
        .extracting(RpciRequest::text)
        .containsExactly(REQUEST, "info-get guestinfo.v");
    assertThat(host.records().guestInfo())
        .containsEntry("guestinfo.checkpoint", "a value of some length");
    assertThat(host.records().callLog())
        .filteredOn(c -> c.note().contains("[CHECKPOINT]"))
        .hasSize(1);
  }

  @ParameterizedTest(name = "HB {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void aHostCheckpointBeforeAnyCallOfARoundTripNeverLosesOrDuplicatesTheMessage(
      boolean highBandwidth) {
    int cptAnswers = 0;
    for (int n = 1; n <= 40; n++) {
      VirtualHost host = VirtualHost.builder().highBandwidth(highBandwidth).build();
      host.putGuestInfo("guestinfo.v", VALUE);
      CheckpointBefore backdoor = new CheckpointBefore(host, n);
      try (MessageChannel ch = MessageChannel.open(backdoor, PROTOCOL_RPCI)) {
        ch.send(bytes(REQUEST));
        assertThat(ch.receive()).as("checkpoint before call %d", n).isEqualTo(bytes("1 "));
        ch.send(bytes("info-get guestinfo.v"));
        assertThat(ch.receive()).as("checkpoint before call %d", n).isEqualTo(bytes("1 " + VALUE));
      }
      assertThat(host.records().rpciRequests()).as("checkpoint before call %d", n).hasSize(2);
      cptAnswers +=
          (int)
              host.records().callLog().stream()
                  .filter(
                      c ->
                          ((c.kind() == TraceCall.Operation.IN
                                      ? c.answer().ecxHigh()
                                      : c.answer().ebxHigh())
                                  & STATUS_CPT)
                              != 0)
                  .count();
    }
    assertThat(cptAnswers).as("checkpoints that hit an operation in flight").isGreaterThan(3);
  }

  @Test
  void checkpointDuringAnRpciReplyTheGuestRetriesAndGetsTheReplyThenTcloGetsReset() {
    VirtualHost host = VirtualHost.builder().build();
    MessageChannel tclo = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO);
    tclo.send(new byte[0]);
    assertThat(new String(tclo.receive(), StandardCharsets.US_ASCII)).isEqualTo("reset");
    tclo.send(bytes("OK ATR toolbox"));
    host.requestPowerOperation(GuestOsState.SUSPEND);
    assertThat(new String(tclo.receive(), StandardCharsets.US_ASCII)).isEqualTo("OS_Suspend");

    // the state-change RPCI: the checkpoint falls between RECVSIZE and the HB read of the reply
    Backdoor checkpointBeforeIns =
        new Backdoor() {
          @Override
          public Registers in(Registers r) {
            return host.backdoor().in(r);
          }

          @Override
          public Registers outs(Registers r, byte[] b) {
            return host.backdoor().outs(r, b);
          }

          @Override
          public Registers ins(Registers r, byte[] into) {
            if (host.records().checkpoints() == 0) {
              host.checkpoint();
            }
            return host.backdoor().ins(r, into);
          }
        };
    long mark = host.records().callCount();
    try (MessageChannel rpci = MessageChannel.open(checkpointBeforeIns, PROTOCOL_RPCI)) {
      rpci.send(bytes("tools.os.statechange.status 1 5\0"));
      assertThat(rpci.receive()).isEqualTo(bytes("1 "));
    }
    assertThat(host.records().checkpoints()).isEqualTo(1);
    assertThat(host.records().callLog())
        .filteredOn(c -> c.sequence() > mark && c.kind() == TraceCall.Operation.INS)
        .extracting(c -> c.answer().ebxHigh())
        .containsExactly(STATUS_CPT, STATUS_SUCCESS);
    assertThat(host.records().powerOperations())
        .singleElement()
        .satisfies(p -> assertThat(p.reportedSuccess()).contains(true));

    tclo.send(bytes("OK "));
    assertThat(new String(tclo.receive(), StandardCharsets.US_ASCII))
        .as("after the resume the host sends reset")
        .isEqualTo("reset");
    tclo.send(bytes("OK ATR toolbox"));
    assertThat(host.records().tcloCommandsSent()).containsExactly("reset", "OS_Suspend", "reset");
  }
}
