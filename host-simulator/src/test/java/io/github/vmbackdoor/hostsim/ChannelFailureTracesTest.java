package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import org.junit.jupiter.api.Test;

/**
 * A channel's failures carry a stack trace unless its options say otherwise, and are the same
 * failures either way.
 */
class ChannelFailureTracesTest {

  /** The failures of a send and a close on a channel the host invalidated. */
  private static MessageException[] failures(MessageChannel.Options options, Invalidation kind) {
    VirtualHost host = VirtualHost.builder().seed(3).build();
    MessageChannel channel = MessageChannel.open(host.backdoor(), PROTOCOL_TCLO, options);
    host.invalidateChannel(channel.id(), kind);
    MessageException send = failure(() -> channel.send(new byte[] {1}));
    MessageException close = failure(channel::close);
    return new MessageException[] {send, close};
  }

  /** The message exception {@code call} throws, or null when it returns. */
  private static MessageException failure(Runnable call) {
    try {
      call.run();
      return null;
    } catch (MessageException e) {
      return e;
    }
  }

  @Test
  void withoutStackTracesTheFailuresAreTheSameFailuresWithoutTheirTraces() {
    MessageChannel.Options traced = MessageChannel.Options.defaults();
    MessageChannel.Options quiet = traced.withStackTraces(false);
    for (Invalidation kind : Invalidation.values()) {
      MessageException[] withTraces = failures(traced, kind);
      MessageException[] without = failures(quiet, kind);
      for (int i = 0; i < withTraces.length; i++) {
        if (withTraces[i] == null) {
          assertThat(without[i]).as("%s, failure %d", kind, i).isNull();
          continue;
        }
        assertThat(withTraces[i].getStackTrace()).isNotEmpty();
        assertThat(without[i].getStackTrace()).as("%s, failure %d", kind, i).isEmpty();
        assertThat(without[i].getMessage()).isEqualTo(withTraces[i].getMessage());
        assertThat(without[i].step()).isEqualTo(withTraces[i].step());
        assertThat(without[i].registers()).isEqualTo(withTraces[i].registers());
        assertThat(without[i].getCause()).isNull();
      }
    }
    assertThat(failures(quiet, Invalidation.COOKIES_INVALID)).doesNotContainNull();
  }
}
