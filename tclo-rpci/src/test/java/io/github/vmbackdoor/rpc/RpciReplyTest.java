package io.github.vmbackdoor.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RpciReplyTest {

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void successWithText() {
    RpciReply reply = RpciReply.parse(b("1 some value"));
    assertThat(reply.isSuccess()).isTrue();
    assertThat(reply.text()).isEqualTo("some value");
  }

  @Test
  void failureKeepsTheHostsWordsVerbatim() {
    RpciReply reply = RpciReply.parse(b("0 No value found"));
    assertThat(reply.isSuccess()).isFalse();
    assertThat(reply.text()).isEqualTo("No value found");
  }

  @Test
  void bareSuccessHasEmptyText() {
    RpciReply reply = RpciReply.parse(b("1 "));
    assertThat(reply.isSuccess()).isTrue();
    assertThat(reply.text()).isEmpty();
    assertThat(reply.payload()).isEmpty();
  }

  @Test
  void emptyReplyIsAProtocolError() {
    assertThatThrownBy(() -> RpciReply.parse(new byte[0]))
        .isInstanceOf(RpciProtocolException.class)
        .hasMessageContaining("0 byte(s)");
  }

  @Test
  void oneByteReplyIsAProtocolError() {
    assertThatThrownBy(() -> RpciReply.parse(b("1")))
        .isInstanceOf(RpciProtocolException.class)
        .hasMessageContaining("1 byte(s)");
  }

  @Test
  void nonNumericPrefixIsAProtocolError() {
    assertThatThrownBy(() -> RpciReply.parse(b("OK fine")))
        .isInstanceOf(RpciProtocolException.class)
        .hasMessageContaining("\"OK fine\"");
    assertThatThrownBy(() -> RpciReply.parse(b("2 two"))).isInstanceOf(RpciProtocolException.class);
    assertThatThrownBy(() -> RpciReply.parse(b("1x"))).isInstanceOf(RpciProtocolException.class);
    assertThatThrownBy(() -> RpciReply.parse(new byte[] {0, ' '}))
        .isInstanceOf(RpciProtocolException.class)
        .hasMessageContaining("\\x00");
  }

  @Test
  void protocolErrorKeepsTheBytes() {
    RpciProtocolException e = (RpciProtocolException) catchThrowable(() -> RpciReply.parse(b("?")));
    assertThat(e.reply()).containsExactly('?');
  }

  private static Throwable catchThrowable(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("no exception");
  }

  @Test
  void largeReplyIsKeptWhole() {
    byte[] big = new byte[1 << 20];
    Arrays.fill(big, (byte) 'x');
    big[0] = '1';
    big[1] = ' ';
    big[big.length - 1] = 0;
    RpciReply reply = RpciReply.parse(big);
    assertThat(reply.payload()).hasSize(big.length - 2);
    assertThat(reply.payload()[big.length - 3]).isZero();
    assertThat(reply.toBytes()).isEqualTo(big);
    assertThat(reply.toString()).contains("(" + big.length + " bytes)");
  }

  @Test
  void valueSemantics() {
    assertThat(RpciReply.parse(b("1 a")))
        .isEqualTo(RpciReply.success("a"))
        .hasSameHashCodeAs(RpciReply.success("a"))
        .isNotEqualTo(RpciReply.failure("a"));
    byte[] source = b("1 abc");
    RpciReply reply = RpciReply.parse(source);
    source[2] = 'z';
    assertThat(reply.text()).isEqualTo("abc");
  }
}
