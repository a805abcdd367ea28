package io.github.vmbackdoor.hostsim.junit;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.settings.RefusalRegisters;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The field log's two host rules, set from the annotation and from the builder. */
class FieldHostRulesTest {

  /** vmt after a reopen: its reset reply unasked, the channel's reset answered, then a ping. */
  static MessageException refusedPingAfterAnUnsolicitedReply(Backdoor guest) {
    MessageChannel tclo = MessageChannel.open(guest, PROTOCOL_TCLO);
    tclo.send("OK ATR toolbox".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(new String(tclo.receive(), StandardCharsets.ISO_8859_1)).isEqualTo("reset");
    tclo.send("OK ATR toolbox".getBytes(StandardCharsets.ISO_8859_1));
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> tclo.send(new byte[0]));
    assertThat(thrown).isInstanceOf(MessageException.class);
    return (MessageException) thrown;
  }

  @Nested
  @SimulatedVm(resetAfterUnsolicitedReply = true)
  class FromTheAnnotation {
    @Test
    void theFirstPingIsRefusedWithEaxZeroAndAResetQueued(VirtualHost host, Backdoor guest) {
      MessageException e = refusedPingAfterAnUnsolicitedReply(guest);
      assertThat(e.registers().eax()).isZero();
      assertThat(e.registers().ecx()).isZero();
      assertThat(host.records().pendingTcloCommands()).containsExactly("reset");
    }
  }

  @Nested
  class FromTheBuilder {
    @RegisterExtension
    final VmExtension vm =
        VmExtension.builder()
            .resetAfterUnsolicitedReply(true)
            .refusalRegisters(RefusalRegisters.AS_LOADED)
            .build();

    @Test
    void theRefusalKeepsTheMagicInEax() {
      MessageException e = refusedPingAfterAnUnsolicitedReply(vm.simulator().guest());
      assertThat(e.registers().eax()).isEqualTo(BackdoorProtocol.MAGIC);
    }
  }

  @Nested
  @SimulatedVm
  class ByDefault {
    @Test
    void theHostTakesTheUnsolicitedReplyAndThePingAfterIt(Backdoor guest) {
      MessageChannel tclo = MessageChannel.open(guest, PROTOCOL_TCLO);
      tclo.send("OK ATR toolbox".getBytes(StandardCharsets.ISO_8859_1));
      tclo.receive();
      tclo.send("OK ATR toolbox".getBytes(StandardCharsets.ISO_8859_1));
      tclo.send(new byte[0]);
      assertThatThrownBy(() -> MessageChannel.open(guest, 0x1234))
          .isInstanceOfSatisfying(
              MessageException.class, e -> assertThat(e.registers().eax()).isZero());
    }
  }
}
