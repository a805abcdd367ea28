package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admission rules alone: the total, the per-address cap, the reserve, and release on close. */
class ConnectionAdmissionTest {

  private final List<EmbeddedChannel> open = new ArrayList<>();

  /** Admits one more connection (all from the same address); its refusal, or null. */
  private ConnectionAdmission.Refusal connect(ConnectionAdmission admission) {
    EmbeddedChannel channel = new EmbeddedChannel();
    ConnectionAdmission.Refusal refusal = admission.admit(channel);
    if (refusal == null) {
      open.add(channel);
    }
    return refusal;
  }

  @Test
  void oneAddressGetsItsCapAndAClosedConnectionGivesItsPlaceBack() {
    ConnectionAdmission admission = new ConnectionAdmission(64, 4);
    for (int i = 0; i < 4; i++) {
      assertThat(connect(admission)).isNull();
    }
    ConnectionAdmission.Refusal fifth = connect(admission);
    assertThat(fifth.error()).isEqualTo(WireError.TOO_MANY_CONNECTIONS);
    assertThat(fifth.text()).isEqualTo("the server already serves 4 connections from 127.0.0.1");
    assertThat(admission.admitted()).isEqualTo(4);

    open.remove(0).close();
    assertThat(admission.admitted()).isEqualTo(3);
    assertThat(connect(admission)).isNull();
    assertThat(admission.admitted()).isEqualTo(4);
  }

  @Test
  void theLastQuarterIsKeptForAddressesHoldingFew() {
    // 8 in all: the last 2 are kept for addresses holding at most 1 (2 / 8, at least 1).
    ConnectionAdmission admission = new ConnectionAdmission(8, 7);
    for (int i = 0; i < 6; i++) {
      assertThat(connect(admission)).isNull();
    }
    ConnectionAdmission.Refusal seventh = connect(admission);
    assertThat(seventh.text())
        .isEqualTo(
            "the server serves 6 of its 8 connections; the last 2 are kept for addresses"
                + " holding at most 1, and 127.0.0.1 holds 6");
    assertThat(admission.admitted()).isEqualTo(6);
  }

  @Test
  void theTotalIsACapForEveryone() {
    // One address may hold them all: no reserve, only the total.
    ConnectionAdmission admission = new ConnectionAdmission(3, 3);
    for (int i = 0; i < 3; i++) {
      assertThat(connect(admission)).isNull();
    }
    assertThat(connect(admission).text()).isEqualTo("the server already serves 3 connections");
    assertThat(admission.admitted()).isEqualTo(3);
  }
}
