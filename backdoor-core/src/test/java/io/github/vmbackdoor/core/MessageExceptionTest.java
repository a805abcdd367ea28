package io.github.vmbackdoor.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageException.Step;
import org.junit.jupiter.api.Test;

/** A message exception's text, made when first asked for, reads as vmt prints the failure. */
class MessageExceptionTest {

  private static final Registers R =
      Registers.of(0x564D5868, 0x00040000, 0x001E0000, 0x00010000, 0, 0, 0);

  @Test
  void theMessageIsTheVmtLineWithTheDetailInParentheses() {
    for (Step step : Step.values()) {
      String line = MessageException.vmtLine(step, R, Registers::hex);
      assertThat(new MessageException(step, R).getMessage()).isEqualTo(line);
      assertThat(new MessageException(step, R, "", false).getMessage()).isEqualTo(line);
      MessageException detailed = new MessageException(step, R, "101 bytes", true);
      assertThat(detailed.getMessage()).isEqualTo(line + " (101 bytes)");
      assertThat(detailed.getMessage()).isSameAs(detailed.getMessage());
      assertThat(detailed.getLocalizedMessage()).isEqualTo(line + " (101 bytes)");
      assertThat(detailed)
          .hasToString(MessageException.class.getName() + ": " + line + " (101 bytes)");
      assertThat(detailed.step()).isEqualTo(step);
      assertThat(detailed.checkpointRetriesExhausted()).isTrue();
    }
    assertThat(new MessageException(Step.SENDSIZE, R).getMessage())
        .isEqualTo("sending length failed, eax=564d5868, ecx=001e0000");
  }
}
